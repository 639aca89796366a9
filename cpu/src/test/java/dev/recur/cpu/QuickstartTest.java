package dev.recur.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import dev.recur.backend.Backend;
import dev.recur.backend.Backends;
import dev.recur.nn.rnn.Lstm;
import dev.recur.nn.rnn.RnnResult;
import dev.recur.tensor.Tensor;
import org.junit.jupiter.api.Test;

/** The README's quickstart, as written there, with its claims about the result checked. */
class QuickstartTest {
    @Test
    void readmeSnippetRunsAndGivesWhatItSays() {
        float[] data = new float[3 * 5 * 8];
        for (int i = 0; i < data.length; i++) {
            data[i] = (float) Math.sin(i);
        }
        Backend backend = Backends.get();
        try (Lstm lstm = Lstm.builder(8, 16)
                     .numLayers(2).bidirectional(true).batchFirst(true).seed(42).build(backend);
             Tensor x = backend.fromFloats(data, 3, 5, 8)) {
            int[] lengths = {5, 2, 4};
            try (RnnResult r = lstm.forward(x, lengths, null)) {
                float[] out = r.output().toFloatArray();
                float[] hn = r.hn().toFloatArray();
                assertEquals(3 * 5 * 32, out.length);
                assertEquals(4 * 3 * 16, hn.length);
                // Sequence 1 has 2 steps: its outputs at t = 2..4 are exactly 0, those before are not.
                for (int t = 0; t < 5; t++) {
                    for (int j = 0; j < 32; j++) {
                        float v = out[(1 * 5 + t) * 32 + j];
                        if (t >= 2) {
                            assertEquals(0f, v, "padded output must be 0");
                        } else {
                            assertNotEquals(0f, v);
                        }
                    }
                }
                // The top layer's forward h_n of sequence 1 is its output at its own last step (t = 1).
                for (int j = 0; j < 16; j++) {
                    assertEquals(out[(1 * 5 + 1) * 32 + j], hn[(2 * 3 + 1) * 16 + j]);
                }
            }
        }
    }
}
