package dev.recur.cuda;

import dev.recur.tensor.DType;
import dev.recur.tensor.Tensor;
import java.lang.ref.Cleaner;

/**
 * A tensor in device memory: an F32, I64 or I32 block from the backend's stream-ordered pool. Element {@code i} of
 * the tensor is at byte {@code address() + i * dtype.byteSize()}.
 *
 * <p>Lifetime: closing the owner returns the block to the pool (ordered after the work already queued, so
 * kernels that still read it are safe); closing a view ({@link #reshape}, {@link #slice}) does nothing. A block
 * whose owner and views all became unreachable without a close is returned by a {@link Cleaner}, so a forgotten
 * close leaks until the next garbage collection, not forever; close explicitly to keep memory use flat.
 */
public final class CudaTensor extends Tensor {
    private static final Cleaner CLEANER = Cleaner.create();

    /** The device block, shared by an owner and its views. */
    static final class Storage {
        final long pointer;
        final long bytes;
        private final Freer freer;
        private final Cleaner.Cleanable cleanable;

        Storage(CudaDevice device, long bytes) {
            this.pointer = device.alloc(bytes);
            this.bytes = bytes;
            this.freer = new Freer(device, pointer, bytes);
            this.cleanable = CLEANER.register(this, freer);
        }

        boolean closed() {
            return freer.done;
        }

        void close() {
            cleanable.clean();
        }
    }

    /** Frees a block once, from close() or from the Cleaner; must not reference the Storage. */
    private static final class Freer implements Runnable {
        private final CudaDevice device;
        private final long pointer;
        private final long bytes;
        private volatile boolean done;

        Freer(CudaDevice device, long pointer, long bytes) {
            this.device = device;
            this.pointer = pointer;
            this.bytes = bytes;
        }

        @Override
        public void run() {
            if (done) {
                return;
            }
            done = true;
            synchronized (device) { // the backend's lock: the device, its stream and pool are not thread safe
                device.free(pointer, bytes);
            }
        }
    }

    private final Storage storage;
    private final long offset;
    private final boolean owner;

    /** A new zero-filled tensor (the backend fills it). */
    CudaTensor(CudaBackend backend, CudaDevice device, DType dtype, int[] shape) {
        super(backend, dtype, shape);
        this.storage = new Storage(device, numel() * dtype.byteSize());
        this.offset = 0;
        this.owner = true;
    }

    private CudaTensor(CudaTensor base, int[] shape, long offset) {
        super(base.backend(), base.dtype(), shape);
        this.storage = base.storage;
        this.offset = offset;
        this.owner = false;
    }

    /** Device address of element 0. */
    public long address() {
        if (storage.closed()) {
            throw new IllegalStateException("cuda: tensor used after close: " + this);
        }
        return storage.pointer + offset * dtype().byteSize();
    }

    /** Bytes of this tensor's elements. */
    long byteSize() {
        return numel() * dtype().byteSize();
    }

    @Override
    public CudaTensor reshape(int... newShape) {
        return new CudaTensor(this, checkedReshape(newShape), offset);
    }

    @Override
    public CudaTensor slice(int start, int end) {
        int[] s = slicedShape(start, end);
        long rowSize = dim(0) == 0 ? 0 : numel() / dim(0);
        return new CudaTensor(this, s, offset + start * rowSize);
    }

    @Override
    public boolean isClosed() {
        return storage.closed();
    }

    /** Returns the memory to the pool if this tensor owns it; a view's close does nothing. Idempotent. */
    @Override
    public void close() {
        if (owner) {
            storage.close();
        }
    }
}
