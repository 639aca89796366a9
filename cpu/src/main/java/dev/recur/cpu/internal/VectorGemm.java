package dev.recur.cpu.internal;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link PackedGemm}'s kernel on the Vector API. Loaded only after {@link PackedGemm#vectorAvailable} has found
 * the {@code jdk.incubator.vector} module.
 *
 * <p>Two rows × one panel per inner loop: 8 (LSTM, RNN) or 6 (GRU) accumulators, one broadcast of each row's
 * {@code a[r, k]} and one load of each of the panel's vectors per k, so the loop is FMA-bound with the panel in
 * L1 or L2 (measured ≈ 67 GFLOP/s on one AVX2 core at [32, 256] × [256, 512], against 45 for OpenBLAS's sgemm at
 * the same shape). Three rows would need more registers than AVX2 has and ran at half that speed. A row left
 * over (odd row counts, B = 1) runs a one-row kernel with k unrolled twice, so it still has eight independent
 * FMA chains.
 */
final class VectorGemm {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_256;

    private VectorGemm() {
    }

    /** Whether 8-lane float vectors are native here (AVX2 or better). */
    static boolean supported() {
        return S.length() == PackedWeights.LANES
                && FloatVector.SPECIES_PREFERRED.vectorBitSize() >= S.vectorBitSize();
    }

    /** See {@link PackedGemm#multiplyAdd}. */
    static void multiplyAdd(float[] a, int lda, int rows, PackedWeights w, int p0, int p1, float[][] out, int ldo,
                            int u0) {
        for (int p = p0; p < p1; p++) {
            int r = 0;
            if (w.vectors == 4) {
                for (; r + 2 <= rows; r += 2) {
                    twoRowsFour(a, r * lda, (r + 1) * lda, w, p, out, r * ldo, ldo, u0);
                }
            } else {
                for (; r + 2 <= rows; r += 2) {
                    twoRowsThree(a, r * lda, (r + 1) * lda, w, p, out, r * ldo, ldo, u0);
                }
            }
            for (; r < rows; r++) {
                oneRow(a, r * lda, w, p, out, r * ldo, ldo, u0);
            }
        }
    }

    private static void twoRowsFour(float[] a, int a0, int a1, PackedWeights w, int p, float[][] out, int o,
                                    int ldo, int u0) {
        float[] pw = w.data;
        int k = w.k;
        int base = p * k * 32;
        FloatVector c00 = FloatVector.zero(S);
        FloatVector c01 = c00;
        FloatVector c02 = c00;
        FloatVector c03 = c00;
        FloatVector c10 = c00;
        FloatVector c11 = c00;
        FloatVector c12 = c00;
        FloatVector c13 = c00;
        for (int kk = 0; kk < k; kk++) {
            int pk = base + kk * 32;
            FloatVector x0 = FloatVector.broadcast(S, a[a0 + kk]);
            FloatVector x1 = FloatVector.broadcast(S, a[a1 + kk]);
            FloatVector v = FloatVector.fromArray(S, pw, pk);
            c00 = x0.fma(v, c00);
            c10 = x1.fma(v, c10);
            v = FloatVector.fromArray(S, pw, pk + 8);
            c01 = x0.fma(v, c01);
            c11 = x1.fma(v, c11);
            v = FloatVector.fromArray(S, pw, pk + 16);
            c02 = x0.fma(v, c02);
            c12 = x1.fma(v, c12);
            v = FloatVector.fromArray(S, pw, pk + 24);
            c03 = x0.fma(v, c03);
            c13 = x1.fma(v, c13);
        }
        addTo(c00, w, p, 0, out, o, ldo, u0);
        addTo(c01, w, p, 1, out, o, ldo, u0);
        addTo(c02, w, p, 2, out, o, ldo, u0);
        addTo(c03, w, p, 3, out, o, ldo, u0);
        addTo(c10, w, p, 0, out, o + ldo, ldo, u0);
        addTo(c11, w, p, 1, out, o + ldo, ldo, u0);
        addTo(c12, w, p, 2, out, o + ldo, ldo, u0);
        addTo(c13, w, p, 3, out, o + ldo, ldo, u0);
    }

    private static void twoRowsThree(float[] a, int a0, int a1, PackedWeights w, int p, float[][] out, int o,
                                     int ldo, int u0) {
        float[] pw = w.data;
        int k = w.k;
        int base = p * k * 24;
        FloatVector c00 = FloatVector.zero(S);
        FloatVector c01 = c00;
        FloatVector c02 = c00;
        FloatVector c10 = c00;
        FloatVector c11 = c00;
        FloatVector c12 = c00;
        for (int kk = 0; kk < k; kk++) {
            int pk = base + kk * 24;
            FloatVector x0 = FloatVector.broadcast(S, a[a0 + kk]);
            FloatVector x1 = FloatVector.broadcast(S, a[a1 + kk]);
            FloatVector v = FloatVector.fromArray(S, pw, pk);
            c00 = x0.fma(v, c00);
            c10 = x1.fma(v, c10);
            v = FloatVector.fromArray(S, pw, pk + 8);
            c01 = x0.fma(v, c01);
            c11 = x1.fma(v, c11);
            v = FloatVector.fromArray(S, pw, pk + 16);
            c02 = x0.fma(v, c02);
            c12 = x1.fma(v, c12);
        }
        addTo(c00, w, p, 0, out, o, ldo, u0);
        addTo(c01, w, p, 1, out, o, ldo, u0);
        addTo(c02, w, p, 2, out, o, ldo, u0);
        addTo(c10, w, p, 0, out, o + ldo, ldo, u0);
        addTo(c11, w, p, 1, out, o + ldo, ldo, u0);
        addTo(c12, w, p, 2, out, o + ldo, ldo, u0);
    }

    /** One row, k unrolled twice (two sets of accumulators, summed at the end); 3 or 4 vectors. */
    private static void oneRow(float[] a, int a0, PackedWeights w, int p, float[][] out, int o, int ldo, int u0) {
        float[] pw = w.data;
        int k = w.k;
        int width = w.vectors * 8;
        boolean four = w.vectors == 4;
        int base = p * k * width;
        FloatVector c0 = FloatVector.zero(S);
        FloatVector c1 = c0;
        FloatVector c2 = c0;
        FloatVector c3 = c0;
        FloatVector d0 = c0;
        FloatVector d1 = c0;
        FloatVector d2 = c0;
        FloatVector d3 = c0;
        int kk = 0;
        for (; kk + 2 <= k; kk += 2) {
            int pk = base + kk * width;
            FloatVector x0 = FloatVector.broadcast(S, a[a0 + kk]);
            FloatVector x1 = FloatVector.broadcast(S, a[a0 + kk + 1]);
            c0 = x0.fma(FloatVector.fromArray(S, pw, pk), c0);
            c1 = x0.fma(FloatVector.fromArray(S, pw, pk + 8), c1);
            c2 = x0.fma(FloatVector.fromArray(S, pw, pk + 16), c2);
            d0 = x1.fma(FloatVector.fromArray(S, pw, pk + width), d0);
            d1 = x1.fma(FloatVector.fromArray(S, pw, pk + width + 8), d1);
            d2 = x1.fma(FloatVector.fromArray(S, pw, pk + width + 16), d2);
            if (four) {
                c3 = x0.fma(FloatVector.fromArray(S, pw, pk + 24), c3);
                d3 = x1.fma(FloatVector.fromArray(S, pw, pk + width + 24), d3);
            }
        }
        if (kk < k) {
            int pk = base + kk * width;
            FloatVector x0 = FloatVector.broadcast(S, a[a0 + kk]);
            c0 = x0.fma(FloatVector.fromArray(S, pw, pk), c0);
            c1 = x0.fma(FloatVector.fromArray(S, pw, pk + 8), c1);
            c2 = x0.fma(FloatVector.fromArray(S, pw, pk + 16), c2);
            if (four) {
                c3 = x0.fma(FloatVector.fromArray(S, pw, pk + 24), c3);
            }
        }
        addTo(c0.add(d0), w, p, 0, out, o, ldo, u0);
        addTo(c1.add(d1), w, p, 1, out, o, ldo, u0);
        addTo(c2.add(d2), w, p, 2, out, o, ldo, u0);
        if (four) {
            addTo(c3.add(d3), w, p, 3, out, o, ldo, u0);
        }
    }

    /**
     * Adds vector {@code v} of panel {@code p} into its gate's row at {@code o}: all 8 lanes when they are inside
     * the caller's block, else only those that are (the panel past the last unit).
     */
    private static void addTo(FloatVector acc, PackedWeights w, int p, int v, float[][] out, int o, int ldo,
                              int u0) {
        float[] dst = out[w.gateOf(v)];
        int col = w.unitOf(p, v) - u0;
        int at = o + col;
        if (col + 8 <= ldo) {
            FloatVector.fromArray(S, dst, at).add(acc).intoArray(dst, at);
        } else if (col < ldo) {
            float[] lanes = acc.toArray();
            for (int lane = 0; lane < ldo - col; lane++) {
                dst[at + lane] += lanes[lane];
            }
        }
    }
}
