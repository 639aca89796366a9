package dev.recur.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.recur.backend.Activation;
import dev.recur.backend.AttentionMask;
import dev.recur.backend.Backend;
import dev.recur.backend.RnnContext;
import dev.recur.backend.RnnMode;
import dev.recur.backend.RnnSpec;
import dev.recur.backend.RnnWeights;
import dev.recur.backend.RnnWeights.Kind;
import dev.recur.cpu.CpuBackendProvider;
import dev.recur.tensor.DType;
import dev.recur.tensor.Tensor;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.TestFactory;

/**
 * Backend conformance: every op of the SPI on cuda against cpu (the reference) on seeded random inputs, odd sizes
 * and B = 1 included, outputs and gradients. Each case is a function of (backend, random source) that builds its
 * inputs from the random source and returns the named results as host arrays; it runs on both backends with the
 * same seed and every result must agree within {@code |cuda - cpu| <= atol + rtol |cpu|}. Prints one maxdiff line
 * per result. Reported skipped, with the probe's reason, where there is no usable GPU.
 */
@Tag("gpu")
class CudaConformanceTest {
    private static final double ATOL = 2e-5;
    private static final double RTOL = 2e-4;

    /** One case: inputs from rnd, results by name. */
    interface Case {
        Map<String, float[]> run(Backend be, Random rnd);
    }

    private final List<DynamicTest> tests = new ArrayList<>();

    private void add(String name, Case c) {
        add(name, ATOL, RTOL, c);
    }

    private void add(String name, double atol, double rtol, Case c) {
        add(name, atol, rtol, CudaTestSupport::backendOrSkip, c);
    }

    /** A case run on cpu and on the backend {@code device} supplies (the fused or the cuDNN RNN path). */
    private void add(String name, double atol, double rtol, Supplier<Backend> device, Case c) {
        tests.add(DynamicTest.dynamicTest(name, () -> {
            Backend cuda = device.get();
            Backend cpu = new CpuBackendProvider().create();
            long seed = name.hashCode();
            Map<String, float[]> ref = c.run(cpu, new Random(seed));
            Map<String, float[]> got = c.run(cuda, new Random(seed));
            assertEquals(ref.keySet(), got.keySet(), name);
            StringBuilder bad = new StringBuilder();
            for (Map.Entry<String, float[]> e : ref.entrySet()) {
                float[] r = e.getValue();
                float[] g = got.get(e.getKey());
                assertEquals(r.length, g.length, name + " " + e.getKey() + " length");
                double max = 0;
                int worst = -1;
                boolean ok = true;
                for (int i = 0; i < r.length; i++) {
                    double d = Math.abs((double) g[i] - r[i]);
                    if (!(d <= atol + rtol * Math.abs(r[i]))) {
                        ok = false;
                    }
                    if (d > max || Double.isNaN(d)) {
                        max = d;
                        worst = i;
                    }
                }
                String line = String.format(Locale.ROOT, "%s %s maxdiff %.3g%s", name, e.getKey(), max,
                        worst < 0 ? "" : String.format(Locale.ROOT, " at %d (cpu %.6g, cuda %.6g)", worst, r[worst],
                                g[worst]));
                System.out.println("[conformance] " + line + (ok ? "" : "  FAIL"));
                if (!ok) {
                    bad.append('\n').append(line);
                }
            }
            assertTrue(bad.length() == 0, "cuda differs from cpu:" + bad);
        }));
    }

    // ---------------------------------------------------------------- helpers

    private static float[] rand(Random rnd, int n, float scale) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) (rnd.nextGaussian() * scale);
        }
        return a;
    }

    private static Tensor t(Backend be, Random rnd, float scale, int... shape) {
        int n = 1;
        for (int d : shape) {
            n *= d;
        }
        return be.fromFloats(rand(rnd, n, scale), shape);
    }

    private static float[] host(Tensor t) {
        return t.toFloatArray();
    }

    private static Map<String, float[]> results(Object... nameThenTensorOrArray) {
        Map<String, float[]> m = new LinkedHashMap<>();
        for (int i = 0; i < nameThenTensorOrArray.length; i += 2) {
            Object v = nameThenTensorOrArray[i + 1];
            m.put((String) nameThenTensorOrArray[i], v instanceof Tensor t ? host(t) : (float[]) v);
        }
        return m;
    }

    // ---------------------------------------------------------------- the cases

    @TestFactory
    Stream<DynamicTest> cudaMatchesCpu() {
        dense();
        layers();
        losses();
        optimizers();
        attention();
        cells();
        sequences();
        return tests.stream();
    }

    private void dense() {
        int[][] gemmSizes = {{1, 1, 1}, {7, 5, 3}, {33, 17, 65}, {128, 96, 64}};
        for (int[] s : gemmSizes) {
            for (int ta = 0; ta < 2; ta++) {
                for (int tb = 0; tb < 2; tb++) {
                    boolean transA = ta == 1;
                    boolean transB = tb == 1;
                    int m = s[0];
                    int n = s[1];
                    int k = s[2];
                    add(String.format(Locale.ROOT, "gemm %s%s %dx%dx%d", transA ? "T" : "N", transB ? "T" : "N", m, n, k),
                            (be, rnd) -> {
                                Tensor a = transA ? t(be, rnd, 1, k, m) : t(be, rnd, 1, m, k);
                                Tensor b = transB ? t(be, rnd, 1, n, k) : t(be, rnd, 1, k, n);
                                Tensor c = t(be, rnd, 1, m, n);
                                be.gemm(transA, transB, 0.7f, a, b, 0.3f, c);
                                return results("c", c);
                            });
                }
            }
        }
        for (int[] s : new int[][] {{1, 1}, {7, 13}, {300, 33}}) {
            int rows = s[0];
            int cols = s[1];
            add("addRowVector/sumRowsInto " + rows + "x" + cols, (be, rnd) -> {
                Tensor y = t(be, rnd, 1, rows, cols);
                Tensor bias = t(be, rnd, 1, cols);
                be.addRowVector(y, bias);
                Tensor out = t(be, rnd, 1, cols);
                be.sumRowsInto(y, out);
                return results("y", y, "sum", out);
            });
        }
        add("axpy/mul/scale/clamp/copy/fill", (be, rnd) -> {
            Tensor x = t(be, rnd, 1, 1031);
            Tensor y = t(be, rnd, 1, 1031);
            be.axpy(-1.5f, x, y);
            Tensor z = be.zeros(DType.F32, 1031);
            be.mul(x, y, z);
            be.scale(z, 0.25f);
            be.clamp(z, -0.3f, 0.2f);
            Tensor w = be.zeros(DType.F32, 1031);
            be.copy(z, w);
            Tensor f = be.zeros(DType.F32, 3, 5);
            be.fill(f, -2.5f);
            return results("y", y, "z", z, "w", w, "f", f);
        });
        add("sumOfSquares/firstNonFinite", (be, rnd) -> {
            Tensor x = t(be, rnd, 1, 100003);
            float[] bad = rand(rnd, 77, 1);
            bad[41] = Float.NaN;
            bad[60] = Float.POSITIVE_INFINITY;
            Tensor b = be.fromFloats(bad, 7, 11);
            return results("ss", new float[] {(float) be.sumOfSquares(x)}, "first",
                    new float[] {be.firstNonFinite(b), be.firstNonFinite(x)});
        });
        for (Activation act : Activation.values()) {
            add("activation " + act, (be, rnd) -> {
                Tensor x = t(be, rnd, 3, 5, 257);
                Tensor y = be.zeros(DType.F32, 5, 257);
                be.activation(act, x, y);
                Tensor dy = t(be, rnd, 1, 5, 257);
                Tensor dx = be.zeros(DType.F32, 5, 257);
                be.activationBackward(act, act.backwardNeedsInput() ? x : null, act.backwardNeedsInput() ? null : y,
                        dy, dx);
                return results("y", y, "dx", dx);
            });
        }
        add("transpose01", (be, rnd) -> {
            Tensor x = t(be, rnd, 1, 3, 5, 7);
            Tensor y = be.zeros(DType.F32, 5, 3, 7);
            be.transpose01(x, y);
            return results("y", y);
        });
        add("int64 round trip", (be, rnd) -> {
            long[] v = {-3, 0, Long.MAX_VALUE, 42};
            long[] back = be.fromLongs(v, 2, 2).toLongArray();
            float[] f = new float[back.length];
            for (int i = 0; i < f.length; i++) {
                f[i] = back[i] == v[i] ? 1f : 0f;
            }
            return results("same", f);
        });
    }

    private void layers() {
        for (int[] s : new int[][] {{1, 1}, {5, 7}, {33, 512}, {3, 1537}}) {
            int rows = s[0];
            int cols = s[1];
            for (boolean affine : new boolean[] {true, false}) {
                add("layerNorm " + rows + "x" + cols + (affine ? "" : " no affine"), (be, rnd) -> {
                    Tensor x = t(be, rnd, 2, rows, cols);
                    Tensor g = affine ? t(be, rnd, 1, cols) : null;
                    Tensor b = affine ? t(be, rnd, 1, cols) : null;
                    Tensor y = be.zeros(DType.F32, rows, cols);
                    Tensor mean = be.zeros(DType.F32, rows);
                    Tensor rstd = be.zeros(DType.F32, rows);
                    be.layerNormForward(x, g, b, 1e-5f, y, mean, rstd);
                    Tensor dy = t(be, rnd, 1, rows, cols);
                    Tensor dx = be.zeros(DType.F32, rows, cols);
                    Tensor dg = affine ? t(be, rnd, 1, cols) : null;
                    Tensor db = affine ? t(be, rnd, 1, cols) : null;
                    be.layerNormBackward(dy, x, g, mean, rstd, dx, dg, db);
                    return affine ? results("y", y, "mean", mean, "rstd", rstd, "dx", dx, "dGamma", dg, "dBeta", db)
                            : results("y", y, "mean", mean, "rstd", rstd, "dx", dx);
                });
            }
        }
        add("embedding (repeated ids)", (be, rnd) -> {
            long[] ids = {3, 0, 3, 6, 3, 1, 0};
            Tensor idT = be.fromLongs(ids, 7);
            Tensor table = t(be, rnd, 1, 7, 13);
            Tensor out = be.zeros(DType.F32, 7, 13);
            be.embeddingForward(idT, table, out);
            Tensor dOut = t(be, rnd, 1, 7, 13);
            Tensor dTable = t(be, rnd, 1, 7, 13);
            be.embeddingBackward(idT, dOut, dTable);
            return results("out", out, "dTable", dTable);
        });
        for (float p : new float[] {0f, 0.1f, 0.5f, 1f}) {
            add("dropout p=" + p, 0, 0, (be, rnd) -> {
                Tensor x = t(be, rnd, 1, 4099);
                Tensor keep = be.zeros(DType.F32, 4099);
                Tensor y = be.zeros(DType.F32, 4099);
                be.dropout(x, p, 1234567L, keep, y);
                return results("keep", keep, "y", y);
            });
        }
    }

    private void losses() {
        for (int[] s : new int[][] {{1, 2}, {9, 5}, {64, 1000}}) {
            int rows = s[0];
            int classes = s[1];
            for (float smoothing : new float[] {0f, 0.1f}) {
                add("crossEntropy " + rows + "x" + classes + " s=" + smoothing, (be, rnd) -> {
                    Tensor logits = t(be, rnd, 3, rows, classes);
                    long[] tg = new long[rows];
                    for (int i = 0; i < rows; i++) {
                        tg[i] = i % 4 == 3 ? -100 : rnd.nextInt(classes);
                    }
                    Tensor targets = be.fromLongs(tg, rows);
                    Tensor lse = be.zeros(DType.F32, rows);
                    double loss = be.crossEntropyForward(logits, targets, -100, smoothing, lse);
                    Tensor d = be.zeros(DType.F32, rows, classes);
                    be.crossEntropyBackward(logits, targets, -100, smoothing, lse, 1f / rows, d);
                    return results("loss", new float[] {(float) loss}, "lse", lse, "dLogits", d);
                });
            }
        }
        add("bceWithLogits", (be, rnd) -> {
            Tensor x = t(be, rnd, 4, 3, 333);
            float[] yv = new float[999];
            for (int i = 0; i < yv.length; i++) {
                yv[i] = rnd.nextFloat();
            }
            Tensor y = be.fromFloats(yv, 3, 333);
            double loss = be.bceWithLogitsForward(x, y);
            Tensor d = be.zeros(DType.F32, 3, 333);
            be.bceWithLogitsBackward(x, y, 0.5f, d);
            return results("loss", new float[] {(float) loss}, "d", d);
        });
    }

    private void optimizers() {
        for (boolean decoupled : new boolean[] {false, true}) {
            add("adam decoupled=" + decoupled, (be, rnd) -> {
                Tensor p = t(be, rnd, 1, 1001);
                Tensor m = be.zeros(DType.F32, 1001);
                Tensor v = be.zeros(DType.F32, 1001);
                for (int step = 1; step <= 3; step++) {
                    Tensor g = t(be, rnd, 1, 1001);
                    be.adamStep(p, g, m, v, 1e-2f, 0.9f, 0.999f, 1e-8f, 0.01f, decoupled, step);
                }
                return results("p", p, "m", m, "v", v);
            });
        }
        for (boolean nesterov : new boolean[] {false, true}) {
            add("sgd momentum nesterov=" + nesterov, (be, rnd) -> {
                Tensor p = t(be, rnd, 1, 517);
                Tensor buf = be.zeros(DType.F32, 517);
                for (int step = 0; step < 3; step++) {
                    Tensor g = t(be, rnd, 1, 517);
                    be.sgdStep(p, g, buf, 0.1f, 0.9f, nesterov ? 0f : 0.1f, nesterov, 1e-4f, step == 0);
                }
                Tensor q = t(be, rnd, 1, 9);
                be.sgdStep(q, t(be, rnd, 1, 9), null, 0.1f, 0f, 0f, false, 0f, true);
                return results("p", p, "buf", buf, "q", q);
            });
        }
    }

    private void attention() {
        // batch, Tq, S, heads, Dh, mask kind
        int[][] shapes = {{1, 1, 1, 1, 1}, {2, 5, 5, 2, 4}, {3, 7, 9, 3, 5}, {2, 33, 33, 4, 64}, {1, 17, 40, 2, 160},
                {2, 64, 64, 8, 32}};
        String[] masks = {"none", "causal", "keyPadding", "attn", "all"};
        for (int[] s : shapes) {
            for (String mk : masks) {
                int batch = s[0];
                int tq = s[1];
                int keys = s[2];
                int heads = s[3];
                int dh = s[4];
                add(String.format(Locale.ROOT, "attention B=%d Tq=%d S=%d NH=%d Dh=%d mask=%s", batch, tq, keys, heads,
                        dh, mk), 5e-5, 5e-4, (be, rnd) -> {
                    int width = heads * dh;
                    Tensor q = t(be, rnd, 1, batch, tq, width);
                    Tensor k = t(be, rnd, 1, batch, keys, width);
                    Tensor v = t(be, rnd, 1, batch, keys, width);
                    AttentionMask mask = mask(mk, rnd, batch, tq, keys);
                    Tensor out = be.zeros(DType.F32, batch, tq, width);
                    Tensor lse = be.zeros(DType.F32, batch, heads, tq);
                    Tensor avg = be.zeros(DType.F32, batch, tq, keys);
                    be.attentionForward(q, k, v, heads, mask, out, lse, avg);
                    Tensor dOut = t(be, rnd, 1, batch, tq, width);
                    Tensor dAvg = t(be, rnd, 1, batch, tq, keys);
                    Tensor dq = be.zeros(DType.F32, batch, tq, width);
                    Tensor dk = be.zeros(DType.F32, batch, keys, width);
                    Tensor dv = be.zeros(DType.F32, batch, keys, width);
                    be.attentionBackward(q, k, v, heads, mask, out, lse, dOut, dAvg, dq, dk, dv);
                    return results("out", out, "lse", lse, "avgWeights", avg, "dq", dq, "dk", dk, "dv", dv);
                });
            }
        }
    }

    private static AttentionMask mask(String kind, Random rnd, int batch, int tq, int keys) {
        boolean causal = kind.equals("causal") || kind.equals("all");
        boolean[] pad = null;
        boolean[] attn = null;
        if (kind.equals("keyPadding") || kind.equals("all")) {
            // Key 0 is never padded, never in attn (below) and, with S >= Tq, open to every query under the causal
            // mask: every row keeps a key.
            long[] lengths = new long[batch];
            for (int b = 0; b < batch; b++) {
                lengths[b] = 1 + rnd.nextInt(keys);
            }
            pad = AttentionMask.keyPaddingFromLengths(lengths, keys);
        }
        if (kind.equals("attn") || kind.equals("all")) {
            attn = new boolean[tq * keys];
            for (int i = 0; i < tq; i++) {
                for (int j = 0; j < keys; j++) {
                    attn[i * keys + j] = j != 0 && rnd.nextInt(4) == 0; // key 0 stays open
                }
            }
        }
        AttentionMask m = new AttentionMask(causal, attn, pad);
        m.checkEveryRowHasAKey("conformance", batch, tq, keys);
        return m;
    }

    private void cells() {
        for (int[] s : new int[][] {{1, 1}, {3, 7}, {17, 64}}) {
            int batch = s[0];
            int hidden = s[1];
            add("lstmCell B=" + batch + " H=" + hidden, (be, rnd) -> {
                Tensor gates = t(be, rnd, 1, batch, 4 * hidden);
                Tensor c = t(be, rnd, 1, batch, hidden);
                Tensor cn = be.zeros(DType.F32, batch, hidden);
                Tensor hn = be.zeros(DType.F32, batch, hidden);
                be.lstmCellForward(gates, c, cn, hn);
                Tensor dh = t(be, rnd, 1, batch, hidden);
                Tensor dcn = t(be, rnd, 1, batch, hidden);
                Tensor dGates = be.zeros(DType.F32, batch, 4 * hidden);
                Tensor dc = be.zeros(DType.F32, batch, hidden);
                be.lstmCellBackward(gates, c, cn, dh, dcn, dGates, dc);
                return results("gates", gates, "cNext", cn, "hNext", hn, "dGates", dGates, "dc", dc);
            });
            add("gruCell B=" + batch + " H=" + hidden, (be, rnd) -> {
                Tensor gi = t(be, rnd, 1, batch, 3 * hidden);
                Tensor gh = t(be, rnd, 1, batch, 3 * hidden);
                Tensor h = t(be, rnd, 1, batch, hidden);
                Tensor hn = be.zeros(DType.F32, batch, hidden);
                Tensor saved = be.zeros(DType.F32, batch, 4 * hidden);
                be.gruCellForward(gi, gh, h, hn, saved);
                Tensor dhn = t(be, rnd, 1, batch, hidden);
                Tensor dGi = be.zeros(DType.F32, batch, 3 * hidden);
                Tensor dGh = be.zeros(DType.F32, batch, 3 * hidden);
                Tensor dh = be.zeros(DType.F32, batch, hidden);
                be.gruCellBackward(saved, h, dhn, dGi, dGh, dh);
                return results("hNext", hn, "saved", saved, "dGi", dGi, "dGh", dGh, "dh", dh);
            });
        }
    }

    /** One weight tensor of a recurrent spec: its kind, layer and direction. */
    private record WeightSlot(Kind kind, int layer, int dir) {
        /** Every weight the spec has, by layer, direction and kind. */
        static List<WeightSlot> all(RnnSpec spec) {
            List<WeightSlot> slots = new ArrayList<>();
            for (int l = 0; l < spec.numLayers(); l++) {
                for (int d = 0; d < spec.directions(); d++) {
                    for (Kind kind : Kind.values()) {
                        if (RnnWeights.exists(spec, kind)) {
                            slots.add(new WeightSlot(kind, l, d));
                        }
                    }
                }
            }
            return slots;
        }
    }

    private void sequences() {
        // mode, I, H, P, L, bidirectional, bias, T, B, lengths (null: all T), h0/c0 given
        record Seq(RnnMode mode, int in, int hidden, int proj, int layers, boolean bi, boolean bias, int steps,
                   int batch, int[] lengths, boolean init) {
        }
        List<Seq> seqs = new ArrayList<>();
        for (RnnMode mode : RnnMode.values()) {
            seqs.add(new Seq(mode, 5, 7, 0, 1, false, true, 6, 1, null, false));
            seqs.add(new Seq(mode, 5, 7, 0, 2, true, true, 6, 3, new int[] {6, 2, 4}, true));
            seqs.add(new Seq(mode, 3, 9, 0, 1, true, false, 5, 4, new int[] {1, 5, 3, 3}, true));
            seqs.add(new Seq(mode, 16, 32, 0, 2, false, true, 9, 8, null, true));
            seqs.add(new Seq(mode, 4, 5, 0, 1, true, true, 5, 2, new int[] {3, 1}, true)); // steps where no row runs
        }
        seqs.add(new Seq(RnnMode.LSTM, 5, 8, 3, 2, true, true, 6, 3, new int[] {2, 6, 5}, true));
        seqs.add(new Seq(RnnMode.LSTM, 4, 6, 2, 1, false, true, 4, 1, null, false));
        for (Seq q : seqs) {
            String name = String.format(Locale.ROOT, "rnn %s I=%d H=%d P=%d L=%d %s%s T=%d B=%d%s%s",
                    q.mode.opName(), q.in, q.hidden, q.proj, q.layers, q.bi ? "bi" : "uni", q.bias ? "" : " nobias",
                    q.steps, q.batch, q.lengths == null ? "" : " lengths", q.init ? " h0" : "");
            Case run = (be, rnd) -> {
                RnnSpec spec = new RnnSpec(q.mode, q.in, q.hidden, q.proj, q.layers, q.bi, q.bias);
                int dirs = spec.directions();
                int hout = spec.outputSize();
                int ld = q.layers * dirs;
                RnnWeights w = new RnnWeights(spec);
                RnnWeights g = new RnnWeights(spec);
                List<WeightSlot> slots = WeightSlot.all(spec);
                for (WeightSlot s : slots) {
                    int[] shape = RnnWeights.shape(spec, s.kind(), s.layer());
                    w.set(s.kind(), s.layer(), s.dir(), t(be, rnd, 0.4f, shape));
                    g.set(s.kind(), s.layer(), s.dir(), be.zeros(DType.F32, shape));
                }
                Tensor x = t(be, rnd, 1, q.steps, q.batch, q.in);
                Tensor h0 = q.init ? t(be, rnd, 0.5f, ld, q.batch, hout) : null;
                Tensor c0 = q.init && spec.hasCellState() ? t(be, rnd, 0.5f, ld, q.batch, q.hidden) : null;
                Tensor y = be.zeros(DType.F32, q.steps, q.batch, dirs * hout);
                Tensor hn = be.zeros(DType.F32, ld, q.batch, hout);
                Tensor cn = spec.hasCellState() ? be.zeros(DType.F32, ld, q.batch, q.hidden) : null;
                Tensor dy = t(be, rnd, 1, q.steps, q.batch, dirs * hout);
                Tensor dhn = t(be, rnd, 1, ld, q.batch, hout);
                Tensor dcn = spec.hasCellState() ? t(be, rnd, 1, ld, q.batch, q.hidden) : null;
                Tensor dx = be.zeros(DType.F32, q.steps, q.batch, q.in);
                Tensor dh0 = be.zeros(DType.F32, ld, q.batch, hout);
                Tensor dc0 = spec.hasCellState() ? be.zeros(DType.F32, ld, q.batch, q.hidden) : null;
                // inference path first (two state slots, nothing saved), then the training path. With CUDA graphs
                // each runs three times on the same tensors: directly, captured, replayed (CudaGraphs); the
                // results checked are the last run's.
                CudaGraphs<?> graphs = be instanceof CudaBackend c && c.options().graphsOn() ? c.graphs() : null;
                int runs = graphs == null ? 1 : 3;
                long replaysBefore = graphs == null ? 0 : graphs.replayed();
                Tensor yInf = be.zeros(DType.F32, q.steps, q.batch, dirs * hout);
                Tensor hnInf = be.zeros(DType.F32, ld, q.batch, hout);
                Tensor cnInf = spec.hasCellState() ? be.zeros(DType.F32, ld, q.batch, q.hidden) : null;
                for (int r = 0; r < runs; r++) {
                    be.rnnForward(w, x, h0, c0, q.lengths, yInf, hnInf, cnInf, false);
                }
                for (int r = 0; r < runs; r++) {
                    try (RnnContext ctx = be.rnnForward(w, x, h0, c0, q.lengths, y, hn, cn, true)) {
                        for (WeightSlot s : slots) { // the weight gradients accumulate: zero each run
                            be.fill(g.get(s.kind(), s.layer(), s.dir()), 0f);
                        }
                        be.rnnBackward(ctx, dy, dhn, dcn, dx, dh0, dc0, g);
                    }
                }
                if (graphs != null) {
                    // at most 6 per direction: inference forward, training forward and backward, runs 2 and 3;
                    // fewer where the pool gave a region other buffers than the run before
                    long replays = graphs.replayed() - replaysBefore;
                    System.out.println("[conformance] graphs: " + replays + " replays of " + 6 * q.layers * dirs
                            + " possible");
                    assertTrue(graphs.enabled(), "CUDA graphs were turned off: a capture failed (see the warning)");
                    assertTrue(replays > 0, "CUDA graphs: no region was replayed in three runs on the same "
                            + "tensors; the stream-ordered pool did not give the same buffers back?");
                }
                Map<String, float[]> out = new LinkedHashMap<>();
                out.put("y (inference)", host(yInf));
                out.put("hn (inference)", host(hnInf));
                out.put("y", host(y));
                out.put("hn", host(hn));
                if (cn != null) {
                    out.put("cn (inference)", host(cnInf));
                    out.put("cn", host(cn));
                    out.put("dc0", host(dc0));
                }
                out.put("dx", host(dx));
                out.put("dh0", host(dh0));
                for (WeightSlot s : slots) {
                    out.put("grad." + RnnWeights.name(s.kind(), s.layer(), s.dir()),
                            host(g.get(s.kind(), s.layer(), s.dir())));
                }
                return out;
            };
            add(name, 5e-5, 5e-4, CudaTestSupport::backendOrSkip, run);
            add(name + " cudnn", 5e-5, 5e-4, CudaTestSupport::cudnnBackendOrSkip, run);
            add(name + " graphs", 5e-5, 5e-4, CudaTestSupport::graphsBackendOrSkip, run);
        }
    }
}
