package dev.recur.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.recur.backend.Backend;
import dev.recur.backend.Backends;
import dev.recur.nn.Module;
import dev.recur.nn.Parameter;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** The sizing rule, parameter and FLOP counts the report prints (no benchmark runs). */
class BenchShapesTest {
    @Test
    void parameterFormulasCountTheBuiltLayers() {
        Backend be = Backends.get("cpu");
        for (String m : BenchShapes.MODELS) {
            for (int w : new int[] {8, 12, 20}) {
                try (BenchModel net = BenchModel.create(be, m, w, 1)) {
                    Module mod = net.module();
                    long n = mod.parameters().values().stream().map(Parameter::value).mapToLong(t -> t.numel()).sum();
                    assertEquals(BenchShapes.parameters(m, w), n, m + " at width " + w);
                }
            }
        }
    }

    @Test
    void matchedParameterWidths() {
        assertEquals(256, BenchShapes.width("lstm", "params", 256));
        assertEquals(512, BenchShapes.width("rnn", "params", 256));
        assertEquals(296, BenchShapes.width("gru", "params", 256));
        assertEquals(208, BenchShapes.width("transformer", "params", 256));
        assertEquals(364, BenchShapes.width("attention", "params", 256));
        assertEquals(104, BenchShapes.width("transformer", "params", 128));
        for (String m : BenchShapes.MODELS) {
            assertEquals(256, BenchShapes.width(m, "width", 256));
        }
    }

    @Test
    void flopsMatchPerformanceMd() {
        // LSTM S2 forward 4.295 GFLOP; transformer layer d=256, ff 1024, B=32, T=128: 6.98 GFLOP (42.3 ms = 165 GFLOP/s).
        assertEquals(BenchShapes.lstmForwardFlops(32, 128, 256, 256), BenchShapes.forwardFlops("lstm", 32, 128, 256));
        assertEquals(4.295e9, BenchShapes.forwardFlops("lstm", 32, 128, 256), 1e6);
        assertEquals(6.98e9, BenchShapes.forwardFlops("transformer", 32, 128, 256), 0.01e9);
        assertEquals(2 * 128 * 32 * 3 * 256 * 512.0, BenchShapes.forwardFlops("gru", 32, 128, 256));
    }

    @Test
    void halfLengthsSumToHalfTheBatch() {
        for (int[] bt : new int[][] {{32, 128}, {32, 64}, {32, 256}, {8, 10}, {2, 2}, {32, 17}, {4, 3}}) {
            long[] l = BenchShapes.halfLengths(bt[0], bt[1]);
            assertEquals((long) bt[0] * bt[1] / 2, Arrays.stream(l).sum(), Arrays.toString(bt));
            assertTrue(Arrays.stream(l).allMatch(v -> v >= 1 && v <= bt[1]), Arrays.toString(l));
        }
        assertThrows(IllegalArgumentException.class, () -> BenchShapes.halfLengths(3, 10));
        assertThrows(IllegalArgumentException.class, () -> BenchShapes.halfLengths(2, 1));
    }

    @Test
    void transformerPeerCaseHasOneLabel() {
        assertEquals(256, BenchShapes.peerCase("transformer", "S2")[2]);
        assertThrows(IllegalArgumentException.class, () -> BenchShapes.peerCase("transformer", "S1"));
        assertEquals(512, BenchShapes.peerCase("lstm", "S3")[2]);
    }
}
