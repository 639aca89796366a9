package dev.recur.nd4j;

import dev.recur.backend.Backend;
import dev.recur.tensor.DType;
import dev.recur.tensor.Shapes;
import dev.recur.tensor.Tensor;
import java.nio.Buffer;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.util.Arrays;
import java.util.Locale;
import org.nd4j.linalg.api.buffer.DataBuffer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.concurrency.AffinityManager;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Conversion between ND4J's {@link INDArray} and Recur's {@link Tensor}, in both directions, through ND4J's
 * public API only, so it works the same for arrays of {@code nd4j-native} and of ND4J's CUDA backend (whose
 * arrays are synchronised to the host first).
 *
 * <ul>
 *   <li>{@link #share}: a FLOAT, 'c'-contiguous array of {@code nd4j-native} becomes a cpu tensor over the
 *       array's own memory — no copy; writes by either side are seen by the other.</li>
 *   <li>{@link #fromINDArray}: a FLOAT or DOUBLE array of any ordering ('c' or 'f'), any view (offset,
 *       strides, transposes, permutations), any rank; the values in row-major order become an F32 tensor of the
 *       same shape (DOUBLE is rounded to float: Recur computes in F32).</li>
 *   <li>{@link #toINDArray}: an F32 tensor becomes a new 'c'-ordered FLOAT (or DOUBLE) array, detached from any
 *       ND4J workspace, of the same shape.</li>
 * </ul>
 *
 * <p>Memory: {@link #share} shares, and says why when it cannot; {@link #fromINDArray} and {@link #toINDArray}
 * always copy, whatever the layout, so that the result is independent of its source. Sharing is a separate,
 * explicit call because it changes what a write means and how long memory must live: a tensor from
 * {@link #share} sees every later write to the array (and the array every write to the tensor, including
 * Recur's in-place ops), and the array must not be closed while the tensor is open. {@link #canShare} tells
 * beforehand, so "share where the layout allows it, copy otherwise" is
 * {@code canShare(a, b) ? share(a, b) : fromINDArray(a, b)}. A copy on the cpu backend with {@code nd4j-native}
 * is one pass, element by element from ND4J's buffer straight into the tensor's off-heap memory (and back),
 * reordering views and 'f' arrays on the way. Otherwise (another Recur backend, or ND4J's CUDA backend) the
 * values are staged once in a host array. {@link #sharesMemory} tells which happened.
 *
 * <p>Bad input is rejected with an {@link IllegalArgumentException} naming the argument, what was expected and
 * what was found, e.g. {@code "fromINDArray: a must be a FLOAT or DOUBLE INDArray, got INT [2, 3]"}.
 */
public final class Nd4jTensors {
    /** Whether recur-cpu (optional) is on the class path; {@link CpuMemory} is only touched when it is. */
    private static final boolean CPU_PRESENT = classPresent("dev.recur.cpu.CpuTensor");

    /** The cpu backend's limit on the number of elements of one tensor. */
    private static final long MAX_ELEMENTS = Integer.MAX_VALUE - 8;

    private Nd4jTensors() {
    }

    /**
     * A new F32 tensor of {@code backend} holding the values of {@code a}, same shape, row-major.
     *
     * @param a       a FLOAT or DOUBLE array: 'c' or 'f' ordered, a view or not, any rank (0 for a scalar)
     * @param backend the backend that will own the tensor
     * @return a tensor the caller closes; it never shares memory with {@code a} (a copy, even where
     *         {@link #share} could share)
     * @throws IllegalArgumentException naming the argument, the expected and the found value
     */
    public static Tensor fromINDArray(INDArray a, Backend backend) {
        requireBackend("fromINDArray", backend);
        INDArray arr = checkFloating("fromINDArray", "a", a);
        return gather("fromINDArray", "a", arr, identity(arr.rank()), backend);
    }

    /**
     * An F32 tensor of the cpu backend over {@code a}'s own memory: no copy. The tensor has {@code a}'s shape
     * and its element 0 is {@code a}'s first element (views with an offset are fine); a write to either is
     * seen by the other (ND4J ops on {@code a}, {@code putScalar}, Recur's ops on the tensor, including
     * OpenBLAS GEMM writing into it).
     *
     * <p>Possible when {@code backend} is Recur's cpu backend and {@code a} is a non-empty FLOAT array in host
     * memory ({@code nd4j-native}), not attached to an ND4J workspace, and 'c'-contiguous: its elements in
     * row-major order are consecutive in memory (dimensions of size 1 may have any stride, so a {@code [1, n]}
     * 'f' array or a row view qualifies; a column view, a transpose or an 'f' matrix does not). Otherwise it
     * throws, saying why; {@link #fromINDArray} copies any of those.
     *
     * <p>Lifetime: the tensor strongly references {@code a} (and its buffer) until the tensor is closed, so
     * ND4J's garbage-collection-driven deallocation cannot free the memory under it; closing the tensor frees
     * nothing. Do not {@code close()} {@code a} (or the array it is a view of) while the tensor is open.
     *
     * @param a       a FLOAT, 'c'-contiguous array of {@code nd4j-native}, not in a workspace
     * @param backend Recur's cpu backend ({@code Backends.get("cpu")}; {@code recur-cpu} on the class path)
     * @return a tensor the caller closes; {@link #sharesMemory sharesMemory(a, tensor)} is true
     * @throws IllegalArgumentException naming the argument, what sharing needs and what was found, and pointing
     *                                  to {@link #fromINDArray} where that would copy it
     */
    public static Tensor share(INDArray a, Backend backend) {
        Shared s = shareable(a, backend);
        if (s.reason != null) {
            throw new IllegalArgumentException(s.reason);
        }
        Tensor t = CpuMemory.wrapFloats(backend, s.memory, s.shape, new Object[] {a, s.data});
        long expected = s.data.address() + s.memory.position();
        long got = CpuMemory.address(t);
        if (got != expected) { // a defence against an ND4J whose NIO view starts elsewhere than its address
            t.close();
            throw new IllegalStateException(String.format(Locale.ROOT,
                    "share: the tensor over a's NIO buffer starts at 0x%x, expected a's element 0 at 0x%x; "
                            + "use fromINDArray", got, expected));
        }
        return t;
    }

    /**
     * Whether {@link #share share(a, backend)} would share rather than throw: {@code backend} is Recur's cpu
     * backend and {@code a} a non-empty, open, uncompressed FLOAT array in host memory ({@code nd4j-native}), not
     * attached to a workspace, 'c'-contiguous (size-1 dimensions aside).
     *
     * @throws IllegalArgumentException if {@code backend} is null
     */
    public static boolean canShare(INDArray a, Backend backend) {
        return shareable(a, backend).reason == null;
    }

    /** {@link #toINDArray(Tensor, DataType)} as FLOAT. */
    public static INDArray toINDArray(Tensor t) {
        return toINDArray(t, DataType.FLOAT);
    }

    /**
     * A new 'c'-ordered array of the given type holding the values of the F32 tensor {@code t}, same shape,
     * created outside any ND4J workspace (so it outlives the caller's workspace scope).
     *
     * @param t    an open F32 tensor of any backend
     * @param type {@link DataType#FLOAT} or {@link DataType#DOUBLE}
     * @throws IllegalArgumentException naming the argument, the expected and the found value
     */
    public static INDArray toINDArray(Tensor t, DataType type) {
        checkTensor("toINDArray", "t", t);
        checkOutputType("toINDArray", type);
        return scatter(t, identity(t.rank()), type);
    }

    /**
     * Whether {@code t}'s elements live in {@code a}'s memory (a write to one would show in the other): true when
     * {@code t} is a cpu tensor whose memory overlaps the memory {@code a}'s elements span — as for a tensor from
     * {@link #share}; false for the copies {@link #fromINDArray} and {@link #toINDArray} make.
     */
    public static boolean sharesMemory(INDArray a, Tensor t) {
        if (a == null || t == null || a.isEmpty() || t.numel() == 0 || t.isClosed() || !isCpuTensor(t)) {
            return false;
        }
        DataBuffer data = a.data();
        long elem = data.getElementSize();
        long start = data.address() + a.offset() * elem;
        long end = start + (reach(a.shape(), a.stride()) + 1) * elem;
        long tStart = CpuMemory.address(t);
        long tEnd = tStart + t.numel() * t.dtype().byteSize();
        return start < tEnd && tStart < end;
    }

    // ---------------------------------------------------------------- shared with Dl4jSequences

    /**
     * A new F32 tensor of {@code a}'s values with its dimensions permuted: the result's dimension {@code k} is
     * {@code a}'s dimension {@code perm[k]}. One pass over ND4J's buffer (no intermediate ND4J array).
     */
    static Tensor gather(String op, String arg, INDArray a, int[] perm, Backend backend) {
        long[] srcShape = a.shape();
        if (a.isEmpty() && srcShape.length == 0) {
            // ND4J's rank-0 empty array (Nd4j.empty): no elements, yet a Recur tensor of shape [] has one.
            throw new IllegalArgumentException(String.format(Locale.ROOT,
                    "%s: %s must be an array with a shape, got an empty rank-0 array (%s)", op, arg,
                    a.shapeInfoToString().replace('\n', ' ').trim()));
        }
        int[] shape = intShape(op, arg, StridedCopy.permute(srcShape, perm));
        long numel = Shapes.numel(shape);
        if (numel == 0 || a.isEmpty()) {
            return backend.zeros(DType.F32, shape);
        }
        if (numel > MAX_ELEMENTS) {
            throw new IllegalArgumentException(String.format(Locale.ROOT,
                    "%s: %s must have at most %d elements, got %d (shape %s)", op, arg, MAX_ELEMENTS, numel,
                    Arrays.toString(srcShape)));
        }
        Strided src = hostView(a);
        long[] outShape = StridedCopy.permute(srcShape, perm);
        long[] srcStrides = StridedCopy.permute(src.strides, perm);
        long[] dstStrides = StridedCopy.rowMajorStrides(outShape);
        if (isCpu(backend)) {
            // One copy: ND4J's buffer straight into the tensor's off-heap memory.
            Tensor t = backend.zeros(DType.F32, shape);
            StridedCopy.copy(src.buffer, src.base, srcStrides, CpuMemory.floats(t), CpuMemory.offset(t), dstStrides,
                    outShape);
            return t;
        }
        // Staged once on the host, then handed to the backend (an upload for a device backend).
        float[] host = new float[(int) numel];
        StridedCopy.copy(src.buffer, src.base, srcStrides, FloatBuffer.wrap(host), 0, dstStrides, outShape);
        return backend.fromFloats(host, shape);
    }

    /**
     * A new 'c'-ordered array of {@code t}'s values with its dimensions permuted: the result's dimension
     * {@code k} is {@code t}'s dimension {@code perm[k]}.
     */
    static INDArray scatter(Tensor t, int[] perm, DataType type) {
        long[] tShape = Arrays.stream(t.shape()).asLongStream().toArray();
        long[] outShape = StridedCopy.permute(tShape, perm);
        long[] srcStrides = StridedCopy.permute(StridedCopy.rowMajorStrides(tShape), perm);
        long[] dstStrides = StridedCopy.rowMajorStrides(outShape);
        int numel = Math.toIntExact(t.numel());
        try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            if (numel == 0) {
                return Nd4j.create(type, outShape);
            }
            FloatBuffer src;
            long base;
            if (isCpuTensor(t)) {
                src = CpuMemory.floats(t);
                base = CpuMemory.offset(t);
            } else {
                src = FloatBuffer.wrap(t.toFloatArray()); // device to host: the one staging copy
                base = 0;
            }
            if (Nd4j.getEnvironment().isCPU()) {
                // ND4J's memory is host memory: write it directly.
                INDArray out = Nd4j.createUninitialized(type, outShape, 'c');
                Buffer dst = type == DataType.FLOAT ? out.data().asNioFloat() : out.data().asNioDouble();
                StridedCopy.copy(src, base, srcStrides, dst, out.offset(), dstStrides, outShape);
                return out;
            }
            // A device backend of ND4J: let ND4J take a host array and move it where it wants.
            if (type == DataType.FLOAT) {
                float[] host = new float[numel];
                StridedCopy.copy(src, base, srcStrides, FloatBuffer.wrap(host), 0, dstStrides, outShape);
                return Nd4j.create(host, outShape, 'c');
            }
            double[] host = new double[numel];
            StridedCopy.copy(src, base, srcStrides, DoubleBuffer.wrap(host), 0, dstStrides, outShape);
            return Nd4j.create(host, outShape, 'c');
        }
    }

    /** The values of a FLOAT or DOUBLE array in row-major order, as floats on the heap. */
    static float[] hostFloats(INDArray a) {
        long[] shape = a.shape();
        float[] out = new float[Math.toIntExact(a.length())];
        if (out.length > 0) {
            Strided src = hostView(a);
            StridedCopy.copy(src.buffer, src.base, src.strides, FloatBuffer.wrap(out), 0,
                    StridedCopy.rowMajorStrides(shape), shape);
        }
        return out;
    }

    /**
     * {@code a} after the checks every conversion makes: not null, decompressed, FLOAT or DOUBLE.
     *
     * @return {@code a}, or its decompressed copy
     */
    static INDArray checkFloating(String op, String arg, INDArray a) {
        if (a == null) {
            throw new IllegalArgumentException(op + ": " + arg + " must be a FLOAT or DOUBLE INDArray, got null");
        }
        INDArray arr = a.isCompressed() ? Nd4j.getCompressor().decompress(a) : a;
        DataType type = arr.dataType();
        if (type != DataType.FLOAT && type != DataType.DOUBLE) {
            throw new IllegalArgumentException(String.format(Locale.ROOT,
                    "%s: %s must be a FLOAT or DOUBLE INDArray, got %s %s", op, arg, type,
                    Arrays.toString(arr.shape())));
        }
        return arr;
    }

    /** Fails unless {@code t} is an open F32 tensor. */
    static void checkTensor(String op, String arg, Tensor t) {
        if (t == null) {
            throw new IllegalArgumentException(op + ": " + arg + " must be an F32 tensor, got null");
        }
        if (t.isClosed()) {
            throw new IllegalStateException(op + ": " + arg + " must be open, got a closed tensor " + t);
        }
        if (t.dtype() != DType.F32) {
            throw new IllegalArgumentException(String.format(Locale.ROOT, "%s: %s must be an F32 tensor, got %s %s",
                    op, arg, t.dtype(), Shapes.toString(t.shape())));
        }
    }

    static void checkOutputType(String op, DataType type) {
        if (type != DataType.FLOAT && type != DataType.DOUBLE) {
            throw new IllegalArgumentException(op + ": type must be FLOAT or DOUBLE, got " + type);
        }
    }

    static void requireBackend(String op, Backend backend) {
        if (backend == null) {
            throw new IllegalArgumentException(op + ": backend must be a Recur backend (e.g. Backends.get()), "
                    + "got null");
        }
    }

    static int[] identity(int rank) {
        int[] p = new int[rank];
        for (int k = 0; k < rank; k++) {
            p[k] = k;
        }
        return p;
    }

    // ---------------------------------------------------------------- sharing

    /** What {@link #share} needs: either the reason it cannot share, or the memory to wrap. */
    private record Shared(String reason, DataBuffer data, ByteBuffer memory, int[] shape) {
        static Shared no(String format, Object... args) {
            return new Shared(String.format(Locale.ROOT, format, args), null, null, null);
        }
    }

    /**
     * Whether {@code a} can be shared with a tensor of {@code backend}, and if so, ND4J's buffer as a native-order
     * NIO view positioned at {@code a}'s first element (through the public API: {@link DataBuffer#asNio()}, whose
     * element 0 is at {@link DataBuffer#address()}; {@link INDArray#offset()} counts elements from there, for
     * views too).
     */
    private static Shared shareable(INDArray a, Backend backend) {
        requireBackend("share", backend);
        if (!isCpu(backend)) {
            return Shared.no("share: backend must be Recur's cpu backend (Backends.get(\"cpu\"))%s, whose tensors live "
                    + "in host memory, got %s; fromINDArray copies the array to it",
                    CPU_PRESENT ? "" : " with recur-cpu on the class path", backend.name());
        }
        if (a == null) {
            return Shared.no("share: a must be a FLOAT INDArray, got null");
        }
        if (a.wasClosed()) {
            return Shared.no("share: a must be open, got a closed INDArray");
        }
        if (a.isCompressed()) {
            return Shared.no("share: a must be uncompressed, got a compressed %s array; fromINDArray decompresses "
                    + "and copies it", Arrays.toString(a.shape()));
        }
        DataType type = a.dataType();
        if (type != DataType.FLOAT) {
            return Shared.no("share: a must be a FLOAT INDArray (Recur's tensors are F32), got %s %s%s", type,
                    Arrays.toString(a.shape()),
                    type == DataType.DOUBLE ? "; fromINDArray copies it, rounding to float" : "");
        }
        if (!Nd4j.getEnvironment().isCPU()) {
            return Shared.no("share: a must be in host memory (ND4J's nd4j-native backend), got an array of %s, "
                    + "whose memory is on the device; fromINDArray copies it through the host",
                    Nd4j.getBackend().getClass().getSimpleName());
        }
        long[] shape = a.shape();
        if (a.isEmpty()) {
            return Shared.no("share: a must have at least one element, got an empty array %s; fromINDArray makes "
                    + "an empty tensor of it", Arrays.toString(shape));
        }
        if (a.isAttached()) {
            return Shared.no("share: a must not be attached to an ND4J workspace (its memory is reused when the "
                    + "workspace scope ends), got an array of workspace \"%s\"; detach it (a.detach()) or use "
                    + "fromINDArray", a.data().getParentWorkspace() == null ? "?"
                            : a.data().getParentWorkspace().getId());
        }
        long[] strides = a.stride();
        long expected = 1;
        for (int k = shape.length - 1; k >= 0; k--) {
            if (shape[k] != 1 && strides[k] != expected) {
                return Shared.no("share: a must be 'c'-contiguous (row-major, consecutive in memory; size-1 "
                        + "dimensions aside), got shape %s with strides %s, ordering '%c'%s; fromINDArray copies it "
                        + "in row-major order", Arrays.toString(shape), Arrays.toString(strides), a.ordering(),
                        a.isView() ? " (a view)" : "");
            }
            expected *= shape[k];
        }
        long numel = a.length();
        if (numel > MAX_ELEMENTS) {
            return Shared.no("share: a must have at most %d elements, got %d (shape %s)", MAX_ELEMENTS, numel,
                    Arrays.toString(shape));
        }
        int[] intShape = new int[shape.length];
        for (int k = 0; k < shape.length; k++) {
            intShape[k] = (int) shape[k]; // each <= numel <= MAX_ELEMENTS
        }
        DataBuffer data = a.data();
        ByteBuffer nio = data.asNio();
        long start = a.offset() * Float.BYTES;
        long end = start + numel * Float.BYTES;
        if (nio == null || !nio.isDirect() || nio.isReadOnly() || a.offset() < 0 || end > nio.capacity()) {
            return Shared.no("share: a's memory must be reachable as a direct, writable NIO buffer holding "
                    + "elements [%d, %d), got %s; fromINDArray copies it", a.offset(), a.offset() + numel, nio);
        }
        // duplicate(): position and order of our own, ND4J's view untouched; duplicate() resets the order.
        ByteBuffer memory = nio.duplicate().order(ByteOrder.nativeOrder());
        memory.limit((int) end).position((int) start);
        return new Shared(null, data, memory, intShape);
    }

    // ---------------------------------------------------------------- ND4J memory, through the public API

    /** A FLOAT or DOUBLE array's host memory: an NIO view, the array's first element in it and its strides. */
    private record Strided(Buffer buffer, long base, long[] strides) {
    }

    /**
     * The host memory of a non-empty FLOAT or DOUBLE array (synchronised from the device for ND4J's CUDA
     * backend). Views are read in place; an array whose strides reach outside its NIO view (not seen with
     * ND4J 1.0.0-M2.1) is first made 'c'-contiguous by ND4J.
     */
    private static Strided hostView(INDArray a) {
        Nd4j.getAffinityManager().ensureLocation(a, AffinityManager.Location.HOST);
        Strided s = nioView(a);
        if (s != null) {
            return s;
        }
        INDArray c = a.dup('c');
        Nd4j.getAffinityManager().ensureLocation(c, AffinityManager.Location.HOST);
        s = nioView(c);
        if (s == null) {
            throw new IllegalStateException("nd4j: cannot read the host memory of " + a.shapeInfoToString());
        }
        return s;
    }

    private static Strided nioView(INDArray a) {
        long[] shape = a.shape();
        long[] strides = a.stride();
        long base = a.offset();
        for (int k = 0; k < shape.length; k++) {
            if (shape[k] > 1 && strides[k] < 0) {
                return null;
            }
        }
        long last = base + reach(shape, strides);
        if (base < 0 || last > Integer.MAX_VALUE) {
            return null;
        }
        DataBuffer data = a.data();
        Buffer buffer = a.dataType() == DataType.FLOAT ? data.asNioFloat() : data.asNioDouble();
        if (last >= buffer.capacity()) {
            return null;
        }
        return new Strided(buffer, base, strides.length == shape.length ? strides : new long[shape.length]);
    }

    /** Distance in elements from the first to the last element of a strided array. */
    private static long reach(long[] shape, long[] strides) {
        long r = 0;
        for (int k = 0; k < shape.length; k++) {
            if (shape[k] > 1) {
                r += (shape[k] - 1) * strides[k];
            }
        }
        return r;
    }

    private static int[] intShape(String op, String arg, long[] shape) {
        int[] out = new int[shape.length];
        for (int k = 0; k < shape.length; k++) {
            if (shape[k] > Integer.MAX_VALUE) {
                throw new IllegalArgumentException(String.format(Locale.ROOT,
                        "%s: %s must have dimensions below 2^31, got %s", op, arg, Arrays.toString(shape)));
            }
            out[k] = (int) shape[k];
        }
        return out;
    }

    // ---------------------------------------------------------------- the optional cpu backend

    private static boolean isCpu(Backend backend) {
        return CPU_PRESENT && "cpu".equals(backend.name()) && backend.getClass().getName()
                .equals("dev.recur.cpu.CpuBackend");
    }

    private static boolean isCpuTensor(Tensor t) {
        return CPU_PRESENT && CpuMemory.isCpu(t);
    }

    private static boolean classPresent(String name) {
        try {
            Class.forName(name, false, Nd4jTensors.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
    }
}
