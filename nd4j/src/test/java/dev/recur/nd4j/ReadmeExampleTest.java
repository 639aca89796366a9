package dev.recur.nd4j;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import dev.recur.backend.Backend;
import dev.recur.backend.Backends;
import dev.recur.nn.rnn.Lstm;
import dev.recur.nn.rnn.RnnResult;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** The README's DL4J example, as written there, with its claims about the result checked. */
class ReadmeExampleTest {
    @Test
    void readmeSnippetRunsAndGivesWhatItSays() {
        INDArray features = Nd4j.rand(DataType.FLOAT, 'f', 3, 8, 5);               // [B, I, T]
        INDArray mask = Dl4jSequences.mask(new int[] {5, 2, 4}, 5);                // [B, T]

        Backend backend = Backends.get();
        try (Lstm lstm = Lstm.builder(8, 16).seed(42).build(backend);                // I = 8, H = 16
             SequenceBatch batch = Dl4jSequences.fromDl4j(features, mask, backend); // [T, B, I] + lengths from the mask
             RnnResult r = lstm.forward(batch.input(), batch.lengths(), null)) {
            INDArray out = Dl4jSequences.toDl4j(r.output());  // [B, H, T] as DL4J lays it out; 0 past each sequence's end
            INDArray hn = Nd4jTensors.toINDArray(r.hn());     // [1, B, H]: each sequence's state at its own last step

            assertArrayEquals(new long[] {3, 16, 5}, out.shape());
            assertArrayEquals(new long[] {1, 3, 16}, hn.shape());
            int[] lengths = {5, 2, 4};
            for (int b = 0; b < 3; b++) {
                for (int h = 0; h < 16; h++) {
                    for (int t = 0; t < 5; t++) {
                        if (t >= lengths[b]) {
                            assertEquals(0f, out.getFloat(b, h, t));
                        } else {
                            assertNotEquals(0f, out.getFloat(b, h, t));
                        }
                    }
                    assertEquals(out.getFloat(b, h, lengths[b] - 1), hn.getFloat(0, b, h));
                }
            }
        }
    }
}
