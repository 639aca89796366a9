package dev.recur.cpu;

import dev.recur.backend.Activation;
import dev.recur.backend.Backend;
import dev.recur.backend.RnnContext;
import dev.recur.backend.RnnWeights;
import dev.recur.cpu.internal.AttentionKernels;
import dev.recur.cpu.internal.CellKernels;
import dev.recur.cpu.internal.CpuRnn;
import dev.recur.cpu.internal.PackedGemm;
import dev.recur.cpu.internal.StepTeam;
import dev.recur.cpu.internal.TrainKernels;
import dev.recur.cpu.internal.LayerKernels;
import dev.recur.tensor.DType;
import dev.recur.tensor.Shapes;
import dev.recur.tensor.Tensor;
import java.nio.FloatBuffer;
import java.util.Locale;
import org.bytedeco.openblas.global.openblas_nolapack;

/**
 * The CPU backend: tensors in off-heap host memory ({@link CpuTensor}), GEMM through OpenBLAS, the fused
 * recurrent pointwise kernels and everything else in Java. Created by {@link CpuBackendProvider}.
 */
public final class CpuBackend implements Backend {
    private final int threads;
    /** The threads that share a recurrent step's work (started on first use). */
    private final StepTeam stepTeam;
    /** Freed large blocks kept for reuse. */
    private final BlockCache blocks;

    CpuBackend(int threads) {
        this(threads, BlockCache.configuredCapacity());
    }

    CpuBackend(int threads, long cacheBytes) {
        this.threads = threads;
        this.stepTeam = new StepTeam(threads);
        this.blocks = new BlockCache(cacheBytes);
    }

    /** The cache that owned F32 blocks come from and go back to. */
    BlockCache blocks() {
        return blocks;
    }

    /**
     * Frees the memory this backend keeps for reuse: large blocks of closed tensors, held (up to
     * {@code -Drecur.cpu.blockCacheBytes}, default 512 MiB) so that the next forward or training step does not ask
     * the system for them again. Open tensors are not affected.
     *
     * @return the bytes freed
     */
    public long releaseCachedMemory() {
        return blocks.trim();
    }

    @Override
    public String name() {
        return "cpu";
    }

    @Override
    public String describe() {
        String split;
        try {
            split = CpuRnn.stepSplit().name().toLowerCase(Locale.ROOT);
        } catch (IllegalArgumentException e) {
            split = "invalid: " + e.getMessage();
        }
        String axis;
        try {
            axis = CpuRnn.splitAxis().name().toLowerCase(Locale.ROOT);
        } catch (IllegalArgumentException e) {
            axis = "invalid: " + e.getMessage();
        }
        String stepGemm;
        try {
            stepGemm = CpuRnn.stepGemm() == CpuRnn.StepGemm.PACKED
                    ? "packed weights, " + PackedGemm.kernelStatus()
                    : "OpenBLAS" + (PackedGemm.kernelInUse() != PackedGemm.Kernel.JAVA ? ""
                    : " (packed kernels: " + PackedGemm.kernelStatus() + ")");
        } catch (IllegalArgumentException e) {
            stepGemm = "invalid: " + e.getMessage();
        }
        String fused;
        try {
            fused = CpuRnn.fusedProjection().name().toLowerCase(Locale.ROOT);
        } catch (IllegalArgumentException e) {
            fused = "invalid: " + e.getMessage();
        }
        return String.format(Locale.ROOT,
                "cpu: %s GEMM (up to %d threads, set by -D%s; one thread below 5e7 FLOPs), fused cell kernels "
                        + "(forward in C with the native step kernel, else in Java);%nrecurrent steps split across "
                        + "the threads (-D%s=%s) by batch rows when each thread gets %d or more and W_hh packs to "
                        + "%d MiB or more, else by hidden units (-D%s=%s); "
                        + "step GEMM (-D%s): %s; packed steps project their own inputs (-D%s=%s) at %d rows or more "
                        + "and %d MiB or less of W_ih and W_hh; freed blocks of 128 KiB or more kept for reuse up "
                        + "to %d MiB (-D%s)%n"
                        + "Java %s (%s), %s %s, %d processors%n",
                openblas_nolapack.OPENBLAS_VERSION.trim(), threads, CpuBackendProvider.THREADS_PROPERTY,
                CpuRnn.STEP_SPLIT_PROPERTY, split, CpuRnn.SPLIT_MIN_ROWS, CpuRnn.SPLIT_ROWS_MIN_WEIGHT_BYTES >> 20,
                CpuRnn.SPLIT_AXIS_PROPERTY, axis,
                CpuRnn.STEP_GEMM_PROPERTY, stepGemm, CpuRnn.FUSED_PROJECTION_PROPERTY, fused,
                CpuRnn.FUSED_MIN_ROWS, CpuRnn.FUSED_MAX_WEIGHT_BYTES >> 20, blocks.capacity() >> 20,
                BlockCache.CAPACITY_PROPERTY,
                System.getProperty("java.version"),
                System.getProperty("java.vm.name"), System.getProperty("os.name"), System.getProperty("os.arch"),
                Runtime.getRuntime().availableProcessors());
    }

    // ---------------------------------------------------------------- memory

    @Override
    public Tensor zeros(DType dtype, int... shape) {
        return new CpuTensor(this, dtype, shape);
    }

    /**
     * F32: a block not zero-filled (NaN under {@code -Drecur.cpu.poisonUninitialized}, which the build's tests set,
     * so an op that leaves part of it unwritten shows NaN in its results); other types: zeros.
     */
    @Override
    public Tensor empty(DType dtype, int... shape) {
        return dtype == DType.F32 ? CpuTensor.uninitialized(this, shape) : zeros(dtype, shape);
    }

    /**
     * A tensor over host memory that Recur does not own: no copy is made, every read and write of the tensor
     * (and of its {@link CpuTensor#reshape reshapes} and {@link CpuTensor#slice slices}, by the Java kernels and
     * by OpenBLAS alike) goes to {@code memory} in place, and a write to {@code memory} by its owner shows in the
     * tensor. The elements are row-major, element 0 at {@code memory.position()}; the buffer's position and
     * limit are not changed, and bytes past the tensor's {@code numel × dtype.byteSize()} are not touched.
     *
     * <p>Lifetime: the tensor's {@link CpuTensor#close() close()} frees nothing; it marks the tensor (and its
     * views) closed and drops the strong reference to {@code keepAlive}. Until then {@code keepAlive} — the object
     * whose reachability keeps {@code memory} allocated, e.g. the foreign array that owns it — is strongly held by
     * the tensor, so the memory cannot be reclaimed by its owner's garbage-collection-driven deallocator while the
     * tensor is open. It cannot stop the owner from freeing the memory explicitly: the caller must not do that
     * before closing the tensor. Memory aligned to the element size is expected (unaligned memory works on x86,
     * slower).
     *
     * @param memory    direct (off-heap), writable, {@link java.nio.ByteOrder#nativeOrder() native-order} memory
     *                  with at least {@code numel(shape) × dtype.byteSize()} bytes {@linkplain
     *                  java.nio.ByteBuffer#remaining() remaining}
     * @param dtype     {@link DType#F32} or {@link DType#I64}
     * @param shape     the tensor's shape, dimensions {@code >= 0}
     * @param keepAlive held until the tensor is closed; may be null when the memory outlives the tensor anyway
     * @return a tensor of this backend, to be closed by the caller
     * @throws IllegalArgumentException naming the argument, what was expected and what was found
     */
    public CpuTensor wrap(java.nio.ByteBuffer memory, DType dtype, int[] shape, Object keepAlive) {
        if (memory == null) {
            throw new IllegalArgumentException("wrap: memory must be a direct ByteBuffer, got null");
        }
        if (!memory.isDirect()) {
            throw new IllegalArgumentException("wrap: memory must be a direct (off-heap) ByteBuffer, got a heap buffer "
                    + memory);
        }
        if (memory.isReadOnly()) {
            throw new IllegalArgumentException("wrap: memory must be writable, got a read-only buffer " + memory);
        }
        if (memory.order() != java.nio.ByteOrder.nativeOrder()) {
            throw new IllegalArgumentException(String.format(Locale.ROOT,
                    "wrap: memory must be in native byte order (%s), got %s", java.nio.ByteOrder.nativeOrder(),
                    memory.order()));
        }
        if (dtype != DType.F32 && dtype != DType.I64) {
            throw new IllegalArgumentException("wrap: dtype must be F32 or I64, got " + dtype);
        }
        if (shape == null) {
            throw new IllegalArgumentException("wrap: shape must be an int[] of dimensions >= 0, got null");
        }
        long numel = 1;
        for (int d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException("wrap: shape must have dimensions >= 0, got " + Shapes.toString(shape));
            }
            numel *= d; // at most (2^31 - 1)^k: checked against the limit after each step
            if (numel > Integer.MAX_VALUE - 8) {
                throw new IllegalArgumentException(String.format(Locale.ROOT,
                        "wrap: shape must have at most 2^31 - 9 elements, got %s", Shapes.toString(shape)));
            }
        }
        long bytes = numel * dtype.byteSize();
        if (memory.remaining() < bytes) {
            throw new IllegalArgumentException(String.format(Locale.ROOT,
                    "wrap: memory must have at least %d bytes remaining (%s %s = %d elements of %d bytes) from its "
                            + "position %d, got %d (limit %d)",
                    bytes, dtype, Shapes.toString(shape), numel, dtype.byteSize(), memory.position(),
                    memory.remaining(), memory.limit()));
        }
        return new CpuTensor(this, dtype, shape, memory, keepAlive);
    }

    @Override
    public Tensor fromFloats(float[] data, int... shape) {
        checkLength(data.length, shape);
        CpuTensor t = new CpuTensor(this, DType.F32, shape);
        t.floats().put(t.offset(), data);
        return t;
    }

    @Override
    public Tensor fromLongs(long[] data, int... shape) {
        checkLength(data.length, shape);
        CpuTensor t = new CpuTensor(this, DType.I64, shape);
        t.longs().put(t.offset(), data);
        return t;
    }

    @Override
    public float[] toFloatArray(Tensor t) {
        CpuTensor c = cpu(t);
        float[] out = new float[Math.toIntExact(t.numel())];
        c.floats().get(c.offset(), out);
        return out;
    }

    @Override
    public long[] toLongArray(Tensor t) {
        CpuTensor c = cpu(t);
        long[] out = new long[Math.toIntExact(t.numel())];
        c.longs().get(c.offset(), out);
        return out;
    }

    @Override
    public void copy(Tensor src, Tensor dst) {
        assert src.dtype() == dst.dtype() && src.numel() == dst.numel();
        CpuTensor s = cpu(src);
        CpuTensor d = cpu(dst);
        int n = Math.toIntExact(src.numel());
        if (src.dtype() == DType.F32) {
            d.floats().put(d.offset(), s.floats(), s.offset(), n);
        } else {
            d.longs().put(d.offset(), s.longs(), s.offset(), n);
        }
    }

    @Override
    public void fill(Tensor t, float value) {
        TrainKernels.fill(cpu(t), value);
    }

    @Override
    public long firstNonFinite(Tensor t) {
        CpuTensor c = cpu(t);
        FloatBuffer f = c.floats();
        for (int i = 0; i < t.numel(); i++) {
            if (!Float.isFinite(f.get(c.offset() + i))) {
                return i;
            }
        }
        return -1;
    }

    // ---------------------------------------------------------------- dense primitives

    @Override
    public void gemm(boolean transA, boolean transB, float alpha, Tensor a, Tensor b, float beta, Tensor c) {
        assert a.rank() == 2 && b.rank() == 2 && c.rank() == 2;
        int m = transA ? a.dim(1) : a.dim(0);
        int k = transA ? a.dim(0) : a.dim(1);
        int n = transB ? b.dim(0) : b.dim(1);
        assert (transB ? b.dim(1) : b.dim(0)) == k && c.dim(0) == m && c.dim(1) == n;
        dev.recur.cpu.internal.Blas.sgemm(transA, transB, m, n, k, alpha, cpu(a).address(), a.dim(1),
                cpu(b).address(), b.dim(1), beta, cpu(c).address(), c.dim(1));
    }

    @Override
    public void addRowVector(Tensor y, Tensor bias) {
        CpuTensor cy = cpu(y);
        CpuTensor cb = cpu(bias);
        int cols = y.dim(-1);
        int rows = Math.toIntExact(y.numel() / cols);
        assert bias.numel() == cols;
        FloatBuffer fy = cy.floats();
        // Row by row through a heap array, so that the add runs over float[] and vectorizes.
        float[] b = new float[cols];
        float[] row = new float[cols];
        cb.floats().get(cb.offset(), b);
        for (int r = 0; r < rows; r++) {
            int at = cy.offset() + r * cols;
            fy.get(at, row);
            CellKernels.addInPlace(row, b, cols);
            fy.put(at, row);
        }
    }

    @Override
    public void sumRowsInto(Tensor x, Tensor out) {
        int cols = x.dim(-1);
        assert out.numel() == cols;
        CpuRnn.sumRows(cpu(x), Math.toIntExact(x.numel() / cols), cols, cpu(out));
    }

    @Override
    public void axpy(float alpha, Tensor x, Tensor y) {
        assert x.numel() == y.numel();
        TrainKernels.axpy(alpha, cpu(x), cpu(y), Math.toIntExact(x.numel()));
    }

    @Override
    public void activation(Activation act, Tensor x, Tensor y) {
        assert x.numel() == y.numel();
        CpuTensor cx = cpu(x);
        CpuTensor cy = cpu(y);
        CellKernels.activate(act, cx.floats(), cx.offset(), cy.floats(), cy.offset(), Math.toIntExact(x.numel()));
    }

    @Override
    public void activationBackward(Activation act, Tensor x, Tensor y, Tensor dy, Tensor dx) {
        assert dy.numel() == dx.numel();
        CpuTensor cx = act.backwardNeedsInput() ? cpu(x) : null;
        CpuTensor cy = act.backwardNeedsInput() ? null : cpu(y);
        CpuTensor cdy = cpu(dy);
        CpuTensor cdx = cpu(dx);
        CellKernels.activateBackward(act, cx == null ? null : cx.floats(), cx == null ? 0 : cx.offset(),
                cy == null ? null : cy.floats(), cy == null ? 0 : cy.offset(), cdy.floats(), cdy.offset(),
                cdx.floats(), cdx.offset(), Math.toIntExact(dy.numel()));
    }

    @Override
    public void transpose01(Tensor x, Tensor y) {
        int a = x.dim(0);
        int c = x.dim(1);
        int f = x.dim(2);
        assert y.hasShape(c, a, f);
        CpuTensor cx = cpu(x);
        CpuTensor cy = cpu(y);
        for (int i = 0; i < a; i++) {
            for (int j = 0; j < c; j++) {
                cy.floats().put(cy.offset() + (j * a + i) * f, cx.floats(), cx.offset() + (i * c + j) * f, f);
            }
        }
    }

    // ---------------------------------------------------------------- fused recurrent cells

    @Override
    public void lstmCellForward(Tensor gates, Tensor c, Tensor cNext, Tensor hNext) {
        CpuTensor g = cpu(gates);
        CpuTensor cc = cpu(c);
        CpuTensor cn = cpu(cNext);
        CpuTensor hn = cpu(hNext);
        CellKernels.lstmForward(g.floats(), g.offset(), cc.floats(), cc.offset(), cn.floats(), cn.offset(),
                hn.floats(), hn.offset(), c.dim(0), c.dim(1));
    }

    @Override
    public void lstmCellBackward(Tensor gates, Tensor c, Tensor cNext, Tensor dhNext, Tensor dcNext, Tensor dGates,
                                 Tensor dc) {
        copy(dcNext, dc); // the kernel turns d loss / d cNext into d loss / d c in place
        CpuTensor g = cpu(gates);
        CpuTensor cc = cpu(c);
        CpuTensor cn = cpu(cNext);
        CpuTensor dh = cpu(dhNext);
        CpuTensor dcc = cpu(dc);
        CpuTensor dg = cpu(dGates);
        CellKernels.lstmBackward(g.floats(), g.offset(), cc.floats(), cc.offset(), cn.floats(), cn.offset(),
                dh.floats(), dh.offset(), dcc.floats(), dcc.offset(), dg.floats(), dg.offset(), c.dim(0), c.dim(1));
    }

    @Override
    public void gruCellForward(Tensor gi, Tensor gh, Tensor h, Tensor hNext, Tensor saved) {
        CpuTensor ci = cpu(gi);
        CpuTensor ch = cpu(gh);
        CpuTensor hh = cpu(h);
        CpuTensor hn = cpu(hNext);
        CpuTensor s = cpu(saved);
        CellKernels.gruForward(ci.floats(), ci.offset(), ch.floats(), ch.offset(), null, 0, hh.floats(), hh.offset(),
                hn.floats(), hn.offset(), s.floats(), s.offset(), h.dim(0), h.dim(1));
    }

    @Override
    public void gruCellBackward(Tensor saved, Tensor h, Tensor dhNext, Tensor dGi, Tensor dGh, Tensor dh) {
        copy(dhNext, dh); // the kernel turns d loss / d hNext into z * d loss / d hNext in place
        CpuTensor s = cpu(saved);
        CpuTensor hh = cpu(h);
        CpuTensor d = cpu(dh);
        CpuTensor di = cpu(dGi);
        CpuTensor dg = cpu(dGh);
        CellKernels.gruBackward(s.floats(), s.offset(), hh.floats(), hh.offset(), d.floats(), d.offset(), di.floats(),
                di.offset(), dg.floats(), dg.offset(), h.dim(0), h.dim(1));
    }

    // ---------------------------------------------------------------- sequence level

    @Override
    public RnnContext rnnForward(RnnWeights w, Tensor x, Tensor h0, Tensor c0, int[] lengths, Tensor y, Tensor hn,
                                 Tensor cn, boolean keepForBackward) {
        return CpuRnn.forward(this, stepTeam, w, cpu(x), cpuOrNull(h0), cpuOrNull(c0), lengths, cpu(y), cpu(hn),
                cpuOrNull(cn), keepForBackward);
    }

    @Override
    public void rnnBackward(RnnContext ctx, Tensor dy, Tensor dhn, Tensor dcn, Tensor dx, Tensor dh0, Tensor dc0,
                            RnnWeights grads) {
        CpuRnn.backward(this, stepTeam, ctx, cpuOrNull(dy), cpuOrNull(dhn), cpuOrNull(dcn), cpu(dx), cpu(dh0),
                cpuOrNull(dc0), grads);
    }

    // ---------------------------------------------------------------- attention-layer ops

    @Override
    public void layerNormForward(Tensor x, Tensor gamma, Tensor beta, float eps, Tensor y, Tensor mean, Tensor rstd) {
        int cols = x.dim(-1);
        int rows = Math.toIntExact(x.numel() / cols);
        assert y.numel() == x.numel() && mean.numel() == rows && rstd.numel() == rows;
        CpuTensor cx = cpu(x);
        CpuTensor cg = cpuOrNull(gamma);
        CpuTensor cb = cpuOrNull(beta);
        CpuTensor cy = cpu(y);
        CpuTensor cm = cpu(mean);
        CpuTensor cr = cpu(rstd);
        LayerKernels.layerNormForward(cx.floats(), cx.offset(), cg == null ? null : cg.floats(),
                cg == null ? 0 : cg.offset(), cb == null ? null : cb.floats(), cb == null ? 0 : cb.offset(), eps,
                cy.floats(), cy.offset(), cm.floats(), cm.offset(), cr.floats(), cr.offset(), rows, cols);
    }

    @Override
    public void layerNormBackward(Tensor dy, Tensor x, Tensor gamma, Tensor mean, Tensor rstd, Tensor dx,
                                  Tensor dGamma, Tensor dBeta) {
        int cols = x.dim(-1);
        int rows = Math.toIntExact(x.numel() / cols);
        assert dy.numel() == x.numel() && dx.numel() == x.numel() && mean.numel() == rows && rstd.numel() == rows;
        CpuTensor cdy = cpu(dy);
        CpuTensor cx = cpu(x);
        CpuTensor cg = cpuOrNull(gamma);
        CpuTensor cm = cpu(mean);
        CpuTensor cr = cpu(rstd);
        CpuTensor cdx = cpu(dx);
        CpuTensor cdg = cpuOrNull(dGamma);
        CpuTensor cdb = cpuOrNull(dBeta);
        LayerKernels.layerNormBackward(cdy.floats(), cdy.offset(), cx.floats(), cx.offset(),
                cg == null ? null : cg.floats(), cg == null ? 0 : cg.offset(), cm.floats(), cm.offset(), cr.floats(),
                cr.offset(), cdx.floats(), cdx.offset(), cdg == null ? null : cdg.floats(),
                cdg == null ? 0 : cdg.offset(), cdb == null ? null : cdb.floats(), cdb == null ? 0 : cdb.offset(),
                rows, cols);
    }

    @Override
    public void embeddingForward(Tensor ids, Tensor table, Tensor out) {
        int cols = table.dim(1);
        int rows = Math.toIntExact(ids.numel());
        assert ids.dtype() == DType.I64 && out.numel() == (long) rows * cols;
        CpuTensor ci = cpu(ids);
        CpuTensor ct = cpu(table);
        CpuTensor co = cpu(out);
        LayerKernels.embeddingForward(ci.longs(), ci.offset(), ct.floats(), ct.offset(), co.floats(), co.offset(),
                rows, cols);
    }

    @Override
    public void embeddingBackward(Tensor ids, Tensor dOut, Tensor dTable) {
        int cols = dTable.dim(1);
        int rows = Math.toIntExact(ids.numel());
        assert ids.dtype() == DType.I64 && dOut.numel() == (long) rows * cols;
        CpuTensor ci = cpu(ids);
        CpuTensor cd = cpu(dOut);
        CpuTensor ct = cpu(dTable);
        LayerKernels.embeddingBackward(ci.longs(), ci.offset(), cd.floats(), cd.offset(), ct.floats(), ct.offset(),
                rows, cols);
    }

    @Override
    public void dropout(Tensor x, float p, long seed, Tensor keep, Tensor y) {
        assert x.numel() == keep.numel() && x.numel() == y.numel() && p >= 0f && p <= 1f;
        CpuTensor cx = cpu(x);
        CpuTensor ck = cpu(keep);
        CpuTensor cy = cpu(y);
        LayerKernels.dropout(cx.floats(), cx.offset(), p, seed, ck.floats(), ck.offset(), cy.floats(), cy.offset(),
                Math.toIntExact(x.numel()));
    }

    @Override
    public void mul(Tensor a, Tensor b, Tensor out) {
        assert a.numel() == b.numel() && a.numel() == out.numel();
        CpuTensor ca = cpu(a);
        CpuTensor cb = cpu(b);
        CpuTensor co = cpu(out);
        LayerKernels.mul(ca.floats(), ca.offset(), cb.floats(), cb.offset(), co.floats(), co.offset(),
                Math.toIntExact(a.numel()));
    }

    @Override
    public void attentionForward(Tensor q, Tensor k, Tensor v, int heads, dev.recur.backend.AttentionMask mask,
                                 Tensor out, Tensor logSumExp, Tensor avgWeights) {
        AttentionKernels.forward(this, stepTeam, cpu(q), cpu(k), cpu(v), heads, mask, cpu(out),
                cpuOrNull(logSumExp), cpuOrNull(avgWeights));
    }

    @Override
    public void attentionBackward(Tensor q, Tensor k, Tensor v, int heads, dev.recur.backend.AttentionMask mask,
                                  Tensor out, Tensor logSumExp, Tensor dOut, Tensor dAvgWeights, Tensor dq, Tensor dk,
                                  Tensor dv) {
        AttentionKernels.backward(this, cpu(q), cpu(k), cpu(v), heads, mask, cpu(logSumExp), cpu(dOut),
                cpuOrNull(dAvgWeights), cpu(dq), cpu(dk), cpu(dv));
    }

    // ---------------------------------------------------------------- training: reductions, losses, optimizers

    @Override
    public void scale(Tensor t, float s) {
        TrainKernels.scale(cpu(t), s);
    }

    @Override
    public void clamp(Tensor t, float lo, float hi) {
        TrainKernels.clamp(cpu(t), lo, hi);
    }

    @Override
    public double sumOfSquares(Tensor t) {
        return TrainKernels.sumOfSquares(cpu(t));
    }

    @Override
    public double crossEntropyForward(Tensor logits, Tensor targets, long ignoreIndex, float smoothing,
                                      Tensor logSumExp) {
        return TrainKernels.crossEntropyForward(cpu(logits), cpu(targets), ignoreIndex, smoothing, cpu(logSumExp));
    }

    @Override
    public void crossEntropyBackward(Tensor logits, Tensor targets, long ignoreIndex, float smoothing,
                                     Tensor logSumExp, float scale, Tensor dLogits) {
        TrainKernels.crossEntropyBackward(cpu(logits), cpu(targets), ignoreIndex, smoothing, cpu(logSumExp), scale,
                cpu(dLogits));
    }

    @Override
    public double bceWithLogitsForward(Tensor logits, Tensor targets) {
        return TrainKernels.bceWithLogitsForward(cpu(logits), cpu(targets));
    }

    @Override
    public void bceWithLogitsBackward(Tensor logits, Tensor targets, float scale, Tensor dLogits) {
        TrainKernels.bceWithLogitsBackward(cpu(logits), cpu(targets), scale, cpu(dLogits));
    }

    @Override
    public void sgdStep(Tensor param, Tensor grad, Tensor momentumBuf, float lr, float momentum, float dampening,
                        boolean nesterov, float weightDecay, boolean first) {
        TrainKernels.sgdStep(cpu(param), cpu(grad), cpuOrNull(momentumBuf), lr, momentum, dampening, nesterov,
                weightDecay, first);
    }

    @Override
    public void adamStep(Tensor param, Tensor grad, Tensor m, Tensor v, float lr, float beta1, float beta2, float eps,
                         float weightDecay, boolean decoupled, long step) {
        TrainKernels.adamStep(cpu(param), cpu(grad), cpu(m), cpu(v), lr, beta1, beta2, eps, weightDecay, decoupled,
                step);
    }

    // ---------------------------------------------------------------- helpers

    private CpuTensor cpu(Tensor t) {
        if (!(t instanceof CpuTensor c) || t.backend() != this) {
            throw new IllegalArgumentException("cpu: expected a tensor of the cpu backend, got " + t);
        }
        return c;
    }

    private CpuTensor cpuOrNull(Tensor t) {
        return t == null ? null : cpu(t);
    }

    private static void checkLength(int length, int[] shape) {
        if (length != Shapes.numel(shape)) {
            throw new IllegalArgumentException(String.format(Locale.ROOT,
                    "cpu: data must have numel(%s) = %d elements, got %d", Shapes.toString(shape), Shapes.numel(shape),
                    length));
        }
    }
}
