package dev.recur.cpu;

import dev.recur.tensor.DType;
import dev.recur.tensor.Tensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.LongPointer;
import org.bytedeco.javacpp.Pointer;

/**
 * A tensor in off-heap host memory: an F32 or I64 block that OpenBLAS reads by address and the Java
 * kernels read through a {@link FloatBuffer} view. Element {@code i} of the tensor is element
 * {@code offset() + i} of the block.
 *
 * <p>The block is either allocated by Recur (and on {@link #close()} freed, or for a large F32 block kept by the
 * backend's block cache for a later tensor), or — for a tensor made by
 * {@link CpuBackend#wrap} — host memory that someone else owns, which Recur reads and writes in place and never
 * frees.
 */
public final class CpuTensor extends Tensor {
    /** The memory block, shared by an owner and its views. */
    static final class Storage {
        private final Pointer pointer;
        private final FloatBuffer floats;
        private final LongBuffer longs;
        /** Whether Recur allocated the block (and frees it, or gives it back to the cache, on close). */
        private final boolean owned;
        /** For foreign memory: whatever keeps it allocated, strongly held until close. */
        private volatile Object keepAlive;
        private volatile boolean closed;

        /** Where an owned F32 block goes back on close (null: freed). */
        private final BlockCache cache;

        Storage(BlockCache cache, DType dtype, long numel, boolean zeroed) {
            if (numel > Integer.MAX_VALUE - 8) {
                throw new IllegalArgumentException("cpu: a tensor must have at most 2^31 - 9 elements, got " + numel);
            }
            // At least one element, so that every block has a real address.
            long n = Math.max(1, numel);
            if (dtype == DType.F32) {
                FloatPointer p = cache.take(n);
                if (zeroed) {
                    p.zero();
                } else if (POISON) {
                    p.fill(0xFF); // every float NaN
                }
                this.pointer = p;
                this.floats = p.asBuffer();
                this.longs = null;
                this.cache = cache;
            } else if (dtype == DType.I64) {
                LongPointer p = new LongPointer(n);
                if (zeroed) {
                    p.zero();
                }
                this.pointer = p;
                this.floats = null;
                this.longs = p.asBuffer();
                this.cache = null;
            } else {
                throw new IllegalArgumentException("cpu: tensors must be F32 or I64, got " + dtype);
            }
            this.owned = true;
            this.keepAlive = null;
        }

        /**
         * A block over foreign host memory, not owned: {@code numel} elements of {@code dtype} starting at
         * {@code memory.position()}. The caller ({@link CpuBackend#wrap}) has checked that {@code memory} is
         * direct, writable and holds enough bytes from its position, and that {@code dtype} is F32 or I64.
         *
         * <p>The pointer is JavaCPP's view of the buffer ({@code new FloatPointer(FloatBuffer)}): its
         * {@code address()} is the buffer's element 0 (the slice below starts at {@code memory.position()}), and
         * JavaCPP registers no deallocator for it — its proxy deallocator only drops the buffer reference, and is
         * not queued for garbage collection — so nothing here ever frees the memory.
         */
        Storage(ByteBuffer memory, DType dtype, long numel, Object keepAlive) {
            long bytes = numel * dtype.byteSize();
            // slice(): element 0 at index 0, whatever memory's position; slice() resets the order to big-endian.
            ByteBuffer block = memory.slice().order(ByteOrder.nativeOrder());
            block.limit(Math.toIntExact(bytes));
            if (dtype == DType.F32) {
                FloatBuffer f = block.asFloatBuffer();
                this.pointer = new FloatPointer(f);
                this.floats = f;
                this.longs = null;
            } else if (dtype == DType.I64) {
                LongBuffer l = block.asLongBuffer();
                this.pointer = new LongPointer(l);
                this.floats = null;
                this.longs = l;
            } else {
                throw new IllegalArgumentException("cpu: tensors must be F32 or I64, got " + dtype);
            }
            this.owned = false;
            this.keepAlive = keepAlive;
            this.cache = null;
        }

        void close() {
            if (!closed) {
                closed = true;
                if (owned && cache != null) {
                    cache.give((FloatPointer) pointer);
                } else if (owned) {
                    pointer.close();
                } else {
                    keepAlive = null; // the memory is its owner's to free; let go of what kept it alive
                }
            }
        }
    }

    /**
     * Test aid: with {@code -Drecur.cpu.poisonUninitialized=true} every {@link #uninitialized} F32 tensor starts as
     * NaN, so a kernel that reads an element it has not written puts NaN into its results (fresh memory from the
     * system is zero and would hide the bug). The build's surefire configuration sets it.
     */
    public static final String POISON_PROPERTY = "recur.cpu.poisonUninitialized";
    private static final boolean POISON = Boolean.getBoolean(POISON_PROPERTY);

    private final Storage storage;
    private final int offset;
    private final boolean owner;

    CpuTensor(CpuBackend backend, DType dtype, int[] shape) {
        this(backend, dtype, shape, true);
    }

    private CpuTensor(CpuBackend backend, DType dtype, int[] shape, boolean zeroed) {
        super(backend, dtype, shape);
        this.storage = new Storage(backend.blocks(), dtype, numel(), zeroed);
        this.offset = 0;
        this.owner = true;
    }

    /**
     * An F32 tensor whose elements are whatever the allocator left there, for a kernel that writes every element
     * before anything reads one (a GEMM with {@code beta = 0}); saves zero-filling large scratch blocks (at S3 the
     * input projection of the gates is 134 MB per layer and direction). NaN under {@link #POISON_PROPERTY}.
     */
    public static CpuTensor uninitialized(CpuBackend backend, int... shape) {
        return new CpuTensor(backend, DType.F32, shape, false);
    }

    /** A tensor over foreign memory (see {@link CpuBackend#wrap}, which checks the arguments). */
    CpuTensor(CpuBackend backend, DType dtype, int[] shape, ByteBuffer memory, Object keepAlive) {
        super(backend, dtype, shape);
        this.storage = new Storage(memory, dtype, numel(), keepAlive);
        this.offset = 0;
        this.owner = true;
    }

    private CpuTensor(CpuTensor base, int[] shape, int offset) {
        super(base.backend(), base.dtype(), shape);
        this.storage = base.storage;
        this.offset = offset;
        this.owner = false;
    }

    /** The F32 view of the whole block; index with {@link #offset()}. */
    public FloatBuffer floats() {
        checkOpen();
        return storage.floats;
    }

    /** The I64 view of the whole block; index with {@link #offset()}. */
    public LongBuffer longs() {
        checkOpen();
        return storage.longs;
    }

    /** Position of this tensor's first element in the block. */
    public int offset() {
        return offset;
    }

    /** Byte address of this tensor's first element, for BLAS. */
    public long address() {
        checkOpen();
        return storage.pointer.address() + (long) offset * dtype().byteSize();
    }

    @Override
    public CpuTensor reshape(int... newShape) {
        return new CpuTensor(this, checkedReshape(newShape), offset);
    }

    @Override
    public CpuTensor slice(int start, int end) {
        int[] s = slicedShape(start, end);
        long rowSize = dim(0) == 0 ? 0 : numel() / dim(0);
        return new CpuTensor(this, s, Math.toIntExact(offset + start * rowSize));
    }

    @Override
    public boolean isClosed() {
        return storage.closed;
    }

    /**
     * Frees the memory if this tensor owns it (a large F32 block goes back to the backend's cache, see
     * {@link CpuBackend#releaseCachedMemory()}); a view's close does nothing. A tensor made by
     * {@link CpuBackend#wrap} frees nothing: its close marks it (and its views) closed and drops its keep-alive
     * reference. Idempotent.
     */
    @Override
    public void close() {
        if (owner) {
            storage.close();
        }
    }

    private void checkOpen() {
        if (storage.closed) {
            throw new IllegalStateException("cpu: tensor used after close: " + this);
        }
    }
}
