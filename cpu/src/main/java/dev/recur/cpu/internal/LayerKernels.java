package dev.recur.cpu.internal;

import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.util.SplittableRandom;

/**
 * The row-wise and elementwise kernels of the non-recurrent layers: layer norm, embedding lookup, dropout and
 * the elementwise product. Every buffer argument is followed by the index of its first element; rows are
 * contiguous ({@code [N, E]}). Each backward sits under its forward and quotes the line it differentiates.
 */
public final class LayerKernels {
    private LayerKernels() {
    }

    // ---------------------------------------------------------------- layer norm

    /**
     * Layer norm over the last dimension, biased variance: for each row n of {@code x [N, E]},
     * {@code mean = Σ x / E}, {@code var = Σ (x - mean)² / E}, {@code rstd = 1 / sqrt(var + eps)},
     * {@code y = (x - mean) * rstd * gamma + beta}. Mean and variance are accumulated in double (two passes), y
     * in float.
     * {@code gamma, beta [E]} may be null (1 and 0); {@code mean, rstd [N]} receive the row statistics and may
     * be null. {@code y} may alias {@code x}.
     */
    public static void layerNormForward(FloatBuffer x, int xOff, FloatBuffer gamma, int gOff, FloatBuffer beta,
                                        int bOff, float eps, FloatBuffer y, int yOff, FloatBuffer mean, int mOff,
                                        FloatBuffer rstd, int rOff, int rows, int cols) {
        // Each row goes through a heap array, so that the loops run over float[] and C2 vectorizes the last one;
        // the sums run in four double chains (one chain waits an add's latency per element).
        float[] row = new float[cols];
        float[] g = vectorOr(gamma, gOff, cols, 1f);
        float[] b = vectorOr(beta, bOff, cols, 0f);
        int quads = cols & ~3;
        for (int n = 0; n < rows; n++) {
            x.get(xOff + n * cols, row);
            double s0 = 0;
            double s1 = 0;
            double s2 = 0;
            double s3 = 0;
            for (int e = 0; e < quads; e += 4) {
                s0 += row[e];
                s1 += row[e + 1];
                s2 += row[e + 2];
                s3 += row[e + 3];
            }
            for (int e = quads; e < cols; e++) {
                s0 += row[e];
            }
            double mu = (s0 + s1 + s2 + s3) / cols;
            s0 = 0;
            s1 = 0;
            s2 = 0;
            s3 = 0;
            for (int e = 0; e < quads; e += 4) {
                double d0 = row[e] - mu;
                double d1 = row[e + 1] - mu;
                double d2 = row[e + 2] - mu;
                double d3 = row[e + 3] - mu;
                s0 += d0 * d0;
                s1 += d1 * d1;
                s2 += d2 * d2;
                s3 += d3 * d3;
            }
            for (int e = quads; e < cols; e++) {
                double d = row[e] - mu;
                s0 += d * d;
            }
            double rs = 1.0 / Math.sqrt((s0 + s1 + s2 + s3) / cols + eps);
            float muF = (float) mu;
            float rsF = (float) rs;
            for (int e = 0; e < cols; e++) {
                row[e] = (row[e] - muF) * rsF * g[e] + b[e];
            }
            y.put(yOff + n * cols, row);
            if (mean != null) {
                mean.put(mOff + n, muF);
            }
            if (rstd != null) {
                rstd.put(rOff + n, rsF);
            }
        }
    }

    /**
     * Backward of {@link #layerNormForward}, from the saved {@code mean, rstd [N]}: with
     * {@code xhat = (x - mean) * rstd} and {@code dxhat = dy * gamma},
     * {@code dx = rstd * (dxhat - mean_e(dxhat) - xhat * mean_e(dxhat * xhat))} (written);
     * {@code dGamma += Σ_n dy * xhat}, {@code dBeta += Σ_n dy} (accumulated, in double within the call; either
     * may be null). {@code dy, x, dx [N, E]}; {@code dx} may alias {@code dy}.
     */
    public static void layerNormBackward(FloatBuffer dy, int dyOff, FloatBuffer x, int xOff, FloatBuffer gamma,
                                         int gOff, FloatBuffer mean, int mOff, FloatBuffer rstd, int rOff,
                                         FloatBuffer dx, int dxOff, FloatBuffer dGamma, int dgOff, FloatBuffer dBeta,
                                         int dbOff, int rows, int cols) {
        // Rows through heap arrays, as in forward: xhat and dxhat computed once per row into float[] (loops that
        // vectorize), the row sums in two double chains each.
        double[] dg = dGamma == null ? null : new double[cols];
        double[] db = dBeta == null ? null : new double[cols];
        float[] g = vectorOr(gamma, gOff, cols, 1f);
        float[] xhat = new float[cols];
        float[] d = new float[cols];
        float[] dxhat = new float[cols];
        int pairs = cols & ~1;
        for (int n = 0; n < rows; n++) {
            x.get(xOff + n * cols, xhat);
            dy.get(dyOff + n * cols, d);
            float mu = mean.get(mOff + n);
            float rs = rstd.get(rOff + n);
            // y = xhat * gamma + beta
            for (int e = 0; e < cols; e++) {
                xhat[e] = (xhat[e] - mu) * rs;
                dxhat[e] = d[e] * g[e];
            }
            double s0 = 0;
            double s1 = 0;
            double t0 = 0;
            double t1 = 0;
            for (int e = 0; e < pairs; e += 2) {
                s0 += dxhat[e];
                s1 += dxhat[e + 1];
                t0 += (double) dxhat[e] * xhat[e];
                t1 += (double) dxhat[e + 1] * xhat[e + 1];
            }
            if (pairs < cols) {
                s0 += dxhat[cols - 1];
                t0 += (double) dxhat[cols - 1] * xhat[cols - 1];
            }
            if (dg != null) {
                for (int e = 0; e < cols; e++) {
                    dg[e] += (double) d[e] * xhat[e];
                }
            }
            if (db != null) {
                for (int e = 0; e < cols; e++) {
                    db[e] += d[e];
                }
            }
            // xhat = (x - mean) * rstd, mean and rstd functions of the whole row
            float mDxhat = (float) ((s0 + s1) / cols);
            float mDxhatXhat = (float) ((t0 + t1) / cols);
            for (int e = 0; e < cols; e++) {
                d[e] = rs * (dxhat[e] - mDxhat - xhat[e] * mDxhatXhat);
            }
            dx.put(dxOff + n * cols, d);
        }
        for (int e = 0; e < cols; e++) {
            if (dg != null) {
                dGamma.put(dgOff + e, (float) (dGamma.get(dgOff + e) + dg[e]));
            }
            if (db != null) {
                dBeta.put(dbOff + e, (float) (dBeta.get(dbOff + e) + db[e]));
            }
        }
    }

    /** {@code v[off, off+n)} on the heap, or {@code n} copies of {@code fill} when {@code v} is null. */
    private static float[] vectorOr(FloatBuffer v, int off, int n, float fill) {
        float[] out = new float[n];
        if (v == null) {
            java.util.Arrays.fill(out, fill);
        } else {
            v.get(off, out);
        }
        return out;
    }

    // ---------------------------------------------------------------- embedding

    /** {@code out[n, :] = table[ids[n], :]}: ids {@code [N]} in [0, V), table {@code [V, E]}, out {@code [N, E]}. */
    public static void embeddingForward(LongBuffer ids, int idOff, FloatBuffer table, int tOff, FloatBuffer out,
                                        int oOff, int rows, int cols) {
        for (int n = 0; n < rows; n++) {
            int id = (int) ids.get(idOff + n);
            out.put(oOff + n * cols, table, tOff + id * cols, cols);
        }
    }

    /**
     * Backward of {@link #embeddingForward} ({@code out[n, :] = table[ids[n], :]}):
     * {@code dTable[ids[n], :] += dOut[n, :]}, so repeated ids add up. dOut {@code [N, E]}, dTable {@code [V, E]}.
     */
    public static void embeddingBackward(LongBuffer ids, int idOff, FloatBuffer dOut, int dOff, FloatBuffer dTable,
                                         int tOff, int rows, int cols) {
        for (int n = 0; n < rows; n++) {
            int tr = tOff + (int) ids.get(idOff + n) * cols;
            int dr = dOff + n * cols;
            for (int e = 0; e < cols; e++) {
                dTable.put(tr + e, dTable.get(tr + e) + dOut.get(dr + e));
            }
        }
    }

    // ---------------------------------------------------------------- dropout, mul

    /**
     * Inverted dropout over {@code n} elements: {@code keep[i] = u_i < p ? 0 : 1/(1-p)} (the scale computed in
     * float, the comparison in double), {@code y = x * keep}, where {@code u_i} is the i-th {@code nextDouble()}
     * of {@code new SplittableRandom(seed)}, in element order. That sequence is counter based, so another
     * backend can reproduce it element by element (checked in {@code LayerKernelsTest}):
     * <pre>
     *   z = seed + (i + 1) * 0x9e3779b97f4a7c15L           (wrapping 64-bit arithmetic)
     *   z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L
     *   z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL
     *   z = z ^ (z >>> 31)
     *   u_i = (z >>> 11) * 2^-53
     * </pre>
     * With {@code p = 0} every keep is 1 (no draws); with {@code p = 1} every keep is 0. {@code y} may alias
     * {@code x}. The backward, {@code dx = dy * keep}, is {@link #mul}.
     */
    public static void dropout(FloatBuffer x, int xOff, float p, long seed, FloatBuffer keep, int kOff, FloatBuffer y,
                               int yOff, int n) {
        // In chunks through heap arrays, as TrainKernels' kernels (CellKernels.activate says why).
        float scale = p >= 1f ? 0f : 1f / (1f - p);
        SplittableRandom rng = p == 0f ? null : new SplittableRandom(seed);
        float[] v = new float[Math.min(TrainKernels.CHUNK, n)];
        float[] k = new float[v.length];
        if (rng == null) {
            java.util.Arrays.fill(k, 1f); // p = 0: every keep is 1, no draws
        }
        for (int at = 0; at < n; at += TrainKernels.CHUNK) {
            int len = Math.min(TrainKernels.CHUNK, n - at);
            x.get(xOff + at, v, 0, len);
            if (rng != null) {
                for (int i = 0; i < len; i++) {
                    k[i] = rng.nextDouble() < p ? 0f : scale;
                    v[i] *= k[i];
                }
            }
            keep.put(kOff + at, k, 0, len);
            y.put(yOff + at, v, 0, len);
        }
    }

    /** {@code out = a * b} over {@code n} elements; out may alias a or b. In chunks, as {@link #dropout}. */
    public static void mul(FloatBuffer a, int aOff, FloatBuffer b, int bOff, FloatBuffer out, int oOff, int n) {
        float[] u = new float[Math.min(TrainKernels.CHUNK, n)];
        float[] w = new float[u.length];
        for (int at = 0; at < n; at += TrainKernels.CHUNK) {
            int len = Math.min(TrainKernels.CHUNK, n - at);
            a.get(aOff + at, u, 0, len);
            b.get(bOff + at, w, 0, len);
            for (int i = 0; i < len; i++) {
                u[i] *= w[i];
            }
            out.put(oOff + at, u, 0, len);
        }
    }
}
