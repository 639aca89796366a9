package dev.recur.cpu;

import dev.recur.backend.Activation;
import dev.recur.backend.Backend;
import dev.recur.backend.RnnContext;
import dev.recur.backend.RnnWeights;
import dev.recur.cpu.internal.CellKernels;
import dev.recur.cpu.internal.CpuRnn;
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

    CpuBackend(int threads) {
        this.threads = threads;
    }

    @Override
    public String name() {
        return "cpu";
    }

    @Override
    public String describe() {
        return String.format(Locale.ROOT,
                "cpu: %s GEMM (%d threads, set by -D%s), fused cell kernels in Java%n"
                        + "Java %s (%s), %s %s, %d processors%n",
                openblas_nolapack.OPENBLAS_VERSION.trim(), threads, CpuBackendProvider.THREADS_PROPERTY,
                System.getProperty("java.version"),
                System.getProperty("java.vm.name"), System.getProperty("os.name"), System.getProperty("os.arch"),
                Runtime.getRuntime().availableProcessors());
    }

    // ---------------------------------------------------------------- memory

    @Override
    public Tensor zeros(DType dtype, int... shape) {
        return new CpuTensor(this, dtype, shape);
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
        FloatBuffer fb = cb.floats();
        for (int r = 0; r < rows; r++) {
            for (int j = 0; j < cols; j++) {
                int i = cy.offset() + r * cols + j;
                fy.put(i, fy.get(i) + fb.get(cb.offset() + j));
            }
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
        CpuTensor cx = cpu(x);
        CpuTensor cy = cpu(y);
        FloatBuffer fx = cx.floats();
        FloatBuffer fy = cy.floats();
        for (int i = 0; i < x.numel(); i++) {
            fy.put(cy.offset() + i, fy.get(cy.offset() + i) + alpha * fx.get(cx.offset() + i));
        }
    }

    @Override
    public void activation(Activation act, Tensor x, Tensor y) {
        assert x.numel() == y.numel();
        CpuTensor cx = cpu(x);
        CpuTensor cy = cpu(y);
        CellKernels.activate(act, cx.floats(), cx.offset(), cy.floats(), cy.offset(), Math.toIntExact(x.numel()));
    }

    @Override
    public void activationBackward(Activation act, Tensor y, Tensor dy, Tensor dx) {
        CpuTensor cy = cpu(y);
        CpuTensor cdy = cpu(dy);
        CpuTensor cdx = cpu(dx);
        CellKernels.activateBackward(act, cy.floats(), cy.offset(), cdy.floats(), cdy.offset(), cdx.floats(),
                cdx.offset(), Math.toIntExact(y.numel()));
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
        return CpuRnn.forward(this, w, cpu(x), cpuOrNull(h0), cpuOrNull(c0), lengths, cpu(y), cpu(hn), cpuOrNull(cn),
                keepForBackward);
    }

    @Override
    public void rnnBackward(RnnContext ctx, Tensor dy, Tensor dhn, Tensor dcn, Tensor dx, Tensor dh0, Tensor dc0,
                            RnnWeights grads) {
        CpuRnn.backward(this, ctx, cpuOrNull(dy), cpuOrNull(dhn), cpuOrNull(dcn), cpu(dx), cpu(dh0), cpuOrNull(dc0),
                grads);
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
