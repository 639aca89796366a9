package dev.recur.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.recur.autograd.GradMode;
import dev.recur.backend.Activation;
import dev.recur.backend.Backend;
import dev.recur.backend.Backends;
import dev.recur.backend.GruGates;
import dev.recur.backend.LstmGates;
import dev.recur.backend.RnnMode;
import dev.recur.backend.RnnSpec;
import dev.recur.cpu.internal.Blas;
import dev.recur.cpu.internal.CellKernels;
import dev.recur.cpu.internal.CpuRnn;
import dev.recur.cpu.internal.FastMath;
import dev.recur.cpu.internal.PackedGemm;
import dev.recur.nn.Parameter;
import dev.recur.nn.rnn.Gru;
import dev.recur.nn.rnn.Lstm;
import dev.recur.nn.rnn.Nonlinearity;
import dev.recur.nn.rnn.RecurrentLayer;
import dev.recur.nn.rnn.Rnn;
import dev.recur.nn.rnn.RnnGradients;
import dev.recur.nn.rnn.RnnResult;
import dev.recur.nn.rnn.RnnState;
import dev.recur.tensor.Tensor;
import java.nio.FloatBuffer;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The fast paths of the cpu sequence op against their plain references: the rational tanh and sigmoid against
 * the double formulas; the array cell kernels against the scalar {@code FloatBuffer} kernels (sizes 1, 4, 6,
 * 8, 13, 33, random and boundary values); one-row GEMMs run as GEMV against sgemm; whole layers with GEMV on
 * and off; inference (two state slots, nothing saved) against a training forward, bit for bit; steps split
 * across threads against one thread.
 */
class RecurrentPerfPathTest {
    private static final int[] HIDDEN = {1, 4, 6, 8, 13, 33};
    private static final int[] ROWS = {1, 3};
    private final Backend be = Backends.get("cpu");

    @Test
    void rationalTanhAndSigmoidMatchTheFormulas() {
        double worstTanh = 0;
        double worstSig = 0;
        for (int k = -400_000; k <= 400_000; k++) {
            float x = k * 1e-4f;
            worstTanh = Math.max(worstTanh, Math.abs(FastMath.tanhRational(x) - Math.tanh(x)));
            worstSig = Math.max(worstSig, Math.abs(FastMath.sigmoidRational(x) - 1 / (1 + Math.exp(-(double) x))));
        }
        System.out.printf("tanhRational max abs error %.3g, sigmoidRational %.3g over [-40, 40]%n", worstTanh,
                worstSig);
        assertTrue(worstTanh < 5e-7, "tanhRational error " + worstTanh);
        assertTrue(worstSig < 3e-7, "sigmoidRational error " + worstSig);
        float[] edge = {0f, -0f, Float.MIN_VALUE, -Float.MIN_VALUE, 9f, -9f, 18f, -18f, 1e30f, -1e30f,
            Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY};
        for (float x : edge) {
            float t = FastMath.tanhRational(x);
            float s = FastMath.sigmoidRational(x);
            assertTrue(Math.abs(t) <= 1f && Math.abs(t - Math.tanh(x)) < 5e-7, "tanh(" + x + ") = " + t);
            assertTrue(s >= 0f && s <= 1f && Math.abs(s - 1 / (1 + Math.exp(-(double) x))) < 3e-7,
                    "sigmoid(" + x + ") = " + s);
        }
        assertEquals(0f, FastMath.tanhRational(0f));
        assertEquals(0.5f, FastMath.sigmoidRational(0f));
        assertTrue(Float.isNaN(FastMath.tanhRational(Float.NaN)));
    }

    @Test
    void lstmArrayKernelsMatchTheBufferKernels() {
        SplittableRandom rnd = new SplittableRandom(1);
        for (int rows : ROWS) {
            for (int h : HIDDEN) {
                String at = "lstm rows=" + rows + " H=" + h;
                int n = rows * h;
                float[] pre = values(rnd, rows * 4 * h, 4f);
                float[] c = values(rnd, n, 2f);
                // Reference: the scalar kernel on buffers [rows, 4H], [rows, H].
                FloatBuffer g = FloatBuffer.wrap(pre.clone());
                FloatBuffer cn = FloatBuffer.allocate(n);
                FloatBuffer m = FloatBuffer.allocate(n);
                CellKernels.lstmForward(g, 0, FloatBuffer.wrap(c), 0, cn, 0, m, 0, rows, h);
                float[][] a = split(pre, rows, h, 4);
                float[] cArr = c.clone();
                float[] mArr = new float[n];
                CellKernels.lstmForwardArrays(a[LstmGates.I], a[LstmGates.F], a[LstmGates.G], a[LstmGates.O], cArr,
                        mArr, n);
                assertClose(at + " gates", g.array(), join(a, rows, h), 1e-6);
                assertClose(at + " c_next", cn.array(), cArr, 2e-6);
                assertClose(at + " m", m.array(), mArr, 2e-6);

                // Backward from the same activated gates and states.
                float[] dm = values(rnd, n, 1f);
                float[] dcIn = values(rnd, n, 1f);
                FloatBuffer dc = FloatBuffer.wrap(dcIn.clone());
                FloatBuffer dg = FloatBuffer.allocate(rows * 4 * h);
                CellKernels.lstmBackward(g, 0, FloatBuffer.wrap(c), 0, cn, 0, FloatBuffer.wrap(dm), 0, dc, 0, dg, 0,
                        rows, h);
                float[][] b = split(g.array(), rows, h, 4);
                float[] dcArr = dcIn.clone();
                CellKernels.lstmBackwardArrays(b[LstmGates.I], b[LstmGates.F], b[LstmGates.G], b[LstmGates.O],
                        c.clone(), cn.array().clone(), dm.clone(), dcArr, n);
                assertClose(at + " d gates", dg.array(), join(b, rows, h), 2e-6);
                assertClose(at + " d c", dc.array(), dcArr, 2e-6);
            }
        }
    }

    @Test
    void gruArrayKernelsMatchTheBufferKernels() {
        SplittableRandom rnd = new SplittableRandom(2);
        for (int rows : ROWS) {
            for (int h : HIDDEN) {
                String at = "gru rows=" + rows + " H=" + h;
                int n = rows * h;
                float[] gi = values(rnd, rows * 3 * h, 4f);
                float[] gh = values(rnd, rows * 3 * h, 4f);
                float[] hPrev = values(rnd, n, 1f);
                FloatBuffer hn = FloatBuffer.allocate(n);
                FloatBuffer saved = FloatBuffer.allocate(rows * 4 * h);
                CellKernels.gruForward(FloatBuffer.wrap(gi), 0, FloatBuffer.wrap(gh), 0, null, 0,
                        FloatBuffer.wrap(hPrev), 0, hn, 0, saved, 0, rows, h);
                float[][] i = split(gi, rows, h, 3);
                float[][] hh = split(gh, rows, h, 3);
                float[] hArr = hPrev.clone();
                CellKernels.gruForwardArrays(i[GruGates.R], i[GruGates.Z], i[GruGates.N], hh[GruGates.R],
                        hh[GruGates.Z], hh[GruGates.N], hArr, n);
                assertClose(at + " h_next", hn.array(), hArr, 2e-6);
                float[][] s = split(saved.array(), rows, h, 4);
                assertClose(at + " saved r", s[GruGates.R], i[GruGates.R], 1e-6);
                assertClose(at + " saved z", s[GruGates.Z], i[GruGates.Z], 1e-6);
                assertClose(at + " saved n", s[GruGates.N], i[GruGates.N], 1e-6);
                assertClose(at + " saved gh_n", s[GruGates.SAVED_GH_N], hh[GruGates.N], 0);

                float[] dhIn = values(rnd, n, 1f);
                FloatBuffer dh = FloatBuffer.wrap(dhIn.clone());
                FloatBuffer dgi = FloatBuffer.allocate(rows * 3 * h);
                FloatBuffer dgh = FloatBuffer.allocate(rows * 3 * h);
                CellKernels.gruBackward(saved, 0, FloatBuffer.wrap(hPrev), 0, dh, 0, dgi, 0, dgh, 0, rows, h);
                float[][] b = split(saved.array(), rows, h, 4);
                float[] dhArr = dhIn.clone();
                CellKernels.gruBackwardArrays(b[GruGates.R], b[GruGates.Z], b[GruGates.N], b[GruGates.SAVED_GH_N],
                        hPrev.clone(), dhArr, n);
                float[][] wantGi = split(dgi.array(), rows, h, 3);
                float[][] wantGh = split(dgh.array(), rows, h, 3);
                assertClose(at + " dh", dh.array(), dhArr, 1e-6);
                assertClose(at + " d gi_r = d gh_r", wantGi[GruGates.R], b[GruGates.R], 1e-6);
                assertClose(at + " d gh_r", wantGh[GruGates.R], b[GruGates.R], 1e-6);
                assertClose(at + " d gi_z = d gh_z", wantGi[GruGates.Z], b[GruGates.Z], 1e-6);
                assertClose(at + " d gh_z", wantGh[GruGates.Z], b[GruGates.Z], 1e-6);
                assertClose(at + " d gi_n", wantGi[GruGates.N], b[GruGates.N], 1e-6);
                assertClose(at + " d gh_n", wantGh[GruGates.N], b[GruGates.SAVED_GH_N], 1e-6);
            }
        }
    }

    @Test
    void activationArrayKernelsMatchTheBufferKernels() {
        SplittableRandom rnd = new SplittableRandom(3);
        for (Activation act : new Activation[] {Activation.TANH, Activation.RELU, Activation.SIGMOID}) {
            for (int n : new int[] {1, 4, 6, 8, 13, 33, 100}) {
                String at = act + " n=" + n;
                float[] x = values(rnd, n, 4f);
                FloatBuffer y = FloatBuffer.allocate(n);
                CellKernels.activate(act, FloatBuffer.wrap(x), 0, y, 0, n);
                float[] yArr = x.clone();
                CellKernels.activateArrays(act, yArr, n);
                assertClose(at + " y", y.array(), yArr, 1e-6);
                float[] dy = values(rnd, n, 1f);
                FloatBuffer dx = FloatBuffer.allocate(n);
                CellKernels.activateBackward(act, null, 0, y, 0, FloatBuffer.wrap(dy), 0, dx, 0, n);
                float[] dxArr = dy.clone();
                CellKernels.activateBackwardArrays(act, y.array(), dxArr, n);
                assertClose(at + " dx", dx.array(), dxArr, 0);
            }
        }
    }

    /** sgemm with M = 1, all four transpose cases, beta 0 over NaN and beta 1: GEMV against sgemm. */
    @Test
    void oneRowGemmAsGemvMatchesSgemm() {
        SplittableRandom rnd = new SplittableRandom(4);
        boolean saved = Blas.gemvForOneRow();
        try {
            for (int n : new int[] {1, 7, 64}) {
                for (int k : new int[] {1, 5, 128}) {
                    for (boolean ta : new boolean[] {false, true}) {
                        for (boolean tb : new boolean[] {false, true}) {
                            for (float beta : new float[] {0f, 1f}) {
                                String at = "M=1 N=" + n + " K=" + k + " transA=" + ta + " transB=" + tb + " beta="
                                        + beta;
                                float[] a = values(rnd, k, 1f);
                                float[] b = values(rnd, n * k, 1f);
                                float[] c0 = beta == 0f ? nans(n) : values(rnd, n, 1f);
                                float[] viaGemv = oneRowGemm(true, ta, tb, a, b, c0, n, k, beta);
                                float[] viaGemm = oneRowGemm(false, ta, tb, a, b, c0, n, k, beta);
                                assertClose(at, viaGemm, viaGemv, 1e-4);
                            }
                        }
                    }
                }
            }
        } finally {
            Blas.setGemvForOneRow(saved);
        }
    }

    /** {@code c[1, n] = 0.5 * a op(B) + beta c}, A as [1, k] or [k, 1], B as [n, k] (transB) or [k, n]. */
    private float[] oneRowGemm(boolean gemv, boolean ta, boolean tb, float[] a, float[] b, float[] c0, int n, int k,
                               float beta) {
        Blas.setGemvForOneRow(gemv);
        try (CpuTensor ta1 = (CpuTensor) be.fromFloats(a, ta ? k : 1, ta ? 1 : k);
             CpuTensor tb1 = (CpuTensor) be.fromFloats(b, tb ? n : k, tb ? k : n);
             CpuTensor tc = (CpuTensor) be.fromFloats(c0, 1, n)) {
            Blas.sgemm(ta, tb, 1, n, k, 0.5f, ta1.address(), ta ? 1 : k, tb1.address(), tb ? k : n, beta,
                    tc.address(), n);
            return tc.toFloatArray();
        }
    }

    static Stream<Arguments> layers() {
        return Stream.of(
                Arguments.of("lstm L2 bi proj", (Function<Backend, RecurrentLayer>) be ->
                        Lstm.builder(5, 7).numLayers(2).bidirectional(true).projSize(4).seed(21).build(be)),
                Arguments.of("lstm L1 uni", (Function<Backend, RecurrentLayer>) be ->
                        Lstm.builder(6, 13).seed(22).build(be)),
                Arguments.of("gru L2 bi", (Function<Backend, RecurrentLayer>) be ->
                        Gru.builder(5, 7).numLayers(2).bidirectional(true).seed(23).build(be)),
                Arguments.of("gru L1 uni nobias", (Function<Backend, RecurrentLayer>) be ->
                        Gru.builder(6, 8).bias(false).seed(24).build(be)),
                Arguments.of("rnn tanh L2 bi", (Function<Backend, RecurrentLayer>) be ->
                        Rnn.builder(5, 7).numLayers(2).bidirectional(true).seed(25).build(be)),
                Arguments.of("rnn relu L1 uni", (Function<Backend, RecurrentLayer>) be ->
                        Rnn.builder(5, 6).nonlinearity(Nonlinearity.RELU).seed(26).build(be)));
    }

    /**
     * Inference keeps two state slots and saves nothing; a training forward keeps every step. On a dense batch both
     * run the same arithmetic, so outputs and final states agree bit for bit. On a variable-length batch inference
     * projects the real rows of all steps in one GEMM (compact gates) and training one GEMM per sequence, whose
     * rounding OpenBLAS may order differently: they agree to 1e-6.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("layers")
    void inferenceForwardEqualsTrainingForward(String name, Function<Backend, RecurrentLayer> factory) {
        try (RecurrentLayer layer = factory.apply(be)) {
            for (int[] lengths : new int[][] {null, {4, 9, 1, 7}}) {
                int batch = 4;
                Map<String, float[]> train = run(layer, batch, lengths, true, false);
                Map<String, float[]> infer = run(layer, batch, lengths, false, false);
                for (String k : infer.keySet()) {
                    if (lengths == null) {
                        assertArrayEquals(train.get(k), infer.get(k), name + " " + k + " lengths dense");
                    } else {
                        assertClose(name + " " + k + " lengths varlen", train.get(k), infer.get(k), 1e-6);
                    }
                }
                layer.zeroGrad();
            }
        }
    }

    /**
     * Batch 1 runs its step products as GEMV; with GEMV off (sgemm) the results agree to rounding (1e-4 scaled:
     * the inputs include ±30, and weight gradients sum over steps).
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("layers")
    void batchOneWithAndWithoutGemvAgree(String name, Function<Backend, RecurrentLayer> factory) {
        boolean saved = Blas.gemvForOneRow();
        try (RecurrentLayer layer = factory.apply(be)) {
            Blas.setGemvForOneRow(true);
            Map<String, float[]> on = run(layer, 1, null, true, true);
            layer.zeroGrad();
            Blas.setGemvForOneRow(false);
            Map<String, float[]> off = run(layer, 1, null, true, true);
            for (String k : on.keySet()) {
                assertClose(name + " " + k, off.get(k), on.get(k), 1e-4);
            }
        } finally {
            Blas.setGemvForOneRow(saved);
        }
    }

    /**
     * A step split across 3 threads, by hidden units (uneven blocks: H = 6, 7, 8, 13) and by batch rows (uneven
     * blocks of a batch of 4), gives the results of the unsplit step to rounding, outputs and gradients (the saved
     * gates feed backward), dense and variable-length. (CpuGoldenSplitStepTest and CpuGoldenRowSplitTest check
     * the split paths against PyTorch.)
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("layers")
    void splitStepsAgreeWithOneThread(String name, Function<Backend, RecurrentLayer> factory) {
        try (RecurrentLayer layer = factory.apply(new CpuBackend(3))) {
            for (int[] lengths : new int[][] {null, {4, 9, 1, 7}}) {
                for (CpuRnn.SplitAxis axis : new CpuRnn.SplitAxis[] {CpuRnn.SplitAxis.UNITS, CpuRnn.SplitAxis.ROWS}) {
                    String what = name + (lengths == null ? " dense " : " varlen ") + axis + " ";
                    CpuRnn.setSplitAxis(axis);
                    try {
                        CpuRnn.setStepSplit(CpuRnn.StepSplit.OFF);
                        Map<String, float[]> off = run(layer, 4, lengths, true, true);
                        Map<String, float[]> offInference = run(layer, 4, lengths, false, false);
                        layer.zeroGrad();
                        CpuRnn.setStepSplit(CpuRnn.StepSplit.ALWAYS);
                        Map<String, float[]> split = run(layer, 4, lengths, true, true);
                        Map<String, float[]> splitInference = run(layer, 4, lengths, false, false);
                        layer.zeroGrad();
                        assertEquals(off.keySet(), split.keySet());
                        for (String k : off.keySet()) {
                            // Inputs up to ±30 (GRU gates saturate): 1e-4 scaled; weight gradients sum T*B
                            // products: 5e-4.
                            assertClose(what + k, off.get(k), split.get(k), k.startsWith("d weight") ? 5e-4 : 1e-4);
                        }
                        for (String k : offInference.keySet()) {
                            assertClose(what + "inference " + k, offInference.get(k), splitInference.get(k), 1e-5);
                        }
                    } finally {
                        CpuRnn.setStepSplit(null);
                        CpuRnn.setSplitAxis(null);
                    }
                }
            }
        }
    }

    static Stream<Arguments> wideLayers() {
        return Stream.of(
                Arguments.of("lstm H100 bi", (Function<Backend, RecurrentLayer>) be ->
                        Lstm.builder(5, 100).bidirectional(true).seed(31).build(be)),
                Arguments.of("gru H70", (Function<Backend, RecurrentLayer>) be ->
                        Gru.builder(5, 70).seed(32).build(be)),
                Arguments.of("rnn tanh H200", (Function<Backend, RecurrentLayer>) be ->
                        Rnn.builder(5, 200).seed(33).build(be)));
    }

    /**
     * Wide layers split across 3 threads: by units, each party's block holds several panels of packed weights,
     * and the odd row of a batch of 5 runs the one-row kernel two panels at a time inside each block; by rows,
     * the parties' blocks of rows start at odd rows. Inference and training forwards, repeated, give the unsplit
     * results to rounding.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("wideLayers")
    void wideSplitStepsAgreeWithOneThread(String name, Function<Backend, RecurrentLayer> factory) {
        try (RecurrentLayer layer = factory.apply(new CpuBackend(3))) {
            for (int[] lengths : new int[][] {null, {4, 9, 1, 7, 2}}) {
                for (CpuRnn.SplitAxis axis : new CpuRnn.SplitAxis[] {CpuRnn.SplitAxis.UNITS, CpuRnn.SplitAxis.ROWS}) {
                    String what = name + (lengths == null ? " dense " : " varlen ") + axis + " ";
                    CpuRnn.setSplitAxis(axis);
                    try {
                        CpuRnn.setStepSplit(CpuRnn.StepSplit.OFF);
                        Map<String, float[]> off = run(layer, 5, lengths, false, false);
                        CpuRnn.setStepSplit(CpuRnn.StepSplit.ALWAYS);
                        for (int round = 0; round < 4; round++) {
                            Map<String, float[]> split = run(layer, 5, lengths, round % 2 == 0, false);
                            for (String k : off.keySet()) {
                                assertClose(what + k + " round " + round, off.get(k), split.get(k), 1e-5);
                            }
                        }
                    } finally {
                        CpuRnn.setStepSplit(null);
                        CpuRnn.setSplitAxis(null);
                    }
                }
            }
        }
    }

    /** The split policy: off, always, and auto by the size of a step. */
    @Test
    void stepSplitPolicy() {
        try {
            CpuRnn.setStepSplit(CpuRnn.StepSplit.AUTO);
            assertEquals(1, CpuRnn.splitParties(2, lstmSpec(128, 0), 1), "S1: B=1, H=128 is too small");
            assertEquals(2, CpuRnn.splitParties(2, lstmSpec(256, 0), 32), "S2: B=32, H=256");
            assertEquals(1, CpuRnn.splitParties(1, lstmSpec(256, 0), 32), "one thread");
            assertEquals(1, CpuRnn.splitParties(2, lstmSpec(256, 64), 32), "projection");
            CpuRnn.setStepSplit(CpuRnn.StepSplit.OFF);
            assertEquals(1, CpuRnn.splitParties(2, lstmSpec(256, 0), 32));
            CpuRnn.setStepSplit(CpuRnn.StepSplit.ALWAYS);
            assertEquals(2, CpuRnn.splitParties(4, lstmSpec(2, 0), 1), "at most one party per unit");
            CpuRnn.setStepSplit(null);
            System.setProperty(CpuRnn.STEP_SPLIT_PROPERTY, "sometimes");
            IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                    CpuRnn::stepSplit);
            assertTrue(e.getMessage().contains(CpuRnn.STEP_SPLIT_PROPERTY) && e.getMessage().contains("sometimes"),
                    e.getMessage());
        } finally {
            System.clearProperty(CpuRnn.STEP_SPLIT_PROPERTY);
            CpuRnn.setStepSplit(null);
        }
    }

    /**
     * Row bounds share the real steps evenly, at even rows when they can: dense, sorted variable lengths, and the
     * fewest rows. AUTO splits by rows only with packed steps, {@code SPLIT_MIN_ROWS} rows per party and a packed
     * {@code W_hh} of {@code SPLIT_ROWS_MIN_WEIGHT_BYTES} or more.
     */
    @Test
    void rowSplitBounds() {
        long s3 = 4L * 4 * 512 * 512; // LSTM S3's W_hh: 4 MiB
        long s2 = 4L * 4 * 256 * 256; // LSTM S2's: 1 MiB
        try {
            CpuRnn.setSplitAxis(CpuRnn.SplitAxis.AUTO);
            int[] dense = new int[128];
            java.util.Arrays.fill(dense, 64);
            assertArrayEquals(new int[] {0, 32, 64}, CpuRnn.rowSplit(2, dense, 64, s3), "S3 dense");
            assertArrayEquals(new int[] {0, 22, 42, 64}, CpuRnn.rowSplit(3, dense, 64, s3), "three parties");
            assertNull(CpuRnn.rowSplit(2, dense, 64, 0), "row split needs packed steps");
            assertNull(CpuRnn.rowSplit(2, dense, 64, s2), "AUTO: half of a 1 MiB W_hh stays in L2 split by units");
            assertNull(CpuRnn.rowSplit(1, dense, 64, s3), "one party");
            int[] few = new int[10];
            java.util.Arrays.fill(few, 15);
            assertNull(CpuRnn.rowSplit(2, few, 15, s3), "AUTO: fewer than 8 rows per party");
            // Sorted lengths 100 (rows 0-1), 50 (rows 2-5), 10 (rows 6-9): 200 + 200 + 40 = 440 steps; half is 220.
            int[] sizes = new int[100];
            for (int t = 0; t < 100; t++) {
                sizes[t] = t < 10 ? 10 : t < 50 ? 6 : 2;
            }
            CpuRnn.setSplitAxis(CpuRnn.SplitAxis.ROWS);
            assertArrayEquals(new int[] {0, 2, 10}, CpuRnn.rowSplit(2, sizes, 10, s2),
                    "rows 0-2 hold 250 of 440 steps; of the even bounds, rows 0-1's 200 is nearer half than 300");
            assertArrayEquals(new int[] {0, 1, 2, 3}, CpuRnn.rowSplit(3, new int[] {3, 3}, 3, s2),
                    "one row each");
            assertArrayEquals(new int[] {0, 1, 2}, CpuRnn.rowSplit(5, new int[] {2}, 2, s2),
                    "no more parties than rows");
            assertNull(CpuRnn.rowSplit(2, sizes, 10, 0), "ROWS still needs packed steps");
            CpuRnn.setSplitAxis(CpuRnn.SplitAxis.UNITS);
            assertNull(CpuRnn.rowSplit(2, dense, 64, s3));
        } finally {
            CpuRnn.setSplitAxis(null);
        }
    }

    @Test
    void stepGemmPolicy() {
        try {
            CpuRnn.setStepGemm(CpuRnn.StepGemm.AUTO);
            PackedGemm.setVector(true);
            assertEquals(PackedGemm.kernelInUse() != PackedGemm.Kernel.JAVA ? CpuRnn.StepGemm.PACKED
                    : CpuRnn.StepGemm.BLAS, CpuRnn.stepGemm(), "auto packs when a SIMD kernel runs");
            PackedGemm.setNative(false);
            assertEquals(PackedGemm.vectorInUse() ? CpuRnn.StepGemm.PACKED : CpuRnn.StepGemm.BLAS,
                    CpuRnn.stepGemm(), "auto packs on the Vector API kernel");
            PackedGemm.setVector(false);
            assertEquals(CpuRnn.StepGemm.BLAS, CpuRnn.stepGemm(), "auto with neither SIMD kernel: OpenBLAS");
            CpuRnn.setStepGemm(CpuRnn.StepGemm.PACKED);
            assertEquals(CpuRnn.StepGemm.PACKED, CpuRnn.stepGemm(), "packed on request, on the plain-Java kernel");
            assertTrue(new CpuBackend(1).describe().contains("plain Java"), "describe() names the kernel");
            CpuRnn.setStepGemm(null);
            PackedGemm.setVector(null);
            PackedGemm.setNative(null);
            System.setProperty(CpuRnn.STEP_GEMM_PROPERTY, "fast");
            IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                    CpuRnn::stepGemm);
            assertTrue(e.getMessage().contains(CpuRnn.STEP_GEMM_PROPERTY) && e.getMessage().contains("fast"),
                    e.getMessage());
            System.setProperty(PackedGemm.VECTOR_PROPERTY, "maybe");
            e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, PackedGemm::vectorInUse);
            assertTrue(e.getMessage().contains(PackedGemm.VECTOR_PROPERTY) && e.getMessage().contains("maybe"),
                    e.getMessage());
            System.setProperty(PackedGemm.NATIVE_PROPERTY, "yes");
            e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, PackedGemm::nativeInUse);
            assertTrue(e.getMessage().contains(PackedGemm.NATIVE_PROPERTY) && e.getMessage().contains("yes"),
                    e.getMessage());
        } finally {
            System.clearProperty(CpuRnn.STEP_GEMM_PROPERTY);
            System.clearProperty(PackedGemm.VECTOR_PROPERTY);
            System.clearProperty(PackedGemm.NATIVE_PROPERTY);
            CpuRnn.setStepGemm(null);
            PackedGemm.setVector(null);
            PackedGemm.setNative(null);
        }
    }

    private static RnnSpec lstmSpec(int hidden, int proj) {
        return new RnnSpec(RnnMode.LSTM, hidden, hidden, proj, 1, false, true);
    }

    /** Forward (and with {@code backward} the gradients) of a fixed random batch; T = 9. */
    private Map<String, float[]> run(RecurrentLayer layer, int batch, int[] lengths, boolean grad, boolean backward) {
        Backend be = layer.backend();
        int steps = 9;
        int in = layer.parameters().values().stream().filter(p -> p.name().startsWith("weight_ih_l0"))
                .findFirst().orElseThrow().value().dim(1);
        int states = layer.spec().numLayers() * layer.spec().directions();
        int hout = layer.spec().outputSize();
        int hidden = layer.spec().hiddenSize();
        int width = layer.spec().directions() * hout;
        boolean lstm = layer.spec().hasCellState();
        SplittableRandom rnd = new SplittableRandom(7);
        Map<String, float[]> out = new TreeMap<>();
        try (GradMode.Scope g = grad ? GradMode.enable() : GradMode.disable();
             Tensor x = be.fromFloats(values(rnd, steps * batch * in, 1f), steps, batch, in);
             Tensor h0 = be.fromFloats(values(rnd, states * batch * hout, 1f), states, batch, hout);
             Tensor c0 = lstm ? be.fromFloats(values(rnd, states * batch * hidden, 1f), states, batch, hidden)
                     : null;
             RnnResult r = layer.forward(x, lengths, new RnnState(h0, c0))) {
            out.put("output", r.output().toFloatArray());
            out.put("h_n", r.hn().toFloatArray());
            if (lstm) {
                out.put("c_n", r.cn().toFloatArray());
            }
            if (backward) {
                try (Tensor dy = be.fromFloats(values(rnd, steps * batch * width, 1f), steps, batch, width);
                     RnnGradients gr = r.backward(dy, null, null)) {
                    out.put("d input", gr.input().toFloatArray());
                    out.put("d h0", gr.h0().toFloatArray());
                    if (lstm) {
                        out.put("d c0", gr.c0().toFloatArray());
                    }
                }
                for (Parameter p : layer.parameters().values()) {
                    if (p.hasGrad()) {
                        out.put("d " + p.name(), p.grad().toFloatArray());
                    }
                }
            }
        }
        return out;
    }

    // ------------------------------------------------------------------ helpers

    /** Random values in [-scale, scale), with a few boundary values mixed in (0, ±30). */
    private static float[] values(SplittableRandom rnd, int n, float scale) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            int pick = rnd.nextInt(16);
            v[i] = pick == 0 ? 0f : pick == 1 ? 30f : pick == 2 ? -30f : (float) ((rnd.nextDouble() * 2 - 1) * scale);
        }
        return v;
    }

    private static float[] nans(int n) {
        float[] v = new float[n];
        java.util.Arrays.fill(v, Float.NaN);
        return v;
    }

    /** The gate blocks of a [rows, gates*H] array as one array per gate, element r*H + j. */
    private static float[][] split(float[] rowsOfGates, int rows, int h, int gates) {
        float[][] out = new float[gates][rows * h];
        for (int r = 0; r < rows; r++) {
            for (int q = 0; q < gates; q++) {
                System.arraycopy(rowsOfGates, (r * gates + q) * h, out[q], r * h, h);
            }
        }
        return out;
    }

    /** The inverse of {@link #split}. */
    private static float[] join(float[][] perGate, int rows, int h) {
        int gates = perGate.length;
        float[] out = new float[rows * gates * h];
        for (int r = 0; r < rows; r++) {
            for (int q = 0; q < gates; q++) {
                System.arraycopy(perGate[q], r * h, out, (r * gates + q) * h, h);
            }
        }
        return out;
    }

    /** {@code |got - want| <= tol * max(1, |want|)} elementwise; prints the max difference. */
    private static void assertClose(String what, float[] want, float[] got, double tol) {
        assertEquals(want.length, got.length, what + ": length");
        double worst = 0;
        for (int i = 0; i < want.length; i++) {
            if (Float.isNaN(want[i]) || Float.isNaN(got[i])) {
                assertTrue(Float.isNaN(want[i]) && Float.isNaN(got[i]), what + ": NaN at " + i + ", want " + want[i]
                        + ", got " + got[i]);
                continue;
            }
            worst = Math.max(worst, Math.abs((double) got[i] - want[i]) / Math.max(1, Math.abs(want[i])));
        }
        if (worst > 0) {
            System.out.printf("%-60s maxdiff = %.3e%n", what, worst);
        }
        assertTrue(worst <= tol, what + ": max scaled difference " + worst + " > " + tol);
    }
}
