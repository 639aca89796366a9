package dev.recur.cuda;

import dev.recur.backend.Activation;
import dev.recur.backend.AttentionMask;
import dev.recur.backend.Backend;
import dev.recur.backend.RnnContext;
import dev.recur.backend.RnnWeights;
import dev.recur.tensor.DType;
import dev.recur.tensor.Shapes;
import dev.recur.tensor.Tensor;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The CUDA backend: tensors in device memory ({@link CudaTensor}), every op queued on one stream of one device,
 * GEMMs on cuBLAS, everything else in Recur's kernels ({@code .cu} sources compiled by NVRTC for the device on
 * first use and cached on disk). Created by {@link CudaBackendProvider} once the probe passes.
 *
 * <p>Ops are asynchronous except those that return host values ({@code toFloatArray}, {@code toLongArray},
 * {@code firstNonFinite}, {@code sumOfSquares}, the losses' forward), which wait for the stream. Calls from
 * several threads are serialised by one lock (the device object); tensors may be closed from any thread.
 *
 * <p>Every op of {@link Backend} is implemented; {@link #attentionForward} supports head sizes up to
 * {@value CudaAttention#MAX_HEAD_SIZE}. The sequence-level {@link #rnnForward}/{@link #rnnBackward} run on Recur's
 * fused path ({@link CudaRnn}) or, with {@code -Drecur.cuda.rnn=cudnn}, on cuDNN's RNN API ({@link CudnnRnn}),
 * which needs cuDNN 9 to have loaded (the probe says whether it did).
 */
public final class CudaBackend implements Backend, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(CudaBackend.class);

    private final CudaDevice dev;
    private final KernelCompiler compiler;
    private final KernelLauncher k;
    private final CudaBlas blas;
    private final CudaOptions options;
    private final CudaProbe.Result probe;
    private final CudaRnn rnn;
    private final CudaGraphs<?> graphs;
    /** The cuDNN path, or null when cuDNN did not load (it is optional). */
    private final CudnnRnn cudnnRnn;
    private final CudaAttention attention;

    private CudaBackend(CudaDevice dev, KernelCompiler compiler, KernelLauncher k, CudaBlas blas, CudaOptions options,
                        CudaProbe.Result probe) {
        this.dev = dev;
        this.compiler = compiler;
        this.k = k;
        this.blas = blas;
        this.options = options;
        this.probe = probe;
        this.graphs = CudaGraphs.on(dev, options.graphsOn());
        this.rnn = new CudaRnn(this);
        this.cudnnRnn = probe.cudnnVersion() != null ? new CudnnRnn(this, options.tf32()) : null;
        this.attention = new CudaAttention(this);
    }

    /**
     * Opens the device named by the options, creates the stream, cuBLAS handle and kernel compiler, and loads one
     * kernel module to prove that NVRTC and the driver can build and run Recur's kernels here.
     *
     * @throws CudaException naming the call that failed
     */
    static CudaBackend open(CudaProbe.Result probe, CudaOptions options) {
        CudaDevice dev = CudaDevice.open(options.device(), options.trace());
        KernelLauncher launcher = null;
        CudaBlas blas = null;
        try {
            KernelCompiler compiler = KernelCompiler.create(options.cacheDir());
            launcher = new KernelLauncher(dev, compiler, options.sync());
            blas = new CudaBlas(dev, options.tf32(), options.trace(), options.graphsOn());
            CudaBackend be = new CudaBackend(dev, compiler, launcher, blas, options, probe);
            synchronized (dev) {
                // Compile (or read from the cache) and load the smallest module now: an NVRTC or driver that
                // cannot build kernels for this device fails here, and the provider reports it.
                launcher.kernel(Kernel.SCALE).ptr(0L).f(1f).l(0L).run1d(0);
                dev.sync("the first kernel launch");
            }
            if (options.rnnPath() == CudaOptions.RnnPath.CUDNN && probe.cudnnVersion() == null) {
                LOG.warn("cuda: -D{}=cudnn, but cuDNN did not load ({}); rnnForward will throw. Install cuDNN 9 "
                        + "for CUDA 13, or use fused (the default)", CudaOptions.RNN_PROPERTY, probe.cudnnNote());
            }
            return be;
        } catch (RuntimeException | Error e) {
            if (blas != null) {
                blas.close();
            }
            if (launcher != null) {
                launcher.close();
            }
            dev.close();
            throw e;
        }
    }

    // ---------------------------------------------------------------- package-private plumbing for CudaRnn etc.

    CudaDevice device() {
        return dev;
    }

    KernelLauncher kernels() {
        return k;
    }

    CudaBlas blas() {
        return blas;
    }

    /** The options the backend was opened with. */
    CudaOptions options() {
        return options;
    }

    /** Replays repeated regions (the fused path's step loops) as CUDA graphs, when on. */
    CudaGraphs<?> graphs() {
        return graphs;
    }

    /**
     * A new, uninitialised tensor, for this backend's own ops. The SPI's {@link #empty} stays zeros here (its
     * default) until a GPU run has checked that the ops write every element of their outputs.
     */
    CudaTensor uninitialized(DType dtype, int... shape) {
        if (dtype != DType.F32 && dtype != DType.I64 && dtype != DType.I32) {
            throw new IllegalArgumentException("cuda: tensors must be F32, I64 or I32, got " + dtype);
        }
        return new CudaTensor(this, dev, dtype, shape);
    }

    /** A new F32 tensor of zeros. */
    CudaTensor zerosF(int... shape) {
        CudaTensor t = uninitialized(DType.F32, shape);
        dev.memset32(t.address(), 0, t.numel());
        return t;
    }

    /** A new I32 tensor holding {@code data} (batch permutations). */
    CudaTensor ints(int[] data) {
        CudaTensor t = uninitialized(DType.I32, data.length);
        dev.upload(t.address(), 4L * data.length, (buf, from, n) -> {
            for (int i = 0; i < n / 4; i++) {
                buf.putInt(4 * i, data[(int) (from / 4) + i]);
            }
        });
        return t;
    }

    /** A new I32 tensor holding {@code data} as bytes, 0 or 1 (attention masks), padded to whole words. */
    CudaTensor bytes(boolean[] data) {
        CudaTensor t = uninitialized(DType.I32, (data.length + 3) / 4);
        dev.memset32(t.address(), 0, t.numel());
        dev.upload(t.address(), data.length, (buf, from, n) -> {
            for (int i = 0; i < n; i++) {
                buf.put(i, data[(int) from + i] ? (byte) 1 : (byte) 0);
            }
        });
        return t;
    }

    /** Reads one double at a device address (synchronizes). */
    double readDouble(long address) {
        double[] out = new double[1];
        dev.download(address, 8, (buf, from, n) -> out[0] = buf.getDouble(0));
        return out[0];
    }

    CudaTensor cuda(Tensor t) {
        if (!(t instanceof CudaTensor c) || t.backend() != this) {
            throw new IllegalArgumentException("cuda: expected a tensor of this cuda backend, got " + t);
        }
        return c;
    }

    CudaTensor cudaOrNull(Tensor t) {
        return t == null ? null : cuda(t);
    }

    // ---------------------------------------------------------------- identity

    @Override
    public String name() {
        return "cuda";
    }

    @Override
    public String describe() {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "cuda: device %d, %s, compute capability %d.%d, %d SMs%n", dev.ordinal,
                dev.name, dev.computeCapability / 10, dev.computeCapability % 10, dev.multiprocessors));
        sb.append(String.format(Locale.ROOT, "  driver %s, runtime %s, cuBLAS %s, NVRTC %s, cuDNN %s%n",
                CudaProbe.version(probe.driverVersion()), CudaProbe.version(probe.runtimeVersion()), blas.version(),
                compiler.nvrtcVersion(), probe.cudnnVersion() != null ? probe.cudnnVersion()
                        : "not loaded (optional: " + probe.cudnnNote() + ")"));
        sb.append(String.format(Locale.ROOT, "  rnn path: %s%s; CUDA graphs: %s; TF32 GEMMs: %s; kernel cache: %s%n",
                options.rnnPath().name().toLowerCase(Locale.ROOT),
                options.rnnPath() == CudaOptions.RnnPath.CUDNN && cudnnRnn == null
                        ? " (cuDNN not loaded: the sequence ops throw)" : "",
                graphsState(), options.tf32() ? "on" : "off", options.cacheDir()));
        Map<String, String> loaded = new TreeMap<>();
        k.images().forEach((f, img) -> loaded.put(f, img.arch() + (img.ptx() ? " ptx" : " cubin")
                + (img.fromCache() ? " cached" : " compiled")));
        sb.append("  kernels loaded: ").append(loaded).append(String.format(Locale.ROOT,
                "%n  memory: %.1f MiB in use, peak %.1f MiB (stream-ordered pool, cached)%n",
                dev.bytesInUse() / 1048576.0, dev.peakBytes() / 1048576.0));
        if (options.trace() || options.sync()) {
            sb.append("  debugging: trace=").append(options.trace()).append(", sync=").append(options.sync())
                    .append(System.lineSeparator());
        }
        return sb.toString();
    }

    private String graphsState() {
        if (!options.graphs()) {
            return "off (-D" + CudaOptions.GRAPHS_PROPERTY + "=true replays repeated step loops)";
        }
        if (!options.graphsOn()) {
            return "off (asked for, but -D" + CudaOptions.SYNC_PROPERTY + "=true)";
        }
        return String.format(Locale.ROOT, "%s (%d regions run directly, %d graphs captured, %d replays)",
                graphs.enabled() ? "on" : "off after a failed capture", graphs.direct(), graphs.captured(),
                graphs.replayed());
    }

    /** Waits for all queued work (for benchmarks and tests). */
    public void synchronize() {
        synchronized (dev) {
            dev.bind();
            dev.sync("synchronize()");
        }
    }

    /** Frees the stream, cuBLAS handle, modules and cached memory; tensors become unusable. Idempotent. */
    @Override
    public void close() {
        synchronized (dev) {
            if (dev.isClosed()) {
                return;
            }
            dev.bind();
            if (cudnnRnn != null) {
                cudnnRnn.close();
            }
            graphs.close();
            blas.close();
            k.close();
            dev.close();
        }
    }

    // ---------------------------------------------------------------- memory

    @Override
    public Tensor zeros(DType dtype, int... shape) {
        synchronized (dev) {
            dev.bind();
            CudaTensor t = uninitialized(dtype, shape);
            dev.memset32(t.address(), 0, t.byteSize() / 4);
            return t;
        }
    }

    @Override
    public Tensor fromFloats(float[] data, int... shape) {
        checkLength(data.length, shape);
        synchronized (dev) {
            dev.bind();
            CudaTensor t = uninitialized(DType.F32, shape);
            dev.upload(t.address(), 4L * data.length,
                    (buf, from, n) -> buf.asFloatBuffer().put(data, (int) (from / 4), n / 4));
            return t;
        }
    }

    @Override
    public Tensor fromLongs(long[] data, int... shape) {
        checkLength(data.length, shape);
        synchronized (dev) {
            dev.bind();
            CudaTensor t = uninitialized(DType.I64, shape);
            dev.upload(t.address(), 8L * data.length,
                    (buf, from, n) -> buf.asLongBuffer().put(data, (int) (from / 8), n / 8));
            return t;
        }
    }

    @Override
    public float[] toFloatArray(Tensor t) {
        synchronized (dev) {
            dev.bind();
            CudaTensor c = cuda(t);
            float[] out = new float[Math.toIntExact(t.numel())];
            dev.download(c.address(), 4L * out.length,
                    (buf, from, n) -> buf.asFloatBuffer().get(out, (int) (from / 4), n / 4));
            return out;
        }
    }

    @Override
    public long[] toLongArray(Tensor t) {
        synchronized (dev) {
            dev.bind();
            CudaTensor c = cuda(t);
            long[] out = new long[Math.toIntExact(t.numel())];
            dev.download(c.address(), 8L * out.length,
                    (buf, from, n) -> buf.asLongBuffer().get(out, (int) (from / 8), n / 8));
            return out;
        }
    }

    @Override
    public void copy(Tensor src, Tensor dst) {
        assert src.dtype() == dst.dtype() && src.numel() == dst.numel();
        synchronized (dev) {
            dev.bind();
            dev.copy(cuda(dst).address(), cuda(src).address(), cuda(src).byteSize());
        }
    }

    @Override
    public void fill(Tensor t, float value) {
        synchronized (dev) {
            dev.bind();
            dev.memset32(cuda(t).address(), Float.floatToRawIntBits(value), t.numel());
        }
    }

    @Override
    public long firstNonFinite(Tensor t) {
        synchronized (dev) {
            dev.bind();
            try (CudaTensor found = uninitialized(DType.I64, 1)) {
                dev.memset8(found.address(), (byte) 0xff, 8);
                k.kernel(Kernel.FIRST_NON_FINITE).ptr(cuda(t)).l(t.numel()).ptr(found).run1d(t.numel());
                long[] out = new long[1];
                dev.download(found.address(), 8, (buf, from, n) -> out[0] = buf.getLong(0));
                return out[0] == -1L ? -1 : out[0];
            }
        }
    }

    // ---------------------------------------------------------------- dense primitives

    @Override
    public void gemm(boolean transA, boolean transB, float alpha, Tensor a, Tensor b, float beta, Tensor c) {
        assert a.rank() == 2 && b.rank() == 2 && c.rank() == 2;
        int m = transA ? a.dim(1) : a.dim(0);
        int kk = transA ? a.dim(0) : a.dim(1);
        int n = transB ? b.dim(0) : b.dim(1);
        assert (transB ? b.dim(1) : b.dim(0)) == kk && c.dim(0) == m && c.dim(1) == n;
        synchronized (dev) {
            dev.bind();
            blas.gemm(transA, transB, m, n, kk, alpha, cuda(a).address(), a.dim(1), cuda(b).address(), b.dim(1), beta,
                    cuda(c).address(), c.dim(1));
        }
    }

    @Override
    public void addRowVector(Tensor y, Tensor bias) {
        int cols = y.dim(-1);
        long rows = cols == 0 ? 0 : y.numel() / cols;
        assert bias.numel() == cols;
        synchronized (dev) {
            dev.bind();
            k.kernel(Kernel.ADD_BIAS2).ptr(cuda(y)).ptr(cuda(bias)).ptr(0L).l(rows).i(cols).run1d(y.numel());
        }
    }

    @Override
    public void sumRowsInto(Tensor x, Tensor out) {
        int cols = x.dim(-1);
        long rows = cols == 0 ? 0 : x.numel() / cols;
        assert out.numel() == cols;
        synchronized (dev) {
            dev.bind();
            sumRows(cuda(x).address(), rows, cols, cuda(out).address());
        }
    }

    /** {@code out[c] += sum_r x[r, c]} on raw addresses; caller holds the lock. */
    void sumRows(long x, long rows, int cols, long out) {
        if (cols == 0) {
            return;
        }
        k.kernel(Kernel.SUM_ROWS).ptr(x).l(rows).i(cols).ptr(out).run((cols + 31) / 32, 1, 32, 32, 0);
    }

    @Override
    public void axpy(float alpha, Tensor x, Tensor y) {
        assert x.numel() == y.numel();
        synchronized (dev) {
            dev.bind();
            k.kernel(Kernel.AXPY).f(alpha).ptr(cuda(x)).ptr(cuda(y)).l(x.numel()).run1d(x.numel());
        }
    }

    @Override
    public void activation(Activation act, Tensor x, Tensor y) {
        assert x.numel() == y.numel();
        synchronized (dev) {
            dev.bind();
            k.kernel(Kernel.ACTIVATION_FWD).i(actCode(act)).ptr(cuda(x)).ptr(cuda(y)).l(x.numel()).run1d(x.numel());
        }
    }

    @Override
    public void activationBackward(Activation act, Tensor x, Tensor y, Tensor dy, Tensor dx) {
        assert dy.numel() == dx.numel();
        synchronized (dev) {
            dev.bind();
            k.kernel(Kernel.ACTIVATION_BWD).i(actCode(act))
                    .ptr(act.backwardNeedsInput() ? cuda(x) : null).ptr(act.backwardNeedsInput() ? null : cuda(y))
                    .ptr(cuda(dy)).ptr(cuda(dx)).l(dy.numel()).run1d(dy.numel());
        }
    }

    /** The activation's code in the kernels: 0 tanh, 1 relu, 2 sigmoid, 3 gelu. */
    static int actCode(Activation act) {
        return switch (act) {
            case TANH -> 0;
            case RELU -> 1;
            case SIGMOID -> 2;
            case GELU -> 3;
        };
    }

    @Override
    public void transpose01(Tensor x, Tensor y) {
        int a = x.dim(0);
        int c = x.dim(1);
        int f = x.dim(2);
        assert y.hasShape(c, a, f);
        synchronized (dev) {
            dev.bind();
            k.kernel(Kernel.TRANSPOSE01).ptr(cuda(x)).ptr(cuda(y)).i(a).i(c).i(f).run1d(x.numel());
        }
    }

    @Override
    public void layerNormForward(Tensor x, Tensor gamma, Tensor beta, float eps, Tensor y, Tensor mean, Tensor rstd) {
        int cols = x.dim(-1);
        int rows = cols == 0 ? 0 : Math.toIntExact(x.numel() / cols);
        assert y.numel() == x.numel() && mean.numel() == rows && rstd.numel() == rows;
        if (rows == 0) {
            return;
        }
        synchronized (dev) {
            dev.bind();
            k.kernel(Kernel.LAYERNORM_FWD).ptr(cuda(x)).ptr(cudaOrNull(gamma)).ptr(cudaOrNull(beta)).f(eps).ptr(cuda(y))
                    .ptr(cudaOrNull(mean)).ptr(cudaOrNull(rstd)).i(rows).i(cols).run(rows, 1, rowBlock(cols), 1, 0);
        }
    }

    @Override
    public void layerNormBackward(Tensor dy, Tensor x, Tensor gamma, Tensor mean, Tensor rstd, Tensor dx,
                                  Tensor dGamma, Tensor dBeta) {
        int cols = x.dim(-1);
        int rows = cols == 0 ? 0 : Math.toIntExact(x.numel() / cols);
        if (rows == 0) {
            return;
        }
        synchronized (dev) {
            dev.bind();
            if (dGamma != null || dBeta != null) {
                // Before dx: dx may alias dy.
                k.kernel(Kernel.LAYERNORM_BWD_PARAMS).ptr(cuda(dy)).ptr(cuda(x)).ptr(cuda(mean)).ptr(cuda(rstd))
                        .ptr(cudaOrNull(dGamma)).ptr(cudaOrNull(dBeta)).i(rows).i(cols)
                        .run((cols + 31) / 32, 1, 32, 32, 0);
            }
            k.kernel(Kernel.LAYERNORM_BWD_DX).ptr(cuda(dy)).ptr(cuda(x)).ptr(cudaOrNull(gamma)).ptr(cuda(mean))
                    .ptr(cuda(rstd)).ptr(cuda(dx)).i(rows).i(cols).run(rows, 1, rowBlock(cols), 1, 0);
        }
    }

    /** Threads per block for one-block-per-row kernels: a multiple of 32, up to 256. */
    static int rowBlock(int cols) {
        return Math.min(256, Math.max(32, (cols + 31) / 32 * 32));
    }

    @Override
    public void embeddingForward(Tensor ids, Tensor table, Tensor out) {
        int cols = table.dim(1);
        int rows = Math.toIntExact(ids.numel());
        assert ids.dtype() == DType.I64 && out.numel() == (long) rows * cols;
        synchronized (dev) {
            dev.bind();
            k.kernel(Kernel.EMBEDDING_FWD).ptr(cuda(ids)).ptr(cuda(table)).ptr(cuda(out)).i(rows).i(cols)
                    .run1d((long) rows * cols);
        }
    }

    @Override
    public void embeddingBackward(Tensor ids, Tensor dOut, Tensor dTable) {
        int cols = dTable.dim(1);
        int rows = Math.toIntExact(ids.numel());
        assert ids.dtype() == DType.I64 && dOut.numel() == (long) rows * cols;
        synchronized (dev) {
            dev.bind();
            k.kernel(Kernel.EMBEDDING_BWD).ptr(cuda(ids)).ptr(cuda(dOut)).ptr(cuda(dTable)).i(rows).i(cols)
                    .run1d((long) rows * cols);
        }
    }

    @Override
    public void dropout(Tensor x, float p, long seed, Tensor keep, Tensor y) {
        assert x.numel() == keep.numel() && x.numel() == y.numel() && p >= 0f && p <= 1f;
        float scale = p >= 1f ? 0f : 1f / (1f - p);
        synchronized (dev) {
            dev.bind();
            k.kernel(Kernel.DROPOUT).ptr(cuda(x)).d(p).l(seed).f(scale).ptr(cuda(keep)).ptr(cuda(y)).l(x.numel())
                    .run1d(x.numel());
        }
    }

    @Override
    public void mul(Tensor a, Tensor b, Tensor out) {
        assert a.numel() == b.numel() && a.numel() == out.numel();
        synchronized (dev) {
            dev.bind();
            k.kernel(Kernel.MUL).ptr(cuda(a)).ptr(cuda(b)).ptr(cuda(out)).l(a.numel()).run1d(a.numel());
        }
    }

    @Override
    public void scale(Tensor t, float s) {
        synchronized (dev) {
            dev.bind();
            k.kernel(Kernel.SCALE).ptr(cuda(t)).f(s).l(t.numel()).run1d(t.numel());
        }
    }

    @Override
    public void clamp(Tensor t, float lo, float hi) {
        synchronized (dev) {
            dev.bind();
            k.kernel(Kernel.CLAMP).ptr(cuda(t)).f(lo).f(hi).l(t.numel()).run1d(t.numel());
        }
    }

    @Override
    public double sumOfSquares(Tensor t) {
        synchronized (dev) {
            dev.bind();
            try (CudaTensor acc = uninitialized(DType.I64, 1)) {
                dev.memset32(acc.address(), 0, 2);
                k.kernel(Kernel.SUM_SQUARES).ptr(cuda(t)).l(t.numel()).ptr(acc).run1d(t.numel());
                return readDouble(acc.address());
            }
        }
    }

    // ---------------------------------------------------------------- losses

    @Override
    public double crossEntropyForward(Tensor logits, Tensor targets, long ignoreIndex, float smoothing,
                                      Tensor logSumExp) {
        int rows = logits.dim(0);
        int classes = logits.dim(1);
        synchronized (dev) {
            dev.bind();
            try (CudaTensor acc = uninitialized(DType.I64, 1)) {
                dev.memset32(acc.address(), 0, 2);
                if (rows > 0) {
                    k.kernel(Kernel.CE_FWD).ptr(cuda(logits)).ptr(cuda(targets)).l(ignoreIndex).f(smoothing)
                            .ptr(cuda(logSumExp)).ptr(acc).i(rows).i(classes).run(rows, 1, rowBlock(classes), 1, 0);
                }
                return readDouble(acc.address());
            }
        }
    }

    @Override
    public void crossEntropyBackward(Tensor logits, Tensor targets, long ignoreIndex, float smoothing,
                                     Tensor logSumExp, float scale, Tensor dLogits) {
        int rows = logits.dim(0);
        int classes = logits.dim(1);
        synchronized (dev) {
            dev.bind();
            k.kernel(Kernel.CE_BWD).ptr(cuda(logits)).ptr(cuda(targets)).l(ignoreIndex).f(smoothing)
                    .ptr(cuda(logSumExp)).f(scale).ptr(cuda(dLogits)).i(rows).i(classes).run1d((long) rows * classes);
        }
    }

    @Override
    public double bceWithLogitsForward(Tensor logits, Tensor targets) {
        synchronized (dev) {
            dev.bind();
            try (CudaTensor acc = uninitialized(DType.I64, 1)) {
                dev.memset32(acc.address(), 0, 2);
                k.kernel(Kernel.BCE_FWD).ptr(cuda(logits)).ptr(cuda(targets)).l(logits.numel()).ptr(acc)
                        .run1d(logits.numel());
                return readDouble(acc.address());
            }
        }
    }

    @Override
    public void bceWithLogitsBackward(Tensor logits, Tensor targets, float scale, Tensor dLogits) {
        synchronized (dev) {
            dev.bind();
            k.kernel(Kernel.BCE_BWD).ptr(cuda(logits)).ptr(cuda(targets)).f(scale).ptr(cuda(dLogits))
                    .l(logits.numel()).run1d(logits.numel());
        }
    }

    // ---------------------------------------------------------------- optimizers

    @Override
    public void sgdStep(Tensor param, Tensor grad, Tensor momentumBuf, float lr, float momentum, float dampening,
                        boolean nesterov, float weightDecay, boolean first) {
        synchronized (dev) {
            dev.bind();
            k.kernel(Kernel.SGD_STEP).ptr(cuda(param)).ptr(cuda(grad)).ptr(cudaOrNull(momentumBuf)).f(lr).f(momentum)
                    .f(dampening).i(nesterov ? 1 : 0).f(weightDecay).i(first ? 1 : 0).l(param.numel())
                    .run1d(param.numel());
        }
    }

    @Override
    public void adamStep(Tensor param, Tensor grad, Tensor m, Tensor v, float lr, float beta1, float beta2, float eps,
                         float weightDecay, boolean decoupled, long step) {
        double bias1 = 1 - Math.pow(beta1, step);
        double bias2Sqrt = Math.sqrt(1 - Math.pow(beta2, step));
        float stepSize = (float) (lr / bias1);
        synchronized (dev) {
            dev.bind();
            k.kernel(Kernel.ADAM_STEP).ptr(cuda(param)).ptr(cuda(grad)).ptr(cuda(m)).ptr(cuda(v)).f(lr).f(beta1)
                    .f(beta2).f(eps).f(weightDecay).i(decoupled ? 1 : 0).f(stepSize).d(bias2Sqrt).l(param.numel())
                    .run1d(param.numel());
        }
    }

    // ---------------------------------------------------------------- attention

    @Override
    public void attentionForward(Tensor q, Tensor kk, Tensor v, int heads, AttentionMask mask, Tensor out,
                                 Tensor logSumExp, Tensor avgWeights) {
        synchronized (dev) {
            dev.bind();
            attention.forward(cuda(q), cuda(kk), cuda(v), heads, mask, cuda(out), cudaOrNull(logSumExp),
                    cudaOrNull(avgWeights));
        }
    }

    @Override
    public void attentionBackward(Tensor q, Tensor kk, Tensor v, int heads, AttentionMask mask, Tensor out,
                                  Tensor logSumExp, Tensor dOut, Tensor dAvgWeights, Tensor dq, Tensor dk, Tensor dv) {
        synchronized (dev) {
            dev.bind();
            attention.backward(cuda(q), cuda(kk), cuda(v), heads, mask, cuda(logSumExp), cuda(dOut),
                    cudaOrNull(dAvgWeights), cuda(dq), cuda(dk), cuda(dv));
        }
    }

    // ---------------------------------------------------------------- fused recurrent cells

    @Override
    public void lstmCellForward(Tensor gates, Tensor c, Tensor cNext, Tensor hNext) {
        int batch = c.dim(0);
        int hidden = c.dim(1);
        synchronized (dev) {
            dev.bind();
            k.kernel(Kernel.LSTM_FWD).ptr(cuda(gates)).ptr(cuda(c)).ptr(cuda(cNext)).ptr(cuda(hNext)).i(hidden)
                    .ptr(0L).i(0).ptr(0L).ptr(0L).i(batch).i(batch).i(hidden).i(1).run1d((long) batch * hidden);
        }
    }

    @Override
    public void lstmCellBackward(Tensor gates, Tensor c, Tensor cNext, Tensor dhNext, Tensor dcNext, Tensor dGates,
                                 Tensor dc) {
        int batch = c.dim(0);
        int hidden = c.dim(1);
        synchronized (dev) {
            dev.bind();
            CudaTensor dcT = cuda(dc);
            if (cuda(dcNext).address() != dcT.address()) {
                dev.copy(dcT.address(), cuda(dcNext).address(), dcT.byteSize()); // the kernel turns dcNext into dc
            }
            k.kernel(Kernel.LSTM_BWD).ptr(cuda(gates)).ptr(cuda(c)).ptr(cuda(cNext)).ptr(cuda(dhNext)).i(hidden)
                    .ptr(0L).i(0).ptr(dcT).ptr(cuda(dGates)).i(batch).i(hidden).run1d((long) batch * hidden);
        }
    }

    @Override
    public void gruCellForward(Tensor gi, Tensor gh, Tensor h, Tensor hNext, Tensor saved) {
        int batch = h.dim(0);
        int hidden = h.dim(1);
        synchronized (dev) {
            dev.bind();
            k.kernel(Kernel.GRU_FWD).ptr(cuda(gi)).ptr(cuda(gh)).ptr(0L).ptr(cuda(h)).ptr(cuda(hNext))
                    .ptr(cuda(saved)).ptr(0L).i(0).i(batch).i(batch).i(hidden).run1d((long) batch * hidden);
        }
    }

    @Override
    public void gruCellBackward(Tensor saved, Tensor h, Tensor dhNext, Tensor dGi, Tensor dGh, Tensor dh) {
        int batch = h.dim(0);
        int hidden = h.dim(1);
        synchronized (dev) {
            dev.bind();
            CudaTensor dhT = cuda(dh);
            if (cuda(dhNext).address() != dhT.address()) {
                dev.copy(dhT.address(), cuda(dhNext).address(), dhT.byteSize()); // the kernel turns dhNext into z*dhNext
            }
            k.kernel(Kernel.GRU_BWD).ptr(cuda(saved)).ptr(cuda(h)).ptr(dhT).ptr(0L).i(0).ptr(cuda(dGi)).ptr(cuda(dGh))
                    .i(batch).i(hidden).run1d((long) batch * hidden);
        }
    }

    // ---------------------------------------------------------------- sequence level

    @Override
    public RnnContext rnnForward(RnnWeights w, Tensor x, Tensor h0, Tensor c0, int[] lengths, Tensor y, Tensor hn,
                                 Tensor cn, boolean keepForBackward) {
        synchronized (dev) {
            dev.bind();
            if (options.rnnPath() == CudaOptions.RnnPath.CUDNN) {
                return cudnnPath().forward(w, cuda(x), cudaOrNull(h0), cudaOrNull(c0), lengths, cuda(y), cuda(hn),
                        cudaOrNull(cn), keepForBackward);
            }
            return rnn.forward(w, cuda(x), cudaOrNull(h0), cudaOrNull(c0), lengths, cuda(y), cuda(hn), cudaOrNull(cn),
                    keepForBackward);
        }
    }

    @Override
    public void rnnBackward(RnnContext ctx, Tensor dy, Tensor dhn, Tensor dcn, Tensor dx, Tensor dh0, Tensor dc0,
                            RnnWeights grads) {
        synchronized (dev) {
            dev.bind();
            if (cudnnRnn != null && cudnnRnn.owns(ctx)) {
                cudnnRnn.backward(ctx, cudaOrNull(dy), cudaOrNull(dhn), cudaOrNull(dcn), cuda(dx), cuda(dh0),
                        cudaOrNull(dc0), grads);
                return;
            }
            rnn.backward(ctx, cudaOrNull(dy), cudaOrNull(dhn), cudaOrNull(dcn), cuda(dx), cuda(dh0), cudaOrNull(dc0),
                    grads);
        }
    }

    /** The cuDNN path; throws when cuDNN did not load. */
    private CudnnRnn cudnnPath() {
        if (cudnnRnn == null) {
            throw new IllegalStateException("cuda rnnForward: -D" + CudaOptions.RNN_PROPERTY + "=cudnn asks for "
                    + "cuDNN's RNN API, but cuDNN did not load (" + probe.cudnnNote() + "); install cuDNN 9 for "
                    + "CUDA 13 (e.g. the cudnn9-cuda-13 package) or use -D" + CudaOptions.RNN_PROPERTY
                    + "=fused (the default)");
        }
        return cudnnRnn;
    }

    private static void checkLength(int length, int[] shape) {
        if (length != Shapes.numel(shape)) {
            throw new IllegalArgumentException(String.format(Locale.ROOT,
                    "cuda: data must have numel(%s) = %d elements, got %d", Shapes.toString(shape),
                    Shapes.numel(shape), length));
        }
    }
}
