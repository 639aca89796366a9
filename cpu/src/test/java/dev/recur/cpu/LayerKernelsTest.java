package dev.recur.cpu;

import static dev.recur.cpu.AttentionKernelsTest.assertClose;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.recur.backend.Backend;
import dev.recur.backend.Backends;
import dev.recur.tensor.DType;
import dev.recur.tensor.Tensor;
import java.util.Arrays;
import java.util.Locale;
import java.util.Random;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Layer norm, embedding, dropout and mul of the CPU backend against float64 references written here. */
class LayerKernelsTest {
    private final Backend cpu = Backends.get("cpu");

    // ---------------------------------------------------------------- layer norm

    @ParameterizedTest(name = "N={0} E={1} affine={2}")
    @CsvSource({"5, 13, true", "5, 13, false", "1, 1, true", "3, 64, true"})
    void layerNormMatchesTheFloat64Reference(int rows, int cols, boolean affine) {
        Random r = new Random(rows * 31 + cols);
        float eps = 1e-5f;
        float[] x = new float[rows * cols];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (3 + 2 * r.nextGaussian()); // an offset mean, which a one-pass variance would lose
        }
        float[] gamma = affine ? randn(r, cols) : null;
        float[] beta = affine ? randn(r, cols) : null;
        float[] dy = randn(r, rows * cols);

        double[] yRef = layerNormRef(toDouble(x), gamma, beta, eps, rows, cols);
        double[] meanRef = new double[rows];
        double[] rstdRef = new double[rows];
        stats(toDouble(x), eps, rows, cols, meanRef, rstdRef);
        double[][] g = layerNormGradRef(toDouble(x), gamma, toDouble(dy), eps, rows, cols);
        // The reference gradient against a central difference of Σ y * dy along a random direction.
        double[] dir = new double[x.length];
        double analytic = 0;
        for (int i = 0; i < dir.length; i++) {
            dir[i] = r.nextGaussian();
            analytic += dir[i] * g[0][i];
        }
        double h = 1e-6;
        double[] xp = toDouble(x);
        double[] xm = toDouble(x);
        for (int i = 0; i < dir.length; i++) {
            xp[i] += h * dir[i];
            xm[i] -= h * dir[i];
        }
        double fd = (dot(layerNormRef(xp, gamma, beta, eps, rows, cols), toDouble(dy))
                - dot(layerNormRef(xm, gamma, beta, eps, rows, cols), toDouble(dy))) / (2 * h);
        assertEquals(analytic, fd, 1e-6 * Math.max(1, Math.abs(fd)), "reference layer-norm gradient");

        String name = String.format(Locale.ROOT, "layerNorm N=%d E=%d affine=%b", rows, cols, affine);
        Tensor tx = cpu.fromFloats(x, rows, cols);
        Tensor tg = affine ? cpu.fromFloats(gamma, cols) : null;
        Tensor tb = affine ? cpu.fromFloats(beta, cols) : null;
        Tensor y = cpu.zeros(DType.F32, rows, cols);
        Tensor mean = cpu.zeros(DType.F32, rows);
        Tensor rstd = cpu.zeros(DType.F32, rows);
        cpu.layerNormForward(tx, tg, tb, eps, y, mean, rstd);
        assertClose(name + " y", yRef, cpu.toFloatArray(y));
        assertClose(name + " mean", meanRef, cpu.toFloatArray(mean));
        assertClose(name + " rstd", rstdRef, cpu.toFloatArray(rstd));

        // dx is written (starts as NaN); dGamma and dBeta accumulate onto what they hold (starts as 1).
        float[] nan = new float[rows * cols];
        Arrays.fill(nan, Float.NaN);
        Tensor dx = cpu.fromFloats(nan, rows, cols);
        float[] ones = new float[cols];
        Arrays.fill(ones, 1f);
        Tensor dGamma = affine ? cpu.fromFloats(ones, cols) : null;
        Tensor dBeta = affine ? cpu.fromFloats(ones, cols) : null;
        Tensor tdy = cpu.fromFloats(dy, rows, cols);
        cpu.layerNormBackward(tdy, tx, tg, mean, rstd, dx, dGamma, dBeta);
        assertClose(name + " dx", g[0], cpu.toFloatArray(dx));
        if (affine) {
            assertClose(name + " dGamma (+1)", plusOne(g[1]), cpu.toFloatArray(dGamma));
            assertClose(name + " dBeta (+1)", plusOne(g[2]), cpu.toFloatArray(dBeta));
        }
        // dx may alias dy.
        cpu.layerNormBackward(tdy, tx, tg, mean, rstd, tdy, null, null);
        assertArrayEquals(cpu.toFloatArray(dx), cpu.toFloatArray(tdy));
    }

    private static void stats(double[] x, double eps, int rows, int cols, double[] mean, double[] rstd) {
        for (int n = 0; n < rows; n++) {
            double m = 0;
            for (int e = 0; e < cols; e++) {
                m += x[n * cols + e];
            }
            m /= cols;
            double var = 0;
            for (int e = 0; e < cols; e++) {
                var += (x[n * cols + e] - m) * (x[n * cols + e] - m);
            }
            mean[n] = m;
            rstd[n] = 1 / Math.sqrt(var / cols + eps);
        }
    }

    private static double[] layerNormRef(double[] x, float[] gamma, float[] beta, double eps, int rows, int cols) {
        double[] mean = new double[rows];
        double[] rstd = new double[rows];
        stats(x, eps, rows, cols, mean, rstd);
        double[] y = new double[x.length];
        for (int n = 0; n < rows; n++) {
            for (int e = 0; e < cols; e++) {
                double xhat = (x[n * cols + e] - mean[n]) * rstd[n];
                y[n * cols + e] = xhat * (gamma == null ? 1 : gamma[e]) + (beta == null ? 0 : beta[e]);
            }
        }
        return y;
    }

    /**
     * {dx, dGamma, dBeta} of {@code Σ y * dy}, derived in full: with {@code s = x - mean},
     * {@code dx_e = rstd (g_e - mean(g)) - rstd³ s_e mean(g s)}, {@code g = dy * gamma}.
     */
    private static double[][] layerNormGradRef(double[] x, float[] gamma, double[] dy, double eps, int rows,
                                               int cols) {
        double[] mean = new double[rows];
        double[] rstd = new double[rows];
        stats(x, eps, rows, cols, mean, rstd);
        double[] dx = new double[x.length];
        double[] dGamma = new double[cols];
        double[] dBeta = new double[cols];
        for (int n = 0; n < rows; n++) {
            double mg = 0;
            double mgs = 0;
            for (int e = 0; e < cols; e++) {
                double gx = dy[n * cols + e] * (gamma == null ? 1 : gamma[e]);
                mg += gx / cols;
                mgs += gx * (x[n * cols + e] - mean[n]) / cols;
                dGamma[e] += dy[n * cols + e] * (x[n * cols + e] - mean[n]) * rstd[n];
                dBeta[e] += dy[n * cols + e];
            }
            double r3 = rstd[n] * rstd[n] * rstd[n];
            for (int e = 0; e < cols; e++) {
                double gx = dy[n * cols + e] * (gamma == null ? 1 : gamma[e]);
                dx[n * cols + e] = rstd[n] * (gx - mg) - r3 * (x[n * cols + e] - mean[n]) * mgs;
            }
        }
        return new double[][] {dx, dGamma, dBeta};
    }

    // ---------------------------------------------------------------- embedding

    @Test
    void embeddingGathersRowsAndScatterAddsGradients() {
        int vocab = 6;
        int cols = 5;
        long[] ids = {1, 3, 1, 5, 1, 0};
        Random r = new Random(3);
        float[] table = randn(r, vocab * cols);
        float[] dOut = randn(r, ids.length * cols);
        float[] before = randn(r, vocab * cols);
        try (Tensor tIds = cpu.fromLongs(ids, ids.length); Tensor tTable = cpu.fromFloats(table, vocab, cols);
             Tensor out = cpu.zeros(DType.F32, ids.length, cols); Tensor tdOut = cpu.fromFloats(dOut, ids.length, cols);
             Tensor dTable = cpu.fromFloats(before, vocab, cols)) {
            cpu.embeddingForward(tIds, tTable, out);
            float[] o = cpu.toFloatArray(out);
            for (int n = 0; n < ids.length; n++) {
                for (int e = 0; e < cols; e++) {
                    assertEquals(table[(int) ids[n] * cols + e], o[n * cols + e], "out[" + n + ", " + e + "]");
                }
            }
            cpu.embeddingBackward(tIds, tdOut, dTable);
            double[] want = toDouble(before);
            for (int n = 0; n < ids.length; n++) {
                for (int e = 0; e < cols; e++) {
                    want[(int) ids[n] * cols + e] += dOut[n * cols + e];
                }
            }
            assertClose("embedding dTable (repeated ids, accumulated)", want, cpu.toFloatArray(dTable));
            // Rows never looked up keep what they held.
            float[] d = cpu.toFloatArray(dTable);
            for (int e = 0; e < cols; e++) {
                assertEquals(before[2 * cols + e], d[2 * cols + e]);
                assertEquals(before[4 * cols + e], d[4 * cols + e]);
            }
        }
    }

    // ---------------------------------------------------------------- dropout

    @Test
    void dropoutWithZeroPKeepsEverything() {
        float[] x = randn(new Random(1), 1000);
        try (Tensor tx = cpu.fromFloats(x, 10, 100); Tensor keep = cpu.zeros(DType.F32, 10, 100);
             Tensor y = cpu.zeros(DType.F32, 10, 100)) {
            cpu.dropout(tx, 0f, 42, keep, y);
            float[] k = cpu.toFloatArray(keep);
            for (float v : k) {
                assertEquals(1f, v);
            }
            assertArrayEquals(x, cpu.toFloatArray(y));
        }
    }

    @Test
    void dropoutIsSeededUnbiasedAndKeepsOneMinusP() {
        int n = 100_000;
        float p = 0.3f;
        float[] x = randn(new Random(2), n);
        try (Tensor tx = cpu.fromFloats(x, n); Tensor k1 = cpu.zeros(DType.F32, n); Tensor k2 = cpu.zeros(DType.F32, n);
             Tensor k3 = cpu.zeros(DType.F32, n); Tensor y = cpu.zeros(DType.F32, n)) {
            cpu.dropout(tx, p, 1234, k1, y);
            cpu.dropout(tx, p, 1234, k2, tx.reshape(n)); // same seed, y aliasing x this time
            cpu.dropout(cpu.fromFloats(x, n), p, 1235, k3, cpu.zeros(DType.F32, n));
            float[] m1 = cpu.toFloatArray(k1);
            float[] m2 = cpu.toFloatArray(k2);
            float[] m3 = cpu.toFloatArray(k3);
            assertArrayEquals(m1, m2, "same seed, same mask");
            assertFalse(Arrays.equals(m1, m3), "different seed, different mask");
            float[] yv = cpu.toFloatArray(y);
            float[] inPlace = cpu.toFloatArray(tx);
            double sum = 0;
            int kept = 0;
            float scale = 1f / (1f - p);
            for (int i = 0; i < n; i++) {
                assertTrue(m1[i] == 0f || m1[i] == scale, "keep is 0 or 1/(1-p), got " + m1[i]);
                assertEquals(x[i] * m1[i], yv[i], "y = x * keep");
                assertEquals(yv[i], inPlace[i], "in place");
                sum += m1[i];
                kept += m1[i] != 0f ? 1 : 0;
            }
            double meanKeep = sum / n;
            double fraction = (double) kept / n;
            System.out.printf(Locale.ROOT, "dropout p=%.1f: mean keep %.4f, kept %.4f%n", p, meanKeep, fraction);
            // Standard deviations: keep mean sqrt(p/(1-p)/n) = 0.002, kept fraction sqrt(p(1-p)/n) = 0.0014.
            assertEquals(1.0, meanKeep, 0.01, "E[keep] = 1");
            assertEquals(1 - p, fraction, 0.007, "fraction kept = 1 - p");
        }
    }

    @Test
    void dropoutMaskFollowsTheDocumentedCounterFormula() {
        int n = 4096;
        float p = 0.5f;
        long seed = -7_000_000_000L;
        try (Tensor tx = cpu.zeros(DType.F32, n); Tensor keep = cpu.zeros(DType.F32, n);
             Tensor y = cpu.zeros(DType.F32, n)) {
            cpu.dropout(tx, p, seed, keep, y);
            float[] k = cpu.toFloatArray(keep);
            SplittableRandom rng = new SplittableRandom(seed);
            for (int i = 0; i < n; i++) {
                long z = seed + (i + 1) * 0x9e3779b97f4a7c15L;
                z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
                z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
                z = z ^ (z >>> 31);
                double u = (z >>> 11) * 0x1.0p-53;
                assertEquals(rng.nextDouble(), u, "u_" + i + " (what a GPU port reproduces)");
                assertEquals(u < p ? 0f : 2f, k[i], "keep[" + i + "]");
            }
        }
    }

    @Test
    void dropoutWithPOneDropsEverything() {
        try (Tensor tx = cpu.fromFloats(new float[] {1, 2, 3}, 3); Tensor keep = cpu.zeros(DType.F32, 3);
             Tensor y = cpu.zeros(DType.F32, 3)) {
            cpu.dropout(tx, 1f, 9, keep, y);
            assertArrayEquals(new float[] {0, 0, 0}, cpu.toFloatArray(keep));
            assertArrayEquals(new float[] {0, 0, 0}, cpu.toFloatArray(y));
        }
    }

    // ---------------------------------------------------------------- mul

    @Test
    void mulIsElementwiseAndMayAlias() {
        float[] a = {1, -2, 3.5f, 0, 7};
        float[] b = {2, 4, -1, 9, 0.5f};
        try (Tensor ta = cpu.fromFloats(a, 5); Tensor tb = cpu.fromFloats(b, 5); Tensor out = cpu.zeros(DType.F32, 5)) {
            cpu.mul(ta, tb, out);
            assertArrayEquals(new float[] {2, -8, -3.5f, 0, 3.5f}, cpu.toFloatArray(out));
            cpu.mul(ta, tb, tb);
            assertArrayEquals(new float[] {2, -8, -3.5f, 0, 3.5f}, cpu.toFloatArray(tb));
        }
    }

    // ---------------------------------------------------------------- helpers

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

    private static double[] plusOne(double[] d) {
        double[] o = d.clone();
        for (int i = 0; i < o.length; i++) {
            o[i] += 1;
        }
        return o;
    }

    private static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }
}
