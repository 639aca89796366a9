package dev.recur.cpu.internal;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link PackedGemm}'s kernel on the Vector API. Loaded only after {@link PackedGemm#vectorAvailable} has found
 * the {@code jdk.incubator.vector} module.
 *
 * <p>Two rows × one panel per inner loop for four vectors (LSTM, RNN: 8 accumulators), three rows for three
 * (GRU: 9 accumulators, where two rows had 6 FMA chains, too few to cover the FMA latency; GRU forward S2/S3
 * 0.8–0.96× the time, NOTES.md, sixth pass); one broadcast of each row's
 * {@code a[r, k]} and one load of each of the panel's vectors per k, so the loop is FMA-bound with the panel's
 * chunk in L1 (a probe on one AVX2 core at [32, 256] × [256, 1024]: 41–73 GFLOP/s from one JVM to the next on
 * the shared 2-vCPU machine, the range OpenBLAS's sgemm showed at the step shapes; NOTES.md). Wider tiles need
 * more registers than AVX2's sixteen: C2 issues all of an iteration's broadcasts and loads before its FMAs, so
 * 3 rows × 4 vectors and 6 rows × 2 vectors spilled accumulators to the stack (38 and 37 against 55–67 GFLOP/s,
 * read in the disassembly; NOTES.md). A row left over (odd row counts, B = 1) runs a one-row kernel over two
 * panels at a time, so it still has eight (six) independent FMA chains.
 *
 * <p>Each kernel writes its epilogue (the adds into the gate arrays) out in full instead of passing its
 * accumulators to a shared helper: a vector passed to a method that C2 does not inline is boxed on the heap, and
 * C2 refuses to inline once a method's Vector API nodes pass its budget (NodeCountInliningCutoff; a fused cell
 * in the epilogue ran 6–8× slower for that reason, NOTES.md, fifth pass). Only {@link #add}, one load, add and
 * store, is small enough to share.
 */
final class VectorGemm {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_256;

    /** Steps of k per pass over the row pairs: a panel's chunk is 16 KB (4 vectors) and stays in L1. */
    static final int K_CHUNK = 128;

    private VectorGemm() {
    }

    /** Whether 8-lane float vectors are native here (AVX2 or better). */
    static boolean supported() {
        return S.length() == PackedWeights.LANES
                && FloatVector.SPECIES_PREFERRED.vectorBitSize() >= S.vectorBitSize();
    }

    /** See {@link PackedGemm#multiplyAdd}. */
    static void multiplyAdd(float[] a, int aOff, int lda, int rows, PackedWeights w, int p0, int p1, float[][] out,
                            int ldo, int u0) {
        // Three vectors (GRU) take rows in threes first: nine FMA chains instead of six. When one row would be left
        // (rows = 3t + 1), the last four go as two pairs: a lone row costs about as much as a pair.
        int threes = rows % 3 == 1 && rows >= 4 ? rows / 3 - 1 : rows / 3;
        int triples = w.vectors == 3 ? 3 * threes : 0;
        int pairs = triples + ((rows - triples) & ~1);
        for (int p = p0; p < p1 && pairs > 0; p++) {
            // k in chunks, so that the chunk of the panel stays in L1 while every row pair reads it (a whole panel,
            // 32 KB at k = 256, would be read from L2 or L3 once per row pair).
            for (int k0 = 0; k0 < w.k; k0 += K_CHUNK) {
                int k1 = Math.min(w.k, k0 + K_CHUNK);
                if (w.vectors == 4) {
                    for (int r = 0; r < pairs; r += 2) {
                        twoRowsFour(a, aOff + r * lda, aOff + (r + 1) * lda, k0, k1, w, p, out, r * ldo, ldo, u0);
                    }
                } else {
                    for (int r = 0; r < triples; r += 3) {
                        threeRowsThree(a, aOff + r * lda, lda, k0, k1, w, p, out, r * ldo, ldo, u0);
                    }
                    for (int r = triples; r < pairs; r += 2) {
                        twoRowsThree(a, aOff + r * lda, aOff + (r + 1) * lda, k0, k1, w, p, out, r * ldo, ldo, u0);
                    }
                }
            }
        }
        if (pairs < rows) {
            // The row left over (odd row counts, B = 1): two panels per pass, so it has 8 (6) independent FMA chains
            // in a plain counted loop; a last odd panel alone.
            int r = pairs;
            int p = p0;
            for (; p + 2 <= p1; p += 2) {
                if (w.vectors == 4) {
                    oneRowTwoPanelsFour(a, aOff + r * lda, w, p, out, r * ldo, ldo, u0);
                } else {
                    oneRowTwoPanelsThree(a, aOff + r * lda, w, p, out, r * ldo, ldo, u0);
                }
            }
            if (p < p1) {
                if (w.vectors == 4) {
                    oneRowFour(a, aOff + r * lda, w, p, out, r * ldo, ldo, u0);
                } else {
                    oneRowThree(a, aOff + r * lda, w, p, out, r * ldo, ldo, u0);
                }
            }
        }
    }

    private static void twoRowsFour(float[] a, int a0, int a1, int k0, int k1, PackedWeights w, int p,
                                    float[][] out, int o, int ldo, int u0) {
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
        for (int kk = k0; kk < k1; kk++) {
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
        if (w.unitOf(p, w.vectors - 1) + 8 - u0 <= ldo) {
            add(c00, out[w.gateOf(0)], o + w.unitOf(p, 0) - u0);
            add(c01, out[w.gateOf(1)], o + w.unitOf(p, 1) - u0);
            add(c02, out[w.gateOf(2)], o + w.unitOf(p, 2) - u0);
            add(c03, out[w.gateOf(3)], o + w.unitOf(p, 3) - u0);
            add(c10, out[w.gateOf(0)], o + ldo + w.unitOf(p, 0) - u0);
            add(c11, out[w.gateOf(1)], o + ldo + w.unitOf(p, 1) - u0);
            add(c12, out[w.gateOf(2)], o + ldo + w.unitOf(p, 2) - u0);
            add(c13, out[w.gateOf(3)], o + ldo + w.unitOf(p, 3) - u0);
        } else {
            addPartial(c00.toArray(), w, p, 0, out, o, ldo, u0);
            addPartial(c01.toArray(), w, p, 1, out, o, ldo, u0);
            addPartial(c02.toArray(), w, p, 2, out, o, ldo, u0);
            addPartial(c03.toArray(), w, p, 3, out, o, ldo, u0);
            addPartial(c10.toArray(), w, p, 0, out, o + ldo, ldo, u0);
            addPartial(c11.toArray(), w, p, 1, out, o + ldo, ldo, u0);
            addPartial(c12.toArray(), w, p, 2, out, o + ldo, ldo, u0);
            addPartial(c13.toArray(), w, p, 3, out, o + ldo, ldo, u0);
        }
    }

    /**
     * Three rows × one panel of three vectors (GRU): nine accumulators, so nine independent FMA chains where two
     * rows have six (an FMA's latency times two FMA ports needs eight to ten to keep the ports busy); three
     * broadcasts and three loads per nine FMAs.
     */
    private static void threeRowsThree(float[] a, int a0, int lda, int k0, int k1, PackedWeights w, int p,
                                       float[][] out, int o, int ldo, int u0) {
        float[] pw = w.data;
        int k = w.k;
        int base = p * k * 24;
        int a1 = a0 + lda;
        int a2 = a1 + lda;
        FloatVector c00 = FloatVector.zero(S);
        FloatVector c01 = c00;
        FloatVector c02 = c00;
        FloatVector c10 = c00;
        FloatVector c11 = c00;
        FloatVector c12 = c00;
        FloatVector c20 = c00;
        FloatVector c21 = c00;
        FloatVector c22 = c00;
        for (int kk = k0; kk < k1; kk++) {
            int pk = base + kk * 24;
            FloatVector x0 = FloatVector.broadcast(S, a[a0 + kk]);
            FloatVector x1 = FloatVector.broadcast(S, a[a1 + kk]);
            FloatVector x2 = FloatVector.broadcast(S, a[a2 + kk]);
            FloatVector v = FloatVector.fromArray(S, pw, pk);
            c00 = x0.fma(v, c00);
            c10 = x1.fma(v, c10);
            c20 = x2.fma(v, c20);
            v = FloatVector.fromArray(S, pw, pk + 8);
            c01 = x0.fma(v, c01);
            c11 = x1.fma(v, c11);
            c21 = x2.fma(v, c21);
            v = FloatVector.fromArray(S, pw, pk + 16);
            c02 = x0.fma(v, c02);
            c12 = x1.fma(v, c12);
            c22 = x2.fma(v, c22);
        }
        if (w.unitOf(p, w.vectors - 1) + 8 - u0 <= ldo) {
            add(c00, out[w.gateOf(0)], o + w.unitOf(p, 0) - u0);
            add(c01, out[w.gateOf(1)], o + w.unitOf(p, 1) - u0);
            add(c02, out[w.gateOf(2)], o + w.unitOf(p, 2) - u0);
            add(c10, out[w.gateOf(0)], o + ldo + w.unitOf(p, 0) - u0);
            add(c11, out[w.gateOf(1)], o + ldo + w.unitOf(p, 1) - u0);
            add(c12, out[w.gateOf(2)], o + ldo + w.unitOf(p, 2) - u0);
            add(c20, out[w.gateOf(0)], o + 2 * ldo + w.unitOf(p, 0) - u0);
            add(c21, out[w.gateOf(1)], o + 2 * ldo + w.unitOf(p, 1) - u0);
            add(c22, out[w.gateOf(2)], o + 2 * ldo + w.unitOf(p, 2) - u0);
        } else {
            addPartial(c00.toArray(), w, p, 0, out, o, ldo, u0);
            addPartial(c01.toArray(), w, p, 1, out, o, ldo, u0);
            addPartial(c02.toArray(), w, p, 2, out, o, ldo, u0);
            addPartial(c10.toArray(), w, p, 0, out, o + ldo, ldo, u0);
            addPartial(c11.toArray(), w, p, 1, out, o + ldo, ldo, u0);
            addPartial(c12.toArray(), w, p, 2, out, o + ldo, ldo, u0);
            addPartial(c20.toArray(), w, p, 0, out, o + 2 * ldo, ldo, u0);
            addPartial(c21.toArray(), w, p, 1, out, o + 2 * ldo, ldo, u0);
            addPartial(c22.toArray(), w, p, 2, out, o + 2 * ldo, ldo, u0);
        }
    }

    private static void twoRowsThree(float[] a, int a0, int a1, int k0, int k1, PackedWeights w, int p,
                                     float[][] out, int o, int ldo, int u0) {
        float[] pw = w.data;
        int k = w.k;
        int base = p * k * 24;
        FloatVector c00 = FloatVector.zero(S);
        FloatVector c01 = c00;
        FloatVector c02 = c00;
        FloatVector c10 = c00;
        FloatVector c11 = c00;
        FloatVector c12 = c00;
        for (int kk = k0; kk < k1; kk++) {
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
        if (w.unitOf(p, w.vectors - 1) + 8 - u0 <= ldo) {
            add(c00, out[w.gateOf(0)], o + w.unitOf(p, 0) - u0);
            add(c01, out[w.gateOf(1)], o + w.unitOf(p, 1) - u0);
            add(c02, out[w.gateOf(2)], o + w.unitOf(p, 2) - u0);
            add(c10, out[w.gateOf(0)], o + ldo + w.unitOf(p, 0) - u0);
            add(c11, out[w.gateOf(1)], o + ldo + w.unitOf(p, 1) - u0);
            add(c12, out[w.gateOf(2)], o + ldo + w.unitOf(p, 2) - u0);
        } else {
            addPartial(c00.toArray(), w, p, 0, out, o, ldo, u0);
            addPartial(c01.toArray(), w, p, 1, out, o, ldo, u0);
            addPartial(c02.toArray(), w, p, 2, out, o, ldo, u0);
            addPartial(c10.toArray(), w, p, 0, out, o + ldo, ldo, u0);
            addPartial(c11.toArray(), w, p, 1, out, o + ldo, ldo, u0);
            addPartial(c12.toArray(), w, p, 2, out, o + ldo, ldo, u0);
        }
    }

    /**
     * One row × panels {@code p} and {@code p + 1}, four vectors each: one broadcast of {@code a[r, k]} feeds eight
     * FMAs per k. At B = 1 the loop streams the panels from L2 (measured: 1.3-1.4× the one-panel kernel with k
     * unrolled twice, whose index arithmetic kept C2's range checks inside the loop).
     */
    private static void oneRowTwoPanelsFour(float[] a, int a0, PackedWeights w, int p, float[][] out, int o,
                                            int ldo, int u0) {
        float[] pw = w.data;
        int k = w.k;
        int base = p * k * 32;
        int next = base + k * 32;
        FloatVector c0 = FloatVector.zero(S);
        FloatVector c1 = c0;
        FloatVector c2 = c0;
        FloatVector c3 = c0;
        FloatVector d0 = c0;
        FloatVector d1 = c0;
        FloatVector d2 = c0;
        FloatVector d3 = c0;
        for (int kk = 0; kk < k; kk++) {
            FloatVector x = FloatVector.broadcast(S, a[a0 + kk]);
            int pk = base + kk * 32;
            int qk = next + kk * 32;
            c0 = x.fma(FloatVector.fromArray(S, pw, pk), c0);
            c1 = x.fma(FloatVector.fromArray(S, pw, pk + 8), c1);
            c2 = x.fma(FloatVector.fromArray(S, pw, pk + 16), c2);
            c3 = x.fma(FloatVector.fromArray(S, pw, pk + 24), c3);
            d0 = x.fma(FloatVector.fromArray(S, pw, qk), d0);
            d1 = x.fma(FloatVector.fromArray(S, pw, qk + 8), d1);
            d2 = x.fma(FloatVector.fromArray(S, pw, qk + 16), d2);
            d3 = x.fma(FloatVector.fromArray(S, pw, qk + 24), d3);
        }
        // Panel p is whole (only the last panel of a block can be partial).
        add(c0, out[w.gateOf(0)], o + w.unitOf(p, 0) - u0);
        add(c1, out[w.gateOf(1)], o + w.unitOf(p, 1) - u0);
        add(c2, out[w.gateOf(2)], o + w.unitOf(p, 2) - u0);
        add(c3, out[w.gateOf(3)], o + w.unitOf(p, 3) - u0);
        int q = p + 1;
        if (w.unitOf(q, w.vectors - 1) + 8 - u0 <= ldo) {
            add(d0, out[w.gateOf(0)], o + w.unitOf(q, 0) - u0);
            add(d1, out[w.gateOf(1)], o + w.unitOf(q, 1) - u0);
            add(d2, out[w.gateOf(2)], o + w.unitOf(q, 2) - u0);
            add(d3, out[w.gateOf(3)], o + w.unitOf(q, 3) - u0);
        } else {
            addPartial(d0.toArray(), w, q, 0, out, o, ldo, u0);
            addPartial(d1.toArray(), w, q, 1, out, o, ldo, u0);
            addPartial(d2.toArray(), w, q, 2, out, o, ldo, u0);
            addPartial(d3.toArray(), w, q, 3, out, o, ldo, u0);
        }
    }

    /** {@link #oneRowTwoPanelsFour} for three vectors per panel (GRU): six FMA chains. */
    private static void oneRowTwoPanelsThree(float[] a, int a0, PackedWeights w, int p, float[][] out, int o,
                                             int ldo, int u0) {
        float[] pw = w.data;
        int k = w.k;
        int base = p * k * 24;
        int next = base + k * 24;
        FloatVector c0 = FloatVector.zero(S);
        FloatVector c1 = c0;
        FloatVector c2 = c0;
        FloatVector d0 = c0;
        FloatVector d1 = c0;
        FloatVector d2 = c0;
        for (int kk = 0; kk < k; kk++) {
            FloatVector x = FloatVector.broadcast(S, a[a0 + kk]);
            int pk = base + kk * 24;
            int qk = next + kk * 24;
            c0 = x.fma(FloatVector.fromArray(S, pw, pk), c0);
            c1 = x.fma(FloatVector.fromArray(S, pw, pk + 8), c1);
            c2 = x.fma(FloatVector.fromArray(S, pw, pk + 16), c2);
            d0 = x.fma(FloatVector.fromArray(S, pw, qk), d0);
            d1 = x.fma(FloatVector.fromArray(S, pw, qk + 8), d1);
            d2 = x.fma(FloatVector.fromArray(S, pw, qk + 16), d2);
        }
        add(c0, out[w.gateOf(0)], o + w.unitOf(p, 0) - u0);
        add(c1, out[w.gateOf(1)], o + w.unitOf(p, 1) - u0);
        add(c2, out[w.gateOf(2)], o + w.unitOf(p, 2) - u0);
        int q = p + 1;
        if (w.unitOf(q, w.vectors - 1) + 8 - u0 <= ldo) {
            add(d0, out[w.gateOf(0)], o + w.unitOf(q, 0) - u0);
            add(d1, out[w.gateOf(1)], o + w.unitOf(q, 1) - u0);
            add(d2, out[w.gateOf(2)], o + w.unitOf(q, 2) - u0);
        } else {
            addPartial(d0.toArray(), w, q, 0, out, o, ldo, u0);
            addPartial(d1.toArray(), w, q, 1, out, o, ldo, u0);
            addPartial(d2.toArray(), w, q, 2, out, o, ldo, u0);
        }
    }

    /**
     * One row, one panel (the last of an odd count), four vectors, k unrolled twice (two sets of accumulators,
     * summed at the end). A method per vector count, so no lane work depends on a branch.
     */
    private static void oneRowFour(float[] a, int a0, PackedWeights w, int p, float[][] out, int o, int ldo,
                                   int u0) {
        float[] pw = w.data;
        int k = w.k;
        int base = p * k * 32;
        FloatVector c0 = FloatVector.zero(S);
        FloatVector c1 = c0;
        FloatVector c2 = c0;
        FloatVector c3 = c0;
        FloatVector d0 = c0;
        FloatVector d1 = c0;
        FloatVector d2 = c0;
        FloatVector d3 = c0;
        int pairs = k / 2;
        for (int j = 0; j < pairs; j++) {
            int kk = 2 * j;
            int pk = base + kk * 32;
            FloatVector x0 = FloatVector.broadcast(S, a[a0 + kk]);
            FloatVector x1 = FloatVector.broadcast(S, a[a0 + kk + 1]);
            c0 = x0.fma(FloatVector.fromArray(S, pw, pk), c0);
            c1 = x0.fma(FloatVector.fromArray(S, pw, pk + 8), c1);
            c2 = x0.fma(FloatVector.fromArray(S, pw, pk + 16), c2);
            c3 = x0.fma(FloatVector.fromArray(S, pw, pk + 24), c3);
            d0 = x1.fma(FloatVector.fromArray(S, pw, pk + 32), d0);
            d1 = x1.fma(FloatVector.fromArray(S, pw, pk + 40), d1);
            d2 = x1.fma(FloatVector.fromArray(S, pw, pk + 48), d2);
            d3 = x1.fma(FloatVector.fromArray(S, pw, pk + 56), d3);
        }
        c0 = c0.add(d0);
        c1 = c1.add(d1);
        c2 = c2.add(d2);
        c3 = c3.add(d3);
        if ((k & 1) != 0) {
            int pk = base + (k - 1) * 32;
            FloatVector x0 = FloatVector.broadcast(S, a[a0 + k - 1]);
            c0 = x0.fma(FloatVector.fromArray(S, pw, pk), c0);
            c1 = x0.fma(FloatVector.fromArray(S, pw, pk + 8), c1);
            c2 = x0.fma(FloatVector.fromArray(S, pw, pk + 16), c2);
            c3 = x0.fma(FloatVector.fromArray(S, pw, pk + 24), c3);
        }
        if (w.unitOf(p, w.vectors - 1) + 8 - u0 <= ldo) {
            add(c0, out[w.gateOf(0)], o + w.unitOf(p, 0) - u0);
            add(c1, out[w.gateOf(1)], o + w.unitOf(p, 1) - u0);
            add(c2, out[w.gateOf(2)], o + w.unitOf(p, 2) - u0);
            add(c3, out[w.gateOf(3)], o + w.unitOf(p, 3) - u0);
        } else {
            addPartial(c0.toArray(), w, p, 0, out, o, ldo, u0);
            addPartial(c1.toArray(), w, p, 1, out, o, ldo, u0);
            addPartial(c2.toArray(), w, p, 2, out, o, ldo, u0);
            addPartial(c3.toArray(), w, p, 3, out, o, ldo, u0);
        }
    }

    /** {@link #oneRowFour} for three vectors. */
    private static void oneRowThree(float[] a, int a0, PackedWeights w, int p, float[][] out, int o, int ldo,
                                    int u0) {
        float[] pw = w.data;
        int k = w.k;
        int base = p * k * 24;
        FloatVector c0 = FloatVector.zero(S);
        FloatVector c1 = c0;
        FloatVector c2 = c0;
        FloatVector d0 = c0;
        FloatVector d1 = c0;
        FloatVector d2 = c0;
        int pairs = k / 2;
        for (int j = 0; j < pairs; j++) {
            int kk = 2 * j;
            int pk = base + kk * 24;
            FloatVector x0 = FloatVector.broadcast(S, a[a0 + kk]);
            FloatVector x1 = FloatVector.broadcast(S, a[a0 + kk + 1]);
            c0 = x0.fma(FloatVector.fromArray(S, pw, pk), c0);
            c1 = x0.fma(FloatVector.fromArray(S, pw, pk + 8), c1);
            c2 = x0.fma(FloatVector.fromArray(S, pw, pk + 16), c2);
            d0 = x1.fma(FloatVector.fromArray(S, pw, pk + 24), d0);
            d1 = x1.fma(FloatVector.fromArray(S, pw, pk + 32), d1);
            d2 = x1.fma(FloatVector.fromArray(S, pw, pk + 40), d2);
        }
        c0 = c0.add(d0);
        c1 = c1.add(d1);
        c2 = c2.add(d2);
        if ((k & 1) != 0) {
            int pk = base + (k - 1) * 24;
            FloatVector x0 = FloatVector.broadcast(S, a[a0 + k - 1]);
            c0 = x0.fma(FloatVector.fromArray(S, pw, pk), c0);
            c1 = x0.fma(FloatVector.fromArray(S, pw, pk + 8), c1);
            c2 = x0.fma(FloatVector.fromArray(S, pw, pk + 16), c2);
        }
        if (w.unitOf(p, w.vectors - 1) + 8 - u0 <= ldo) {
            add(c0, out[w.gateOf(0)], o + w.unitOf(p, 0) - u0);
            add(c1, out[w.gateOf(1)], o + w.unitOf(p, 1) - u0);
            add(c2, out[w.gateOf(2)], o + w.unitOf(p, 2) - u0);
        } else {
            addPartial(c0.toArray(), w, p, 0, out, o, ldo, u0);
            addPartial(c1.toArray(), w, p, 1, out, o, ldo, u0);
            addPartial(c2.toArray(), w, p, 2, out, o, ldo, u0);
        }
    }

    /** {@code dst[at, at+8) += acc}: the whole vector lies inside the caller's block. Small, so C2 inlines it. */
    private static void add(FloatVector acc, float[] dst, int at) {
        FloatVector.fromArray(S, dst, at).add(acc).intoArray(dst, at);
    }

    /**
     * Adds the lanes of vector {@code v} of panel {@code p} that lie inside the caller's block (the panel past the
     * last unit) into its gate's row at {@code o}. Takes the lanes as an array: a vector passed to a method that
     * is not inlined is boxed on the heap.
     */
    private static void addPartial(float[] lanes, PackedWeights w, int p, int v, float[][] out, int o, int ldo,
                                   int u0) {
        float[] dst = out[w.gateOf(v)];
        int col = w.unitOf(p, v) - u0;
        for (int lane = 0; lane < Math.min(8, ldo - col); lane++) {
            dst[o + col + lane] += lanes[lane];
        }
    }
}
