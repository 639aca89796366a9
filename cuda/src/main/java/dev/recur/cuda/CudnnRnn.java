package dev.recur.cuda;

import static dev.recur.cuda.CudaCalls.checkCudnn;

import dev.recur.backend.RnnContext;
import dev.recur.backend.RnnMode;
import dev.recur.backend.RnnSpec;
import dev.recur.backend.RnnWeights;
import dev.recur.backend.RnnWeights.Kind;
import dev.recur.tensor.DType;
import java.util.Arrays;
import java.util.Locale;
import org.bytedeco.cuda.cudnn.cudnnContext;
import org.bytedeco.cuda.cudnn.cudnnDropoutStruct;
import org.bytedeco.cuda.cudnn.cudnnRNNDataStruct;
import org.bytedeco.cuda.cudnn.cudnnRNNStruct;
import org.bytedeco.cuda.cudnn.cudnnTensorStruct;
import org.bytedeco.cuda.global.cudnn;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.PointerPointer;
import org.bytedeco.javacpp.SizeTPointer;

/**
 * The sequence-level recurrent op on cuDNN 9's RNN API ({@code -Drecur.cuda.rnn=cudnn}): {@code cudnnRNNForward},
 * {@code cudnnRNNBackwardData_v8} and {@code cudnnRNNBackwardWeights_v8}, with the same contract as
 * {@link CudaRnn} (the fused path) and the cpu backend.
 *
 * <p>Data: Recur's {@code x [T, B, I]} and {@code y [T, B, D*Hout]} are cuDNN's sequence-major unpacked layout
 * ({@code CUDNN_RNN_DATA_LAYOUT_SEQ_MAJOR_UNPACKED}, padded I/O on) with each sequence's length, so no sorting
 * is needed: cuDNN runs the rows past their end as padding (outputs filled with 0), takes {@code hn}/{@code cn}
 * at each sequence's own last step, and starts the reverse direction at {@code lengths[b] - 1}, as PyTorch's
 * packed sequences do (PyTorch's CUDA LSTM is this API). {@code h0, hn [L*D, B, Hout]} and
 * {@code c0, cn [L*D, B, H]} are cuDNN's {@code hx, hy, cx, cy} as they are.
 *
 * <p>Weights: cuDNN keeps every matrix and bias in one weight space; each forward copies Recur's tensors into it
 * (device to device), and backward adds cuDNN's gradient space back into Recur's gradient tensors, through the
 * map {@link #slot}. Biases: {@code CUDNN_RNN_DOUBLE_BIAS} is PyTorch's {@code b_ih} and {@code b_hh}; GRU's
 * candidate {@code n = tanh(W_in x + b_in + r (W_hn h + b_hn))} is cuDNN's GRU as it is. Math: FP32 with
 * {@code CUDNN_FMA_MATH} (no TF32) unless {@code -Drecur.cuda.tf32=true}.
 *
 * <p>Not thread safe: callers hold the backend's lock, with the device bound.
 */
final class CudnnRnn implements AutoCloseable {
    private final CudaBackend be;
    private final boolean tf32;
    /** Lazily created on the first call, on the backend's stream. */
    private cudnnContext handle;
    private cudnnDropoutStruct noDropout;
    /** Host memory holding 0f: what cuDNN writes at the padded positions of y and dx. */
    private final FloatPointer zeroFill = new FloatPointer(1).put(0, 0f);

    CudnnRnn(CudaBackend be, boolean tf32) {
        this.be = be;
        this.tf32 = tf32;
    }

    // ------------------------------------------------------------------ parameter map

    /**
     * Where cuDNN's matrix (or bias) {@code id} of one layer and direction lives in Recur's weights: the tensor's
     * kind and the element range in it.
     */
    record Slot(Kind kind, long offset, long count) {
    }

    /**
     * How many {@code linLayerID}s one layer and direction has: 2 per gate (input side, hidden side), and an LSTM
     * with a projection one more, its {@code W_hr}.
     */
    static int ids(RnnSpec spec) {
        return 2 * spec.mode().gates() + (spec.projSize() > 0 ? 1 : 0);
    }

    /**
     * cuDNN's {@code linLayerID} numbering (cudnnGetRNNWeightParams): for G gates in PyTorch's order (LSTM
     * i, f, g, o; GRU r, z, n; RNN one), ids {@code [0, G)} are the input-side matrices {@code W} of gate q, ids
     * {@code [G, 2G)} the hidden-side {@code R}, and an LSTM's id 8 its projection. Recur's {@code weight_ih}
     * {@code [G*H, I_l]} holds gate q's {@code [H, I_l]} at rows {@code q*H}, the same row-major layout, so each id
     * is one contiguous range; the biases likewise ({@code bias ? null : ...}).
     *
     * @param bias the bias of id, else its matrix
     * @return the range, or null when this id has no such parameter (a projection's bias, no biases)
     */
    static Slot slot(RnnSpec spec, int layer, int id, boolean bias) {
        int gates = spec.mode().gates();
        int hidden = spec.hiddenSize();
        if (id < 0 || id >= ids(spec)) {
            throw new IllegalArgumentException(String.format(Locale.ROOT,
                    "cudnn: linLayerID must be in [0, %d) for %s, got %d", ids(spec), spec.mode().opName(), id));
        }
        if (id == 2 * gates) { // the projection W_hr [P, H], no bias
            return bias ? null : new Slot(Kind.WEIGHT_HR, 0, (long) spec.projSize() * hidden);
        }
        boolean hiddenSide = id >= gates;
        int q = hiddenSide ? id - gates : id;
        if (bias) {
            return spec.bias() ? new Slot(hiddenSide ? Kind.BIAS_HH : Kind.BIAS_IH, (long) q * hidden, hidden) : null;
        }
        int cols = hiddenSide ? spec.outputSize() : spec.layerInputSize(layer);
        return new Slot(hiddenSide ? Kind.WEIGHT_HH : Kind.WEIGHT_IH, (long) q * hidden * cols, (long) hidden * cols);
    }

    // ------------------------------------------------------------------ descriptors and saved state

    /** One call's descriptors and what backward needs; closing frees them. */
    private final class Context implements RnnContext {
        final RnnSpec spec;
        final RnnWeights w;
        final int steps;
        final int batch;
        final cudnnRNNStruct rnnDesc = new cudnnRNNStruct();
        final cudnnRNNDataStruct xDesc = new cudnnRNNDataStruct();
        final cudnnRNNDataStruct yDesc = new cudnnRNNDataStruct();
        final cudnnTensorStruct hDesc = new cudnnTensorStruct();
        /** LSTM only, else null. */
        final cudnnTensorStruct cDesc;
        CudaTensor seqLengths; // I32 [B] on the device
        CudaTensor weights;    // the weight space, bytes rounded up to floats
        long weightBytes;
        CudaTensor reserve;    // training only
        long reserveBytes;
        /** The work space a training-mode call needs (forward's size, which backward reuses). */
        long workBytes;
        // Kept for backward (training only): the layer input, a copy of y, copies of h0 / c0 (null: zeros).
        CudaTensor x;
        CudaTensor y;
        CudaTensor h0;
        CudaTensor c0;
        boolean closed;

        Context(RnnSpec spec, RnnWeights w, int steps, int batch) {
            this.spec = spec;
            this.w = w;
            this.steps = steps;
            this.batch = batch;
            this.cDesc = spec.hasCellState() ? new cudnnTensorStruct() : null;
        }

        @Override
        public RnnSpec spec() {
            return spec;
        }

        CudnnRnn owner() {
            return CudnnRnn.this;
        }

        /**
         * The descriptor passed as {@code cDesc}: the cell state's, or for GRU and RNN (no cell state, null
         * {@code cx}/{@code cy}) the hidden state's, which has the shape a cell state would have ({@code [L*D, B, H]},
         * no projection without LSTM). cuDNN documents {@code cDesc} as LSTM-only; a valid descriptor is what
         * PyTorch passes too, so no version of cuDNN that checks it rejects the call.
         */
        cudnnTensorStruct cellDesc() {
            return cDesc != null ? cDesc : hDesc;
        }

        @Override
        public void close() {
            if (closed) {
                return;
            }
            closed = true;
            for (CudaTensor t : new CudaTensor[] {seqLengths, weights, reserve, y, h0, c0}) {
                if (t != null) {
                    t.close();
                }
            }
            // Destroy calls of descriptors that were never created (a failure half-way) are skipped.
            if (!rnnDesc.isNull()) {
                cudnn.cudnnDestroyRNNDescriptor(rnnDesc);
            }
            for (cudnnRNNDataStruct d : new cudnnRNNDataStruct[] {xDesc, yDesc}) {
                if (!d.isNull()) {
                    cudnn.cudnnDestroyRNNDataDescriptor(d);
                }
            }
            for (cudnnTensorStruct d : new cudnnTensorStruct[] {hDesc, cDesc}) {
                if (d != null && !d.isNull()) {
                    cudnn.cudnnDestroyTensorDescriptor(d);
                }
            }
        }
    }

    /** Creates the handle on the backend's stream and a no-dropout descriptor, once. */
    private cudnnContext handle() {
        if (handle == null) {
            cudnnContext h = new cudnnContext();
            checkCudnn(cudnn.cudnnCreate(h), "cudnnCreate");
            cudnnDropoutStruct dropout = new cudnnDropoutStruct();
            boolean ok = false;
            try {
                checkCudnn(cudnn.cudnnSetStream(h, be.device().stream()), "cudnnSetStream");
                checkCudnn(cudnn.cudnnCreateDropoutDescriptor(dropout), "cudnnCreateDropoutDescriptor");
                // Dropout 0 needs no random states (PyTorch's set_no_dropout does the same).
                checkCudnn(cudnn.cudnnSetDropoutDescriptor(dropout, h, 0f, null, 0, 0), "cudnnSetDropoutDescriptor");
                ok = true;
            } finally {
                if (!ok) {
                    if (!dropout.isNull()) {
                        cudnn.cudnnDestroyDropoutDescriptor(dropout);
                    }
                    cudnn.cudnnDestroy(h);
                }
            }
            handle = h;
            noDropout = dropout;
        }
        return handle;
    }

    /** Fills the descriptors of {@code c} for input width {@code inSize} and the sequences' lengths. */
    private void describe(Context c, int inSize, int[] lengths) {
        RnnSpec spec = c.spec;
        int cell = switch (spec.mode()) {
            case LSTM -> cudnn.CUDNN_LSTM;
            case GRU -> cudnn.CUDNN_GRU;
            case RNN_TANH -> cudnn.CUDNN_RNN_TANH;
            case RNN_RELU -> cudnn.CUDNN_RNN_RELU;
        };
        checkCudnn(cudnn.cudnnCreateRNNDescriptor(c.rnnDesc), "cudnnCreateRNNDescriptor");
        checkCudnn(cudnn.cudnnSetRNNDescriptor_v8(c.rnnDesc, cudnn.CUDNN_RNN_ALGO_STANDARD, cell,
                spec.bias() ? cudnn.CUDNN_RNN_DOUBLE_BIAS : cudnn.CUDNN_RNN_NO_BIAS,
                spec.bidirectional() ? cudnn.CUDNN_BIDIRECTIONAL : cudnn.CUDNN_UNIDIRECTIONAL,
                cudnn.CUDNN_LINEAR_INPUT, cudnn.CUDNN_DATA_FLOAT, cudnn.CUDNN_DATA_FLOAT,
                tf32 ? cudnn.CUDNN_DEFAULT_MATH : cudnn.CUDNN_FMA_MATH, inSize, spec.hiddenSize(),
                spec.outputSize(), spec.numLayers(), noDropout, cudnn.CUDNN_RNN_PADDED_IO_ENABLED),
                describeCall("cudnnSetRNNDescriptor_v8", spec, inSize));
        int[] seq = lengths != null ? lengths : full(c.steps, c.batch);
        int width = spec.directions() * spec.outputSize();
        for (cudnnRNNDataStruct d : new cudnnRNNDataStruct[] {c.xDesc, c.yDesc}) {
            checkCudnn(cudnn.cudnnCreateRNNDataDescriptor(d), "cudnnCreateRNNDataDescriptor");
            checkCudnn(cudnn.cudnnSetRNNDataDescriptor(d, cudnn.CUDNN_DATA_FLOAT,
                    cudnn.CUDNN_RNN_DATA_LAYOUT_SEQ_MAJOR_UNPACKED, c.steps, c.batch, d == c.xDesc ? inSize : width,
                    seq, zeroFill), String.format(Locale.ROOT, "cudnnSetRNNDataDescriptor(%s: T=%d, B=%d, %d features)",
                    d == c.xDesc ? "x" : "y", c.steps, c.batch, d == c.xDesc ? inSize : width));
        }
        int states = spec.numLayers() * spec.directions();
        tensor3(c.hDesc, states, c.batch, spec.outputSize(), "h");
        if (c.cDesc != null) {
            tensor3(c.cDesc, states, c.batch, spec.hiddenSize(), "c");
        }
        c.seqLengths = be.ints(seq);
    }

    private static void tensor3(cudnnTensorStruct d, int a, int b, int n, String what) {
        checkCudnn(cudnn.cudnnCreateTensorDescriptor(d), "cudnnCreateTensorDescriptor");
        checkCudnn(cudnn.cudnnSetTensorNdDescriptor(d, cudnn.CUDNN_DATA_FLOAT, 3, new int[] {a, b, n},
                new int[] {b * n, n, 1}), String.format(Locale.ROOT, "cudnnSetTensorNdDescriptor(%s [%d, %d, %d])",
                what, a, b, n));
    }

    private static String describeCall(String call, RnnSpec spec, int inSize) {
        return String.format(Locale.ROOT, "%s(%s, I=%d, H=%d, P=%d, L=%d, D=%d, bias=%b)", call,
                spec.mode().opName(), inSize, spec.hiddenSize(), spec.projSize(), spec.numLayers(),
                spec.directions(), spec.bias());
    }

    private static int[] full(int steps, int batch) {
        int[] seq = new int[batch];
        Arrays.fill(seq, steps);
        return seq;
    }

    /** Allocates the weight space of {@code c} and copies Recur's weights into it. */
    private void loadWeights(Context c) {
        try (SizeTPointer size = new SizeTPointer(1)) {
            checkCudnn(cudnn.cudnnGetRNNWeightSpaceSize(handle, c.rnnDesc, size), "cudnnGetRNNWeightSpaceSize");
            c.weightBytes = size.get(0);
        }
        c.weights = bytes(c.weightBytes);
        forEachParam(c, c.weights, (recur, inCudnn, count) -> be.device().copy(inCudnn, recur, 4L * count), c.w);
    }

    /** What to do with one parameter: its address in Recur's tensor and in a cuDNN weight space, in floats. */
    private interface ParamAction {
        void apply(long recurAddress, long cudnnAddress, long count);
    }

    /**
     * Calls {@code action} for every matrix and bias of every layer and direction, with its place in
     * {@code weights} (Recur's tensors, or their gradients) and in {@code space} (a cuDNN weight space laid out
     * by {@code c.rnnDesc}). Checks that cuDNN's shape of each has the element count {@link #slot} expects.
     */
    private void forEachParam(Context c, CudaTensor space, ParamAction action, RnnWeights weights) {
        RnnSpec spec = c.spec;
        cudnnTensorStruct mDesc = new cudnnTensorStruct();
        cudnnTensorStruct bDesc = new cudnnTensorStruct();
        try (PointerPointer<Pointer> mAddr = new PointerPointer<>(1);
             PointerPointer<Pointer> bAddr = new PointerPointer<>(1)) {
            checkCudnn(cudnn.cudnnCreateTensorDescriptor(mDesc), "cudnnCreateTensorDescriptor");
            checkCudnn(cudnn.cudnnCreateTensorDescriptor(bDesc), "cudnnCreateTensorDescriptor");
            for (int layer = 0; layer < spec.numLayers(); layer++) {
                for (int d = 0; d < spec.directions(); d++) {
                    int pseudoLayer = layer * spec.directions() + d;
                    for (int id = 0; id < ids(spec); id++) {
                        mAddr.put(0, null);
                        bAddr.put(0, null);
                        checkCudnn(cudnn.cudnnGetRNNWeightParams(handle, c.rnnDesc, pseudoLayer, c.weightBytes,
                                DevicePointer.of(space.address()), id, mDesc, mAddr, bDesc, bAddr),
                                String.format(Locale.ROOT, "cudnnGetRNNWeightParams(layer %d, direction %d, "
                                        + "linLayerID %d)", layer, d, id));
                        for (boolean bias : new boolean[] {false, true}) {
                            Slot s = slot(spec, layer, id, bias);
                            Pointer p = bias ? bAddr.get(0) : mAddr.get(0);
                            long address = p == null ? 0L : p.address();
                            if (s == null || address == 0L) {
                                if ((s == null) != (address == 0L)) {
                                    throw new CudaException(String.format(Locale.ROOT, "cudnn: layer %d, direction "
                                            + "%d, linLayerID %d: expected %s, cuDNN has %s", layer, d, id,
                                            s == null ? "no " + (bias ? "bias" : "matrix") : s,
                                            address == 0L ? "none" : "one"), 0);
                                }
                                continue;
                            }
                            long count = numel(bias ? bDesc : mDesc);
                            if (count != s.count()) {
                                throw new CudaException(String.format(Locale.ROOT, "cudnn: layer %d, direction %d, "
                                        + "linLayerID %d %s: expected %d elements (%s), cuDNN's has %d", layer, d, id,
                                        bias ? "bias" : "matrix", s.count(), s, count), 0);
                            }
                            long recur = be.cuda(weights.get(s.kind(), layer, d)).address() + 4L * s.offset();
                            action.apply(recur, address, count);
                        }
                    }
                }
            }
        } finally {
            for (cudnnTensorStruct desc : new cudnnTensorStruct[] {mDesc, bDesc}) {
                if (!desc.isNull()) {
                    cudnn.cudnnDestroyTensorDescriptor(desc);
                }
            }
        }
    }

    private static long numel(cudnnTensorStruct desc) {
        int[] type = {0};
        int[] rank = {0};
        int[] dims = new int[8];
        int[] strides = new int[8];
        checkCudnn(cudnn.cudnnGetTensorNdDescriptor(desc, dims.length, type, rank, dims, strides),
                "cudnnGetTensorNdDescriptor");
        long n = 1;
        for (int i = 0; i < rank[0]; i++) {
            n *= dims[i];
        }
        return n;
    }

    /** A device buffer of at least {@code bytes} (F32 elements, rounded up). */
    private CudaTensor bytes(long bytes) {
        return be.uninitialized(DType.F32, Math.toIntExact(Math.max(1, (bytes + 3) / 4)));
    }

    // ------------------------------------------------------------------ forward and backward

    RnnContext forward(RnnWeights w, CudaTensor x, CudaTensor h0, CudaTensor c0, int[] lengths, CudaTensor y,
                       CudaTensor hn, CudaTensor cn, boolean keep) {
        RnnSpec spec = w.spec();
        handle();
        Context c = new Context(spec, w, x.dim(0), x.dim(1));
        CudaTensor work = null;
        try {
            describe(c, x.dim(2), lengths);
            loadWeights(c);
            int mode = keep ? cudnn.CUDNN_FWD_MODE_TRAINING : cudnn.CUDNN_FWD_MODE_INFERENCE;
            try (SizeTPointer ws = new SizeTPointer(1); SizeTPointer rs = new SizeTPointer(1)) {
                checkCudnn(cudnn.cudnnGetRNNTempSpaceSizes(handle, c.rnnDesc, mode, c.xDesc, ws, rs),
                        "cudnnGetRNNTempSpaceSizes");
                c.workBytes = ws.get(0);
                c.reserveBytes = keep ? rs.get(0) : 0;
            }
            work = bytes(c.workBytes);
            if (keep) {
                c.reserve = bytes(c.reserveBytes);
            }
            checkCudnn(cudnn.cudnnRNNForward(handle, c.rnnDesc, mode, DevicePointer.ints(c.seqLengths.address()),
                    c.xDesc, DevicePointer.of(x.address()), c.yDesc, DevicePointer.of(y.address()), c.hDesc,
                    DevicePointer.orNull(h0), DevicePointer.of(hn.address()), c.cellDesc(), DevicePointer.orNull(c0),
                    DevicePointer.orNull(cn), c.weightBytes, DevicePointer.of(c.weights.address()), c.workBytes,
                    DevicePointer.of(work.address()), c.reserveBytes,
                    keep ? DevicePointer.of(c.reserve.address()) : null), "cudnnRNNForward");
            if (keep) {
                c.x = x;
                c.y = copy(y);
                c.h0 = h0 == null ? null : copy(h0);
                c.c0 = c0 == null ? null : copy(c0);
            }
        } catch (RuntimeException | Error e) {
            c.close();
            throw e;
        } finally {
            if (work != null) {
                work.close(); // stream-ordered: freed after the queued call
            }
            if (!keep) {
                c.close();
            }
        }
        return keep ? c : null;
    }

    private CudaTensor copy(CudaTensor t) {
        CudaTensor out = be.uninitialized(DType.F32, t.shape());
        be.device().copy(out.address(), t.address(), t.byteSize());
        return out;
    }

    /** Whether {@code ctx} came from this path's forward. */
    boolean owns(RnnContext ctx) {
        return ctx instanceof Context c && c.owner() == this;
    }

    void backward(RnnContext context, CudaTensor dy, CudaTensor dhn, CudaTensor dcn, CudaTensor dx, CudaTensor dh0,
                  CudaTensor dc0, RnnWeights grads) {
        Context c = (Context) context;
        if (c.closed) {
            throw new IllegalStateException(c.spec.mode().opName() + ": backward needs the saved activations, "
                    + "got a closed context");
        }
        CudaTensor work = null;
        CudaTensor dW = null;
        CudaTensor dyZeros = null;
        try {
            work = bytes(c.workBytes);
            if (dy == null) { // cuDNN needs dy: no gradient from y is a gradient of zeros
                dyZeros = be.zerosF(c.y.shape());
            }
            CudaTensor dyIn = dy != null ? dy : dyZeros;
            // dx is 0 at padded steps: cuDNN fills them with zeroFill, the memset makes sure of it.
            be.device().memset32(dx.address(), 0, dx.numel());
            checkCudnn(cudnn.cudnnRNNBackwardData_v8(handle, c.rnnDesc, DevicePointer.ints(c.seqLengths.address()),
                    c.yDesc, DevicePointer.of(c.y.address()), DevicePointer.of(dyIn.address()), c.xDesc,
                    DevicePointer.of(dx.address()), c.hDesc, DevicePointer.orNull(c.h0), DevicePointer.orNull(dhn),
                    DevicePointer.of(dh0.address()), c.cellDesc(), DevicePointer.orNull(c.c0), DevicePointer.orNull(dcn),
                    DevicePointer.orNull(dc0), c.weightBytes, DevicePointer.of(c.weights.address()), c.workBytes,
                    DevicePointer.of(work.address()), c.reserveBytes, DevicePointer.of(c.reserve.address())),
                    "cudnnRNNBackwardData_v8");
            // cuDNN adds into its gradient space (CUDNN_WGRAD_MODE_ADD): start from zeros, then add each parameter's
            // part into Recur's gradient tensors, which accumulate across calls.
            dW = bytes(c.weightBytes);
            be.device().memset8(dW.address(), (byte) 0, c.weightBytes);
            checkCudnn(cudnn.cudnnRNNBackwardWeights_v8(handle, c.rnnDesc, cudnn.CUDNN_WGRAD_MODE_ADD,
                    DevicePointer.ints(c.seqLengths.address()), c.xDesc, DevicePointer.of(c.x.address()), c.hDesc,
                    DevicePointer.orNull(c.h0), c.yDesc, DevicePointer.of(c.y.address()), c.weightBytes,
                    DevicePointer.of(dW.address()), c.workBytes, DevicePointer.of(work.address()), c.reserveBytes,
                    DevicePointer.of(c.reserve.address())), "cudnnRNNBackwardWeights_v8");
            forEachParam(c, dW, (recur, inCudnn, count) -> be.kernels().kernel(Kernel.AXPY).f(1f).ptr(inCudnn)
                    .ptr(recur).l(count).run1d(count), grads);
        } finally {
            for (CudaTensor t : new CudaTensor[] {work, dW, dyZeros}) {
                if (t != null) {
                    t.close();
                }
            }
        }
    }

    /** Destroys the handle and the dropout descriptor (the backend closes this before its stream). */
    @Override
    public void close() {
        if (noDropout != null) {
            cudnn.cudnnDestroyDropoutDescriptor(noDropout);
            noDropout = null;
        }
        if (handle != null) {
            cudnn.cudnnDestroy(handle);
            handle = null;
        }
        zeroFill.close();
    }

    /** JavaCPP pointers at device addresses, for the JNI wrappers (no allocation behind them). */
    private static final class DevicePointer extends Pointer {
        private DevicePointer(long address) {
            this.address = address;
        }

        static Pointer of(long address) {
            return new DevicePointer(address);
        }

        static Pointer orNull(CudaTensor t) {
            return t == null ? null : new DevicePointer(t.address());
        }

        static IntPointer ints(long address) {
            return new IntPointer(new DevicePointer(address));
        }
    }
}
