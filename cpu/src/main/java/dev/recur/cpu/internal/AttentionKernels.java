package dev.recur.cpu.internal;

import dev.recur.backend.AttentionMask;
import dev.recur.backend.Backend;
import dev.recur.cpu.CpuTensor;
import dev.recur.tensor.DType;
import java.nio.FloatBuffer;

/**
 * Scaled-dot-product attention of NH heads on the CPU, one {@code (b, h)} pair at a time:
 * <pre>
 *   q [B, Tq, NH*Dh], k, v [B, S, NH*Dh]; head h owns features h*Dh:(h+1)*Dh; scale = 1/sqrt(Dh)
 *   P    = scale * q_h k_h^T + mask            [Tq, S]   (masked → -inf)
 *   A    = softmax over j of P                 [Tq, S]
 *   lse  = max_j P + log Σ_j e^(P - max)       [Tq]      (saved as logSumExp [B, NH, Tq])
 *   out_h = A v_h                              [Tq, Dh]
 * </pre>
 * The head slices are strided views of the row-major tensors (base offset {@code h*Dh}, leading dimension
 * {@code NH*Dh}), which BLAS takes as they are, so the three GEMMs per pair copy nothing. The only
 * workspace is one or two {@code [Tq, S]} blocks per call, reused across pairs; the mask is expanded once
 * per batch row into a {@code boolean [Tq, S]} shared by the heads. Softmax sums are accumulated in double.
 * Backward recomputes A from the saved lse instead of keeping {@code [B, NH, Tq, S]}.
 */
public final class AttentionKernels {
    private AttentionKernels() {
    }

    /**
     * Forward: writes {@code out [B, Tq, NH*Dh]}, and {@code logSumExp [B, NH, Tq]} and
     * {@code avgWeights [B, Tq, S] = Σ_h A / NH} when they are not null.
     *
     * @param backend allocates the {@code [Tq, S]} workspace
     * @param team    shares the batch rows between its threads (each row's heads on one thread, its GEMMs on one
     *                OpenBLAS thread) when the work is large enough; null for the calling thread only
     */
    public static void forward(Backend backend, StepTeam team, CpuTensor q, CpuTensor k, CpuTensor v, int heads,
                               AttentionMask mask, CpuTensor out, CpuTensor logSumExp, CpuTensor avgWeights) {
        int batch = q.dim(0);
        int tq = q.dim(1);
        int width = q.dim(2);
        int s = k.dim(1);
        int dh = width / heads;
        assert width == heads * dh && k.hasShape(batch, s, width) && v.hasShape(batch, s, width)
                && out.hasShape(batch, tq, width);
        assert logSumExp == null || logSumExp.hasShape(batch, heads, tq);
        assert avgWeights == null || avgWeights.hasShape(batch, tq, s);
        FloatBuffer avg = avgWeights == null ? null : avgWeights.floats();
        if (avg != null) {
            zero(avg, avgWeights.offset(), batch * tq * s);
        }
        if (tq == 0 || dh == 0) {
            zero(out.floats(), out.offset(), batch * tq * width);
            return;
        }
        boolean vector = PackedGemm.vectorInUse();
        double flops = 4.0 * batch * heads * tq * s * dh;
        int parties = team == null || flops < Blas.SINGLE_THREAD_FLOPS ? 1 : Math.min(team.parties(), batch);
        if (parties == 1) {
            forwardRows(backend, 0, batch, q, k, v, heads, mask, out, logSumExp, avgWeights, vector, false);
            return;
        }
        // Batch rows, not heads, per thread: avgWeights sums over the heads of a row.
        team.run(parties, (party, barrier) -> forwardRows(backend, party * batch / parties,
                (party + 1) * batch / parties, q, k, v, heads, mask, out, logSumExp, avgWeights, vector, true));
    }

    /**
     * {@link #forward} for batch rows {@code [b0, b1)} on the calling thread; {@code split}: other threads run the
     * other rows, so each GEMM stays on one OpenBLAS thread (else OpenBLAS may thread a large one).
     */
    private static void forwardRows(Backend backend, int b0, int b1, CpuTensor q, CpuTensor k, CpuTensor v,
                                    int heads, AttentionMask mask, CpuTensor out, CpuTensor logSumExp,
                                    CpuTensor avgWeights, boolean vector, boolean split) {
        int tq = q.dim(1);
        int width = q.dim(2);
        int s = k.dim(1);
        int dh = width / heads;
        FloatBuffer avg = avgWeights == null ? null : avgWeights.floats();
        float scale = (float) (1.0 / Math.sqrt(dh));
        float invHeads = 1f / heads;
        boolean[] barred = new boolean[tq * s];
        float[] a = new float[s];
        try (CpuTensor work = (CpuTensor) backend.empty(DType.F32, tq, s)) { // the P GEMM writes it (beta = 0)
            FloatBuffer w = work.floats();
            int wo = work.offset();
            long wAddr = work.address();
            FloatBuffer lse = logSumExp == null ? null : logSumExp.floats();
            for (int b = b0; b < b1; b++) {
                boolean anyMasked = expandMask(mask, b, tq, s, barred);
                for (int h = 0; h < heads; h++) {
                    long qAddr = q.address() + 4L * ((long) b * tq * width + (long) h * dh);
                    long kAddr = k.address() + 4L * ((long) b * s * width + (long) h * dh);
                    long vAddr = v.address() + 4L * ((long) b * s * width + (long) h * dh);
                    long oAddr = out.address() + 4L * ((long) b * tq * width + (long) h * dh);
                    // P = scale * q_h k_h^T
                    gemm(split, false, true, tq, s, dh, scale, qAddr, width, kAddr, width, wAddr, s);
                    for (int i = 0; i < tq; i++) {
                        int row = wo + i * s;
                        int mrow = i * s;
                        // A = softmax(P + mask), stable: subtract the row max; the row on the heap, so that the
                        // loops run over float[] (exp on the Vector API when it is in use).
                        w.get(row, a);
                        float max = Float.NEGATIVE_INFINITY;
                        for (int j = 0; j < s; j++) {
                            if (!(anyMasked && barred[mrow + j])) {
                                max = Math.max(max, a[j]);
                            }
                        }
                        expShifted(vector, a, s, max);
                        double sum = 0;
                        for (int j = 0; j < s; j++) {
                            if (anyMasked && barred[mrow + j]) {
                                a[j] = 0f; // exp of a barred score (which may exceed max) is dropped
                            }
                            sum += a[j];
                        }
                        float inv = (float) (1.0 / sum);
                        for (int j = 0; j < s; j++) {
                            a[j] *= inv;
                        }
                        w.put(row, a);
                        if (lse != null) {
                            lse.put(logSumExp.offset() + (b * heads + h) * tq + i, (float) (max + Math.log(sum)));
                        }
                        if (avg != null) {
                            int arow = avgWeights.offset() + (b * tq + i) * s;
                            for (int j = 0; j < s; j++) {
                                avg.put(arow + j, avg.get(arow + j) + w.get(row + j) * invHeads);
                            }
                        }
                    }
                    // out_h = A v_h
                    gemm(split, false, false, tq, dh, s, 1f, wAddr, s, vAddr, width, oAddr, width);
                }
            }
        }
    }

    /**
     * Backward of {@link #forward}, per {@code (b, h)}: writes {@code dq, dk, dv} (shapes of q, k, v).
     * <pre>
     *   A   = exp(scale * q_h k_h^T - lse), masked → 0        (recomputed; forward: A = softmax(P))
     *   dA  = dOut_h v_h^T + dAvgWeights[b] / NH             (forward: out_h = A v_h; avg += A / NH)
     *   dv_h = A^T dOut_h                                    (forward: out_h = A v_h)
     *   D_i = Σ_j dA_ij A_ij;  dP = A ∘ (dA - D)             (forward: A = softmax(P))
     *   dq_h = scale * dP k_h;  dk_h = scale * dP^T q_h      (forward: P = scale * q_h k_h^T)
     * </pre>
     * {@code out} is not read (D is computed from dA and A directly, which also covers dAvgWeights).
     *
     * @param dAvgWeights {@code [B, Tq, S]} or null
     */
    public static void backward(Backend backend, CpuTensor q, CpuTensor k, CpuTensor v, int heads,
                                AttentionMask mask, CpuTensor logSumExp, CpuTensor dOut, CpuTensor dAvgWeights,
                                CpuTensor dq, CpuTensor dk, CpuTensor dv) {
        int batch = q.dim(0);
        int tq = q.dim(1);
        int width = q.dim(2);
        int s = k.dim(1);
        int dh = width / heads;
        assert width == heads * dh && k.hasShape(batch, s, width) && v.hasShape(batch, s, width);
        assert dOut.hasShape(batch, tq, width) && logSumExp.hasShape(batch, heads, tq);
        assert dq.hasShape(batch, tq, width) && dk.hasShape(batch, s, width) && dv.hasShape(batch, s, width);
        assert dAvgWeights == null || dAvgWeights.hasShape(batch, tq, s);
        if (tq == 0 || s == 0 || dh == 0) {
            zero(dq.floats(), dq.offset(), batch * tq * width);
            zero(dk.floats(), dk.offset(), batch * s * width);
            zero(dv.floats(), dv.offset(), batch * s * width);
            return;
        }
        float scale = (float) (1.0 / Math.sqrt(dh));
        float invHeads = 1f / heads;
        boolean[] barred = new boolean[tq * s];
        FloatBuffer lse = logSumExp.floats();
        FloatBuffer dAvg = dAvgWeights == null ? null : dAvgWeights.floats();
        float[] pRow = new float[s];
        float[] gRow = new float[s];
        boolean vector = PackedGemm.vectorInUse();
        try (CpuTensor aWork = (CpuTensor) backend.empty(DType.F32, tq, s); // both written by GEMMs, beta = 0
             CpuTensor dWork = (CpuTensor) backend.empty(DType.F32, tq, s)) {
            FloatBuffer a = aWork.floats();
            FloatBuffer d = dWork.floats();
            int ao = aWork.offset();
            int dOff = dWork.offset();
            long aAddr = aWork.address();
            long dAddr = dWork.address();
            for (int b = 0; b < batch; b++) {
                boolean anyMasked = expandMask(mask, b, tq, s, barred);
                for (int h = 0; h < heads; h++) {
                    long qHead = 4L * ((long) b * tq * width + (long) h * dh);
                    long kvHead = 4L * ((long) b * s * width + (long) h * dh);
                    long qAddr = q.address() + qHead;
                    long kAddr = k.address() + kvHead;
                    long vAddr = v.address() + kvHead;
                    long doAddr = dOut.address() + qHead;
                    // P = scale * q_h k_h^T, then A = exp(P - lse) (0 where masked)
                    Blas.sgemm(false, true, tq, s, dh, scale, qAddr, width, kAddr, width, 0f, aAddr, s);
                    // dA = dOut_h v_h^T
                    Blas.sgemm(false, true, tq, s, dh, 1f, doAddr, width, vAddr, width, 0f, dAddr, s);
                    for (int i = 0; i < tq; i++) {
                        int ar = ao + i * s;
                        int dr = dOff + i * s;
                        int mrow = i * s;
                        float l = lse.get(logSumExp.offset() + (b * heads + h) * tq + i);
                        int gr = dAvg == null ? 0 : dAvgWeights.offset() + (b * tq + i) * s;
                        // The rows on the heap, so that the loops run over float[] (exp on the Vector API when it
                        // is in use).
                        a.get(ar, pRow);
                        d.get(dr, gRow);
                        expShifted(vector, pRow, s, l);
                        double dsum = 0;
                        for (int j = 0; j < s; j++) {
                            if (anyMasked && barred[mrow + j]) {
                                pRow[j] = 0f;
                            }
                            float g = gRow[j];
                            if (dAvg != null) {
                                // avgWeights[b] += A / NH
                                g += dAvg.get(gr + j) * invHeads;
                            }
                            gRow[j] = g;
                            dsum += (double) g * pRow[j];
                        }
                        // A = softmax(P): dP = A ∘ (dA - Σ_j dA A)
                        float dd = (float) dsum;
                        for (int j = 0; j < s; j++) {
                            gRow[j] = pRow[j] * (gRow[j] - dd);
                        }
                        a.put(ar, pRow);
                        d.put(dr, gRow);
                    }
                    // out_h = A v_h  →  dv_h = A^T dOut_h
                    Blas.sgemm(true, false, s, dh, tq, 1f, aAddr, s, doAddr, width, 0f, dv.address() + kvHead, width);
                    // P = scale * q_h k_h^T  →  dq_h = scale * dP k_h, dk_h = scale * dP^T q_h
                    Blas.sgemm(false, false, tq, dh, s, scale, dAddr, s, kAddr, width, 0f, dq.address() + qHead,
                            width);
                    Blas.sgemm(true, false, s, dh, tq, scale, dAddr, s, qAddr, width, 0f, dk.address() + kvHead,
                            width);
                }
            }
        }
    }

    /**
     * Fills {@code barred [Tq, S]} with {@code mask.masked(b, i, j, Tq, S)} for batch row b; returns whether
     * any entry is masked (false lets the softmax skip the lookups).
     */
    private static boolean expandMask(AttentionMask mask, int b, int tq, int s, boolean[] barred) {
        if (mask == null || (!mask.causal() && mask.attn() == null && mask.keyPadding() == null)) {
            return false;
        }
        boolean any = false;
        for (int i = 0; i < tq; i++) {
            for (int j = 0; j < s; j++) {
                boolean m = mask.masked(b, i, j, tq, s);
                barred[i * s + j] = m;
                any |= m;
            }
        }
        return any;
    }

    /**
     * {@code a[j] = exp(a[j] - shift)} for {@code j < n}: on the Vector API when {@code vector} (it is in use), else
     * the scalar {@link FastMath#exp}.
     */
    private static void expShifted(boolean vector, float[] a, int n, float shift) {
        if (vector) {
            VectorMath.expShifted(a, n, shift);
            return;
        }
        for (int j = 0; j < n; j++) {
            a[j] = FastMath.exp(a[j] - shift);
        }
    }

    /** {@code C = alpha op(A) op(B)}: on one OpenBLAS thread when {@code split}, else as OpenBLAS chooses. */
    private static void gemm(boolean split, boolean transA, boolean transB, int m, int n, int k, float alpha, long a,
                             int lda, long b, int ldb, long c, int ldc) {
        if (split) {
            Blas.sgemm1(transA, transB, m, n, k, alpha, a, lda, b, ldb, 0f, c, ldc);
        } else {
            Blas.sgemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, 0f, c, ldc);
        }
    }

    private static void zero(FloatBuffer f, int off, int n) {
        for (int i = 0; i < n; i++) {
            f.put(off + i, 0f);
        }
    }
}
