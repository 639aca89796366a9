package dev.recur.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.recur.backend.AttentionMask;
import dev.recur.backend.Backend;
import dev.recur.backend.Backends;
import dev.recur.cpu.internal.PackedGemm;
import dev.recur.tensor.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The CPU attention kernels against a naive float64 reference written here, which materialises every score
 * {@code [B, NH, Tq, S]}; the reference's own analytic gradient is checked by central finite differences in
 * float64. Odd sizes, every mask kind, with and without the averaged weights and their gradient.
 */
class AttentionKernelsTest {
    private static final double TOL = 1e-5;

    private final Backend cpu = Backends.get("cpu");

    /** One case: sizes, a mask, and whether avgWeights / dAvgWeights take part. */
    record Case(String name, int batch, int tq, int s, int heads, int dh, AttentionMask mask, boolean avg) {
        @Override
        public String toString() {
            return String.format(Locale.ROOT, "%s B=%d Tq=%d S=%d NH=%d Dh=%d%s", name, batch, tq, s, heads, dh,
                    avg ? " +avgWeights" : "");
        }
    }

    static Stream<Arguments> cases() {
        List<Case> cases = new ArrayList<>();
        Random r = new Random(7);
        for (boolean avg : new boolean[] {false, true}) {
            cases.add(new Case("none", 2, 7, 7, 3, 5, AttentionMask.NONE, avg));
            cases.add(new Case("causal", 2, 7, 7, 3, 5, AttentionMask.causalOnly(), avg));
            cases.add(new Case("attn_mask", 2, 7, 7, 3, 5, new AttentionMask(false, randomAttn(r, 7, 7), null), avg));
            cases.add(new Case("key_padding", 2, 7, 7, 3, 5,
                    new AttentionMask(false, null, AttentionMask.keyPaddingFromLengths(new long[] {7, 4}, 7)), avg));
            cases.add(new Case("causal+key_padding", 2, 7, 7, 3, 5,
                    new AttentionMask(true, null, AttentionMask.keyPaddingFromLengths(new long[] {3, 7}, 7)), avg));
            cases.add(new Case("decode causal", 2, 1, 9, 3, 5, AttentionMask.causalOnly(), avg));
            cases.add(new Case("decode causal+key_padding", 2, 1, 9, 3, 5,
                    new AttentionMask(true, null, AttentionMask.keyPaddingFromLengths(new long[] {9, 2}, 9)), avg));
            cases.add(new Case("cross Tq<S causal", 3, 4, 9, 2, 3, AttentionMask.causalOnly(), avg));
            cases.add(new Case("cross attn_mask", 1, 4, 9, 2, 3, new AttentionMask(false, randomAttn(r, 4, 9), null),
                    avg));
            cases.add(new Case("one head, one key", 2, 3, 1, 1, 4, AttentionMask.NONE, avg));
        }
        // Above Blas.SINGLE_THREAD_FLOPS (4·B·NH·Tq·S·Dh = 5.7e7): the forward shares the batch rows between the
        // backend's threads (three rows: uneven shares), avgWeights summed per row.
        cases.add(new Case("large, rows split, key_padding", 3, 128, 128, 4, 72,
                new AttentionMask(false, null, AttentionMask.keyPaddingFromLengths(new long[] {128, 37, 64}, 128)),
                true));
        return cases.stream().map(Arguments::of);
    }

    /** A random {@code [Tq, S]} mask (about 40% masked) that keeps at least one key in every row. */
    private static boolean[] randomAttn(Random r, int tq, int s) {
        boolean[] m = new boolean[tq * s];
        for (int i = 0; i < tq; i++) {
            boolean any = false;
            for (int j = 0; j < s; j++) {
                m[i * s + j] = r.nextDouble() < 0.4;
                any |= !m[i * s + j];
            }
            if (!any) {
                m[i * s + r.nextInt(s)] = false;
            }
        }
        return m;
    }

    /** The same cases with the softmax's exp on the plain-Java path ({@code -Drecur.cpu.vector=off}). */
    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void withoutTheVectorApiTooMatch(Case c) {
        PackedGemm.setVector(false);
        try {
            forwardAndBackwardMatchTheFloat64Reference(c);
        } finally {
            PackedGemm.setVector(null);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void forwardAndBackwardMatchTheFloat64Reference(Case c) {
        c.mask().checkEveryRowHasAKey("test", c.batch(), c.tq(), c.s());
        int width = c.heads() * c.dh();
        Random r = new Random(c.toString().hashCode());
        float[] q = randn(r, c.batch() * c.tq() * width);
        float[] k = randn(r, c.batch() * c.s() * width);
        float[] v = randn(r, c.batch() * c.s() * width);
        float[] dOut = randn(r, c.batch() * c.tq() * width);
        float[] dAvg = c.avg() ? randn(r, c.batch() * c.tq() * c.s()) : null;

        Reference ref = new Reference(c, toDouble(q), toDouble(k), toDouble(v));
        Reference.Grads g = ref.backward(toDouble(dOut), dAvg == null ? null : toDouble(dAvg));
        checkReferenceByFiniteDifferences(c, ref, g, toDouble(dOut), dAvg == null ? null : toDouble(dAvg), r);

        Tensor tq = cpu.fromFloats(q, c.batch(), c.tq(), width);
        Tensor tk = cpu.fromFloats(k, c.batch(), c.s(), width);
        Tensor tv = cpu.fromFloats(v, c.batch(), c.s(), width);
        // Outputs start as NaN: the kernels must write them, not accumulate into them.
        Tensor out = nans(c.batch(), c.tq(), width);
        Tensor lse = nans(c.batch(), c.heads(), c.tq());
        Tensor avg = c.avg() ? nans(c.batch(), c.tq(), c.s()) : null;
        cpu.attentionForward(tq, tk, tv, c.heads(), c.mask(), out, lse, avg);
        assertClose(c + " out", ref.out, cpu.toFloatArray(out));
        assertClose(c + " logSumExp", ref.lse, cpu.toFloatArray(lse));
        if (avg != null) {
            assertClose(c + " avgWeights", ref.avg, cpu.toFloatArray(avg));
        }

        // The forward without the optional outputs computes the same out, to the last bits: two calls with the
        // same inputs were seen to differ by one ulp in about 1 % of the elements of the large case (rows of one
        // softmax; NOTES.md, seventh pass), so the check allows 1e-6 where a wrong path would be off by far more.
        Tensor out2 = nans(c.batch(), c.tq(), width);
        cpu.attentionForward(tq, tk, tv, c.heads(), c.mask(), out2, null, null);
        assertClose(c + ": out must not depend on whether logSumExp / avgWeights are asked for",
                toDouble(cpu.toFloatArray(out)), cpu.toFloatArray(out2), 1e-6);

        Tensor tdOut = cpu.fromFloats(dOut, c.batch(), c.tq(), width);
        Tensor tdAvg = dAvg == null ? null : cpu.fromFloats(dAvg, c.batch(), c.tq(), c.s());
        Tensor dq = nans(c.batch(), c.tq(), width);
        Tensor dk = nans(c.batch(), c.s(), width);
        Tensor dv = nans(c.batch(), c.s(), width);
        cpu.attentionBackward(tq, tk, tv, c.heads(), c.mask(), out, lse, tdOut, tdAvg, dq, dk, dv);
        assertClose(c + " dq", g.dq, cpu.toFloatArray(dq));
        assertClose(c + " dk", g.dk, cpu.toFloatArray(dk));
        assertClose(c + " dv", g.dv, cpu.toFloatArray(dv));

        // Masked keys get no gradient from a query that cannot see them: a key that every query is barred from
        // (key padding) has dk = dv = 0.
        if (c.mask().keyPadding() != null) {
            float[] dkv = cpu.toFloatArray(dk);
            float[] dvv = cpu.toFloatArray(dv);
            for (int b = 0; b < c.batch(); b++) {
                for (int j = 0; j < c.s(); j++) {
                    if (c.mask().keyPadding()[b * c.s() + j]) {
                        for (int f = 0; f < width; f++) {
                            int idx = (b * c.s() + j) * width + f;
                            assertEquals(0f, dkv[idx], c + ": dk of a padded key");
                            assertEquals(0f, dvv[idx], c + ": dv of a padded key");
                        }
                    }
                }
            }
        }
        for (Tensor t : new Tensor[] {tq, tk, tv, out, lse, avg, out2, tdOut, tdAvg, dq, dk, dv}) {
            if (t != null) {
                t.close();
            }
        }
    }

    /**
     * Scores of a few hundred (q, k scaled by 8): e^score overflows float, so this fails unless the softmax
     * subtracts the row max. Float GEMM rounding of such scores is ~1e-5 absolute, hence the looser tolerance.
     */
    @ParameterizedTest(name = "causal={0}")
    @org.junit.jupiter.params.provider.ValueSource(booleans = {false, true})
    void largeScoresStayFinite(boolean causal) {
        Case c = new Case("large scores", 2, 6, 6, 2, 5, causal ? AttentionMask.causalOnly() : AttentionMask.NONE,
                false);
        int width = c.heads() * c.dh();
        Random r = new Random(11);
        float[] q = randn(r, c.batch() * c.tq() * width);
        float[] k = randn(r, c.batch() * c.s() * width);
        for (int i = 0; i < q.length; i++) {
            q[i] *= 8;
            k[i] *= 8;
        }
        float[] v = randn(r, c.batch() * c.s() * width);
        float[] dOut = randn(r, c.batch() * c.tq() * width);
        Reference ref = new Reference(c, toDouble(q), toDouble(k), toDouble(v));
        Reference.Grads g = ref.backward(toDouble(dOut), null);
        double maxLse = Arrays.stream(ref.lse).map(Math::abs).max().orElseThrow();
        assertTrue(maxLse > 100, "the case must have large scores, max |lse| = " + maxLse);
        try (Tensor tq = cpu.fromFloats(q, c.batch(), c.tq(), width);
             Tensor tk = cpu.fromFloats(k, c.batch(), c.s(), width);
             Tensor tv = cpu.fromFloats(v, c.batch(), c.s(), width);
             Tensor out = nans(c.batch(), c.tq(), width); Tensor lse = nans(c.batch(), c.heads(), c.tq());
             Tensor tdOut = cpu.fromFloats(dOut, c.batch(), c.tq(), width);
             Tensor dq = nans(c.batch(), c.tq(), width); Tensor dk = nans(c.batch(), c.s(), width);
             Tensor dv = nans(c.batch(), c.s(), width)) {
            cpu.attentionForward(tq, tk, tv, c.heads(), c.mask(), out, lse, null);
            cpu.attentionBackward(tq, tk, tv, c.heads(), c.mask(), out, lse, tdOut, null, dq, dk, dv);
            assertClose(c + " out", ref.out, cpu.toFloatArray(out), 1e-3);
            assertClose(c + " logSumExp", ref.lse, cpu.toFloatArray(lse), 1e-3);
            assertClose(c + " dv", g.dv, cpu.toFloatArray(dv), 1e-3);
            // dq, dk scale with k, q (×8) and with the score error: compare relative to the largest entry.
            assertClose(c + " dq", g.dq, cpu.toFloatArray(dq), 1e-3 * maxAbs(g.dq));
            assertClose(c + " dk", g.dk, cpu.toFloatArray(dk), 1e-3 * maxAbs(g.dk));
        }
    }

    private static double maxAbs(double[] d) {
        return Arrays.stream(d).map(Math::abs).max().orElse(0);
    }

    /**
     * The reference's analytic gradient against central differences of its float64 loss: along one random
     * direction through q, k and v together, and at a few single elements of each.
     */
    private static void checkReferenceByFiniteDifferences(Case c, Reference ref, Reference.Grads g, double[] dOut,
                                                          double[] dAvg, Random r) {
        double h = 1e-5;
        double[][] xs = {ref.q, ref.k, ref.v};
        double[][] gs = {g.dq, g.dk, g.dv};
        double[][] dir = new double[3][];
        double analytic = 0;
        for (int t = 0; t < 3; t++) {
            dir[t] = new double[xs[t].length];
            for (int i = 0; i < dir[t].length; i++) {
                dir[t][i] = r.nextGaussian();
                analytic += dir[t][i] * gs[t][i];
            }
        }
        double numeric = (lossAlong(c, ref, dir, h, dOut, dAvg) - lossAlong(c, ref, dir, -h, dOut, dAvg)) / (2 * h);
        double rel = Math.abs(numeric - analytic) / Math.max(1, Math.abs(analytic));
        assertTrue(rel < 1e-7, c + ": reference gradient along a random direction: analytic " + analytic
                + ", finite difference " + numeric);
        for (int t = 0; t < 3; t++) {
            for (int spot = 0; spot < 3; spot++) {
                int i = r.nextInt(xs[t].length);
                double[][] e = {new double[xs[0].length], new double[xs[1].length], new double[xs[2].length]};
                e[t][i] = 1;
                double fd = (lossAlong(c, ref, e, h, dOut, dAvg) - lossAlong(c, ref, e, -h, dOut, dAvg)) / (2 * h);
                assertEquals(gs[t][i], fd, 1e-7 * Math.max(1, Math.abs(fd)),
                        c + ": reference gradient of " + "qkv".charAt(t) + "[" + i + "]");
            }
        }
    }

    /** {@code loss(x + step * dir) = Σ out * dOut + Σ avg * dAvg} in float64. */
    private static double lossAlong(Case c, Reference ref, double[][] dir, double step, double[] dOut,
                                    double[] dAvg) {
        double[][] xs = {ref.q.clone(), ref.k.clone(), ref.v.clone()};
        for (int t = 0; t < 3; t++) {
            for (int i = 0; i < xs[t].length; i++) {
                xs[t][i] += step * dir[t][i];
            }
        }
        Reference p = new Reference(c, xs[0], xs[1], xs[2]);
        double loss = dot(p.out, dOut);
        if (dAvg != null) {
            loss += dot(p.avg, dAvg);
        }
        return loss;
    }

    /** Naive float64 multi-head attention with every score materialised. */
    static final class Reference {
        final Case c;
        final double[] q;
        final double[] k;
        final double[] v;
        final double[] a; // [B, NH, Tq, S]
        final double[] out; // [B, Tq, NH*Dh]
        final double[] lse; // [B, NH, Tq]
        final double[] avg; // [B, Tq, S]

        Reference(Case c, double[] q, double[] k, double[] v) {
            this.c = c;
            this.q = q;
            this.k = k;
            this.v = v;
            int nb = c.batch();
            int nh = c.heads();
            int tq = c.tq();
            int s = c.s();
            int dh = c.dh();
            int w = nh * dh;
            double scale = 1 / Math.sqrt(dh);
            a = new double[nb * nh * tq * s];
            out = new double[nb * tq * w];
            lse = new double[nb * nh * tq];
            avg = new double[nb * tq * s];
            double[] scores = new double[s];
            for (int b = 0; b < nb; b++) {
                for (int h = 0; h < nh; h++) {
                    for (int i = 0; i < tq; i++) {
                        double max = Double.NEGATIVE_INFINITY;
                        for (int j = 0; j < s; j++) {
                            double dot = 0;
                            for (int f = 0; f < dh; f++) {
                                dot += q[(b * tq + i) * w + h * dh + f] * k[(b * s + j) * w + h * dh + f];
                            }
                            scores[j] = c.mask().masked(b, i, j, tq, s) ? Double.NEGATIVE_INFINITY : dot * scale;
                            max = Math.max(max, scores[j]);
                        }
                        double sum = 0;
                        for (int j = 0; j < s; j++) {
                            sum += Math.exp(scores[j] - max);
                        }
                        lse[(b * nh + h) * tq + i] = max + Math.log(sum);
                        for (int j = 0; j < s; j++) {
                            double p = Math.exp(scores[j] - max) / sum;
                            a[((b * nh + h) * tq + i) * s + j] = p;
                            avg[(b * tq + i) * s + j] += p / nh;
                            for (int f = 0; f < dh; f++) {
                                out[(b * tq + i) * w + h * dh + f] += p * v[(b * s + j) * w + h * dh + f];
                            }
                        }
                    }
                }
            }
        }

        record Grads(double[] dq, double[] dk, double[] dv) {
        }

        /**
         * The analytic gradient of {@code Σ out * dOut + Σ avg * dAvg}: {@code dA = dOut_h v_h^T + dAvg / NH},
         * {@code dP_ij = A_ij (dA_ij - Σ_l dA_il A_il)}, {@code dq = scale dP k}, {@code dk = scale dP^T q},
         * {@code dv = A^T dOut}.
         */
        Grads backward(double[] dOut, double[] dAvg) {
            int nb = c.batch();
            int nh = c.heads();
            int tq = c.tq();
            int s = c.s();
            int dh = c.dh();
            int w = nh * dh;
            double scale = 1 / Math.sqrt(dh);
            double[] dq = new double[q.length];
            double[] dk = new double[k.length];
            double[] dv = new double[v.length];
            double[] dA = new double[s];
            for (int b = 0; b < nb; b++) {
                for (int h = 0; h < nh; h++) {
                    for (int i = 0; i < tq; i++) {
                        int arow = ((b * nh + h) * tq + i) * s;
                        double dsum = 0;
                        for (int j = 0; j < s; j++) {
                            double d = 0;
                            for (int f = 0; f < dh; f++) {
                                d += dOut[(b * tq + i) * w + h * dh + f] * v[(b * s + j) * w + h * dh + f];
                            }
                            if (dAvg != null) {
                                d += dAvg[(b * tq + i) * s + j] / nh;
                            }
                            dA[j] = d;
                            dsum += d * a[arow + j];
                        }
                        for (int j = 0; j < s; j++) {
                            double p = a[arow + j];
                            double dp = p * (dA[j] - dsum);
                            for (int f = 0; f < dh; f++) {
                                int qi = (b * tq + i) * w + h * dh + f;
                                int ki = (b * s + j) * w + h * dh + f;
                                dq[qi] += scale * dp * k[ki];
                                dk[ki] += scale * dp * q[qi];
                                dv[ki] += p * dOut[qi];
                            }
                        }
                    }
                }
            }
            return new Grads(dq, dk, dv);
        }
    }

    // ---------------------------------------------------------------- helpers

    private Tensor nans(int... shape) {
        Tensor t = cpu.zeros(dev.recur.tensor.DType.F32, shape);
        float[] f = new float[Math.toIntExact(t.numel())];
        Arrays.fill(f, Float.NaN);
        Tensor n = cpu.fromFloats(f, shape);
        t.close();
        return n;
    }

    private static float[] randn(Random r, int n) {
        float[] f = new float[n];
        for (int i = 0; i < n; i++) {
            f[i] = (float) r.nextGaussian();
        }
        return f;
    }

    private static double[] toDouble(float[] f) {
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) {
            d[i] = f[i];
        }
        return d;
    }

    private static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }

    /**
     * Max difference relative to {@code max(1, |want|)} elementwise, below 1e-5; prints it so a drift shows
     * before it fails.
     */
    static void assertClose(String what, double[] want, float[] got) {
        assertClose(what, want, got, TOL);
    }

    /** As {@link #assertClose(String, double[], float[])} with tolerance {@code tol}. */
    static void assertClose(String what, double[] want, float[] got, double tol) {
        assertEquals(want.length, got.length, what + ": length");
        double worst = 0;
        int at = -1;
        for (int i = 0; i < want.length; i++) {
            double e = Math.abs(got[i] - want[i]) / Math.max(1, Math.abs(want[i]));
            if (!(e <= worst)) { // NaN counts as worst
                worst = Double.isNaN(e) ? Double.POSITIVE_INFINITY : e;
                at = i;
            }
        }
        System.out.printf(Locale.ROOT, "%-60s maxdiff = %.3e%n", what, worst);
        int i = at;
        double w = worst;
        assertTrue(w < tol, () -> String.format(Locale.ROOT, "%s: max relative difference %.3e at %d "
                + "(want %.9g, got %.9g), tolerance %.1e", what, w, i, want[i], got[i], tol));
    }
}
