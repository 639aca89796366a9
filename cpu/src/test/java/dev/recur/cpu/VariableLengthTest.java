package dev.recur.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.recur.autograd.GradMode;
import dev.recur.backend.Backend;
import dev.recur.backend.Backends;
import dev.recur.backend.RnnWeights;
import dev.recur.nn.Parameter;
import dev.recur.nn.rnn.Gru;
import dev.recur.nn.rnn.Lstm;
import dev.recur.nn.rnn.Nonlinearity;
import dev.recur.nn.rnn.RecurrentLayer;
import dev.recur.nn.rnn.Rnn;
import dev.recur.nn.rnn.RnnGradients;
import dev.recur.nn.rnn.RnnResult;
import dev.recur.nn.rnn.RnnState;
import dev.recur.tensor.DType;
import dev.recur.tensor.Tensor;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A padded batch with lengths must give, row by row, what each sequence gives alone (B = 1, T = its length):
 * outputs, final states, and the gradients of inputs, initial states and parameters (summed over the
 * sequences). Odd sizes, unsorted lengths, two layers, both directions, LSTM projection. Inference through the
 * backend op writes the same real rows and zeros over every padded one, whatever the output held before.
 */
class VariableLengthTest {
    private static final int T = 9;
    private static final int I = 5;
    private static final int H = 7;
    private static final int[] LENGTHS = {3, 9, 1, 7, 3};
    private final Backend be = Backends.get("cpu");

    static Stream<Arguments> layers() {
        return Stream.of(
                Arguments.of("lstm L2 bi proj", (Function<Backend, RecurrentLayer>) be ->
                        Lstm.builder(I, H).numLayers(2).bidirectional(true).projSize(4).seed(11).build(be)),
                Arguments.of("lstm L1 uni", (Function<Backend, RecurrentLayer>) be ->
                        Lstm.builder(I, H).seed(12).build(be)),
                Arguments.of("gru L2 bi", (Function<Backend, RecurrentLayer>) be ->
                        Gru.builder(I, H).numLayers(2).bidirectional(true).seed(13).build(be)),
                Arguments.of("rnn relu L2 bi nobias", (Function<Backend, RecurrentLayer>) be ->
                        Rnn.builder(I, H).nonlinearity(Nonlinearity.RELU).numLayers(2).bidirectional(true).bias(false)
                                .seed(14).build(be)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("layers")
    void paddedBatchEqualsSequencesAlone(String name, Function<Backend, RecurrentLayer> factory) {
        try (RecurrentLayer layer = factory.apply(be)) {
            int batch = LENGTHS.length;
            int states = layer.spec().numLayers() * layer.spec().directions();
            int hout = layer.spec().outputSize();
            int width = layer.spec().directions() * hout;
            boolean lstm = layer.spec().hasCellState();
            SplittableRandom rnd = new SplittableRandom(5);
            float[] x = random(rnd, T * batch * I);
            float[] h0 = random(rnd, states * batch * hout);
            float[] c0 = random(rnd, states * batch * H);
            float[] dy = random(rnd, T * batch * width);
            float[] dhn = random(rnd, states * batch * hout);
            float[] dcn = random(rnd, states * batch * H);

            // The padded batch.
            Map<String, float[]> batched = new HashMap<>();
            try (Tensor tx = be.fromFloats(x, T, batch, I); Tensor th = be.fromFloats(h0, states, batch, hout);
                 Tensor tc = lstm ? be.fromFloats(c0, states, batch, H) : null;
                 RnnResult r = layer.forward(tx, LENGTHS, new RnnState(th, tc));
                 Tensor tdy = be.fromFloats(dy, T, batch, width); Tensor tdh = be.fromFloats(dhn, states, batch, hout);
                 Tensor tdc = lstm ? be.fromFloats(dcn, states, batch, H) : null;
                 RnnGradients g = r.backward(tdy, tdh, tdc)) {
                batched.put("output", r.output().toFloatArray());
                batched.put("h_n", r.hn().toFloatArray());
                batched.put("dx", g.input().toFloatArray());
                batched.put("dh0", g.h0().toFloatArray());
                if (lstm) {
                    batched.put("c_n", r.cn().toFloatArray());
                    batched.put("dc0", g.c0().toFloatArray());
                }
            }
            Map<String, float[]> batchedGrads = grads(layer);
            layer.zeroGrad();

            // Each sequence alone.
            for (int b = 0; b < batch; b++) {
                int len = LENGTHS[b];
                try (Tensor tx = be.fromFloats(rows(x, T, batch, I, b, len), len, 1, I);
                     Tensor th = be.fromFloats(rows(h0, states, batch, hout, b, states), states, 1, hout);
                     Tensor tc = lstm ? be.fromFloats(rows(c0, states, batch, H, b, states), states, 1, H) : null;
                     RnnResult r = layer.forward(tx, new RnnState(th, tc));
                     Tensor tdy = be.fromFloats(rows(dy, T, batch, width, b, len), len, 1, width);
                     Tensor tdh = be.fromFloats(rows(dhn, states, batch, hout, b, states), states, 1, hout);
                     Tensor tdc = lstm ? be.fromFloats(rows(dcn, states, batch, H, b, states), states, 1, H) : null;
                     RnnGradients g = r.backward(tdy, tdh, tdc)) {
                    String at = name + ", sequence " + b + " (length " + len + ") ";
                    assertRows(at + "output", batched.get("output"), T, batch, width, b, len, r.output().toFloatArray());
                    assertRows(at + "h_n", batched.get("h_n"), states, batch, hout, b, states, r.hn().toFloatArray());
                    assertRows(at + "d input", batched.get("dx"), T, batch, I, b, len, g.input().toFloatArray());
                    assertRows(at + "d h0", batched.get("dh0"), states, batch, hout, b, states, g.h0().toFloatArray());
                    if (lstm) {
                        assertRows(at + "c_n", batched.get("c_n"), states, batch, H, b, states, r.cn().toFloatArray());
                        assertRows(at + "d c0", batched.get("dc0"), states, batch, H, b, states, g.c0().toFloatArray());
                    }
                }
            }
            Map<String, float[]> summed = grads(layer);
            for (String p : batchedGrads.keySet()) {
                assertClose(name + " d " + p, summed.get(p), batchedGrads.get(p));
            }
        }
    }

    /**
     * Inference (nothing kept for backward) through the backend op itself, with the output tensor filled with NaN
     * first: the real rows equal the training-mode forward's, and every padded row is written with zeros.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("layers")
    void inferenceWritesRealRowsAndZerosThePadding(String name, Function<Backend, RecurrentLayer> factory) {
        try (RecurrentLayer layer = factory.apply(be)) {
            RnnWeights w = new RnnWeights(layer.spec());
            for (int l = 0; l < layer.spec().numLayers(); l++) {
                for (int d = 0; d < layer.spec().directions(); d++) {
                    for (RnnWeights.Kind k : RnnWeights.Kind.values()) {
                        Parameter p = layer.parameters().get(RnnWeights.name(k, l, d));
                        w.set(k, l, d, p == null ? null : p.value());
                    }
                }
            }
            int batch = LENGTHS.length;
            int states = layer.spec().numLayers() * layer.spec().directions();
            int hout = layer.spec().outputSize();
            int width = layer.spec().directions() * hout;
            boolean lstm = layer.spec().hasCellState();
            float[] x = random(new SplittableRandom(6), T * batch * I);
            float[] nan = new float[T * batch * width];
            Arrays.fill(nan, Float.NaN);
            float[] expected;
            try (Tensor tx = be.fromFloats(x, T, batch, I); RnnResult r = layer.forward(tx, LENGTHS, null)) {
                expected = r.output().toFloatArray(); // grad mode on: the training path
            }
            try (GradMode.Scope g = GradMode.disable(); Tensor tx = be.fromFloats(x, T, batch, I);
                 Tensor y = be.fromFloats(nan, T, batch, width);
                 Tensor hn = be.zeros(DType.F32, states, batch, hout);
                 Tensor cn = lstm ? be.zeros(DType.F32, states, batch, H) : null) {
                assertNull(be.rnnForward(w, tx, null, null, LENGTHS, y, hn, cn, false));
                float[] actual = y.toFloatArray();
                for (int t = 0; t < T; t++) {
                    for (int b = 0; b < batch; b++) {
                        for (int j = 0; j < width; j++) {
                            int at = (t * batch + b) * width + j;
                            String where = name + ": y[" + t + ", " + b + ", " + j + "] (length " + LENGTHS[b] + ")";
                            if (t < LENGTHS[b]) {
                                assertEquals(expected[at], actual[at], 1e-6f, where);
                            } else {
                                assertEquals(0f, actual[at], where + " is padding");
                            }
                        }
                    }
                }
            }
        }
    }

    private static Map<String, float[]> grads(RecurrentLayer layer) {
        Map<String, float[]> out = new HashMap<>();
        for (Parameter p : layer.parameters().values()) {
            out.put(p.name(), p.grad().toFloatArray());
        }
        return out;
    }

    private static float[] random(SplittableRandom rnd, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (rnd.nextDouble() * 2 - 1);
        }
        return v;
    }

    /** Rows [0, len) of column b of an [outer, batch, f] array, as [len, 1, f]. */
    private static float[] rows(float[] a, int outer, int batch, int f, int b, int len) {
        float[] out = new float[len * f];
        for (int t = 0; t < len; t++) {
            System.arraycopy(a, (t * batch + b) * f, out, t * f, f);
        }
        return out;
    }

    /** Column b of the batched array equals the single-sequence result for t < len, and 0 after. */
    private static void assertRows(String what, float[] batched, int outer, int batch, int f, int b, int len,
                                   float[] alone) {
        float[] expected = new float[outer * f];
        System.arraycopy(alone, 0, expected, 0, len * f);
        assertClose(what, rows(batched, outer, batch, f, b, outer), expected);
    }

    private static void assertClose(String what, float[] actual, float[] expected) {
        assertEquals(expected.length, actual.length, what + ": length");
        for (int i = 0; i < expected.length; i++) {
            double tol = 1e-5 * Math.max(1, Math.abs(expected[i]));
            int at = i;
            assertEquals(expected[i], actual[i], tol, () -> what + " differs at element " + at);
        }
    }
}
