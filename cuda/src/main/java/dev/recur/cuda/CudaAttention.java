package dev.recur.cuda;

import dev.recur.backend.AttentionMask;
import dev.recur.tensor.DType;

/**
 * Scaled-dot-product attention on the device ({@link dev.recur.backend.Backend#attentionForward}):
 * <pre>
 *   q [B, Tq, NH*Dh], k, v [B, S, NH*Dh]; head h owns features h*Dh:(h+1)*Dh; scale = 1/sqrt(Dh)
 *   P = scale q_h k_h^T + mask;  A = softmax_j P;  out_h = A v_h;  lse [B, NH, Tq] = log sum_j e^P
 * </pre>
 * Forward is one fused kernel ({@code attn_fwd}: tiles of keys through shared memory, online softmax, never
 * materialising {@code [Tq, S]}); the head-averaged weights, when asked for, are recomputed from the saved lse by
 * a second kernel. Backward is composed, per batch row: two strided-batched GEMMs over the heads for P and
 * {@code dA = dOut_h v_h^T}, one kernel for {@code A = e^(P - lse)}, {@code dP = A (dA - sum_j dA A)}, and three
 * strided-batched GEMMs for dv, dq, dk — the same math as the cpu backend's AttentionKernels. Callers hold the
 * backend's lock.
 */
final class CudaAttention {
    /** Largest head size Dh the fused forward kernel handles (8 accumulators per lane). */
    static final int MAX_HEAD_SIZE = 256;
    private static final int WARPS = 4;

    private final CudaBackend be;

    CudaAttention(CudaBackend be) {
        this.be = be;
    }

    /** The device masks of one call, closed after it. */
    private static final class Masks implements AutoCloseable {
        final CudaTensor keyPad;
        final CudaTensor attn;
        final boolean causal;

        Masks(CudaBackend be, AttentionMask mask) {
            this.causal = mask != null && mask.causal();
            this.keyPad = mask == null || mask.keyPadding() == null ? null : be.bytes(mask.keyPadding());
            this.attn = mask == null || mask.attn() == null ? null : be.bytes(mask.attn());
        }

        @Override
        public void close() {
            if (keyPad != null) {
                keyPad.close();
            }
            if (attn != null) {
                attn.close();
            }
        }
    }

    void forward(CudaTensor q, CudaTensor k, CudaTensor v, int heads, AttentionMask mask, CudaTensor out,
                 CudaTensor logSumExp, CudaTensor avgWeights) {
        int batch = q.dim(0);
        int tq = q.dim(1);
        int width = q.dim(2);
        int s = k.dim(1);
        int dh = width / heads;
        assert width == heads * dh && k.hasShape(batch, s, width) && v.hasShape(batch, s, width)
                && out.hasShape(batch, tq, width);
        CudaDevice dev = be.device();
        if (tq == 0 || dh == 0 || batch == 0) {
            dev.memset32(out.address(), 0, out.numel());
            if (avgWeights != null) {
                dev.memset32(avgWeights.address(), 0, avgWeights.numel());
            }
            return;
        }
        if (dh > MAX_HEAD_SIZE) {
            throw new UnsupportedOperationException("cuda attentionForward: head size Dh = " + dh + " (embedding "
                    + width + " / " + heads + " heads) is larger than the " + MAX_HEAD_SIZE + " the fused kernel "
                    + "supports; use more heads or the cpu backend");
        }
        float scale = (float) (1.0 / Math.sqrt(dh));
        int bk = dh <= 128 ? 32 : 16;
        int shared = 4 * (2 * bk * (dh + 1) + WARPS * dh);
        CudaTensor lse = logSumExp;
        CudaTensor tmpLse = null;
        if (lse == null && avgWeights != null) {
            tmpLse = be.uninitialized(DType.F32, batch, heads, tq);
            lse = tmpLse;
        }
        try (Masks m = new Masks(be, mask)) {
            be.kernels().kernel(Kernel.ATTN_FWD).ptr(q).ptr(k).ptr(v).ptr(out).ptr(lse).ptr(m.keyPad).ptr(m.attn)
                    .i(batch).i(tq).i(s).i(heads).i(dh).i(m.causal ? 1 : 0).f(scale).i(bk)
                    .run((tq + WARPS - 1) / WARPS, batch * heads, 32 * WARPS, 1, shared);
            if (avgWeights != null) {
                be.kernels().kernel(Kernel.ATTN_AVG_WEIGHTS).ptr(q).ptr(k).ptr(lse).ptr(m.keyPad).ptr(m.attn)
                        .ptr(avgWeights).i(batch).i(tq).i(s).i(heads).i(dh).i(m.causal ? 1 : 0).f(scale)
                        .run1d((long) batch * tq * s);
            }
        } finally {
            if (tmpLse != null) {
                tmpLse.close();
            }
        }
    }

    void backward(CudaTensor q, CudaTensor k, CudaTensor v, int heads, AttentionMask mask, CudaTensor logSumExp,
                  CudaTensor dOut, CudaTensor dAvgWeights, CudaTensor dq, CudaTensor dk, CudaTensor dv) {
        int batch = q.dim(0);
        int tq = q.dim(1);
        int width = q.dim(2);
        int s = k.dim(1);
        int dh = width / heads;
        CudaDevice dev = be.device();
        if (tq == 0 || s == 0 || dh == 0 || batch == 0) {
            dev.memset32(dq.address(), 0, dq.numel());
            dev.memset32(dk.address(), 0, dk.numel());
            dev.memset32(dv.address(), 0, dv.numel());
            return;
        }
        float scale = (float) (1.0 / Math.sqrt(dh));
        long ts = (long) tq * s;
        CudaBlas blas = be.blas();
        try (Masks m = new Masks(be, mask);
             CudaTensor p = be.uninitialized(DType.F32, heads, tq, s);
             CudaTensor dA = be.uninitialized(DType.F32, heads, tq, s)) {
            for (int b = 0; b < batch; b++) {
                long qb = q.address() + 4L * b * tq * width;
                long kb = k.address() + 4L * b * s * width;
                long vb = v.address() + 4L * b * s * width;
                long ob = dOut.address() + 4L * b * tq * width;
                // P_h = scale q_h k_h^T;  dA_h = dOut_h v_h^T     [Tq, S] per head
                blas.gemmStridedBatched(false, true, tq, s, dh, scale, qb, width, dh, kb, width, dh, 0f, p.address(),
                        s, ts, heads);
                blas.gemmStridedBatched(false, true, tq, s, dh, 1f, ob, width, dh, vb, width, dh, 0f, dA.address(),
                        s, ts, heads);
                // A = e^(P - lse) (masked: 0); dA += dAvg / NH; dP = A (dA - sum_j dA A)
                long rows = (long) heads * tq;
                be.kernels().kernel(Kernel.ATTN_BWD_SOFTMAX).ptr(p).ptr(dA)
                        .ptr(logSumExp.address() + 4L * b * heads * tq)
                        .ptr(dAvgWeights == null ? 0L : dAvgWeights.address() + 4L * b * ts).ptr(m.keyPad).ptr(m.attn)
                        .i(b).i(tq).i(s).i(heads).i(m.causal ? 1 : 0).f(1f / heads)
                        .run((int) ((rows + 7) / 8), 1, 256, 1, 0);
                // out_h = A v_h  ->  dv_h = A^T dOut_h                        [S, Dh]
                blas.gemmStridedBatched(true, false, s, dh, tq, 1f, p.address(), s, ts, ob, width, dh, 0f,
                        dv.address() + 4L * b * s * width, width, dh, heads);
                // P = scale q_h k_h^T  ->  dq_h = scale dP k_h [Tq, Dh];  dk_h = scale dP^T q_h [S, Dh]
                blas.gemmStridedBatched(false, false, tq, dh, s, scale, dA.address(), s, ts, kb, width, dh, 0f,
                        dq.address() + 4L * b * tq * width, width, dh, heads);
                blas.gemmStridedBatched(true, false, s, dh, tq, scale, dA.address(), s, ts, qb, width, dh, 0f,
                        dk.address() + 4L * b * s * width, width, dh, heads);
            }
        }
    }
}
