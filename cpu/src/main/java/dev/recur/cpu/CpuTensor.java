package dev.recur.cpu;

import dev.recur.tensor.DType;
import dev.recur.tensor.Tensor;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.LongPointer;
import org.bytedeco.javacpp.Pointer;

/**
 * A tensor in off-heap host memory: an F32 or I64 block that OpenBLAS reads by address and the Java
 * kernels read through a {@link FloatBuffer} view. Element {@code i} of the tensor is element
 * {@code offset() + i} of the block.
 */
public final class CpuTensor extends Tensor {
    /** The memory block, shared by an owner and its views. */
    static final class Storage {
        private final Pointer pointer;
        private final FloatBuffer floats;
        private final LongBuffer longs;
        private volatile boolean closed;

        Storage(DType dtype, long numel) {
            if (numel > Integer.MAX_VALUE - 8) {
                throw new IllegalArgumentException("cpu: a tensor must have at most 2^31 - 9 elements, got " + numel);
            }
            // At least one element, so that every block has a real address.
            long n = Math.max(1, numel);
            if (dtype == DType.F32) {
                FloatPointer p = new FloatPointer(n);
                p.zero();
                this.pointer = p;
                this.floats = p.asBuffer();
                this.longs = null;
            } else if (dtype == DType.I64) {
                LongPointer p = new LongPointer(n);
                p.zero();
                this.pointer = p;
                this.floats = null;
                this.longs = p.asBuffer();
            } else {
                throw new IllegalArgumentException("cpu: tensors must be F32 or I64, got " + dtype);
            }
        }

        void close() {
            if (!closed) {
                closed = true;
                pointer.close();
            }
        }
    }

    private final Storage storage;
    private final int offset;
    private final boolean owner;

    CpuTensor(CpuBackend backend, DType dtype, int[] shape) {
        super(backend, dtype, shape);
        this.storage = new Storage(dtype, numel());
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
