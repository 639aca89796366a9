package dev.recur.cuda;

import static dev.recur.cuda.CudaCalls.check;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.concurrent.atomic.AtomicLong;
import org.bytedeco.cuda.cudart.CUctx_st;
import org.bytedeco.cuda.cudart.CUevent_st;
import org.bytedeco.cuda.cudart.CUmemPoolHandle_st;
import org.bytedeco.cuda.cudart.CUstream_st;
import org.bytedeco.cuda.global.cudart;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.LongPointer;
import org.bytedeco.javacpp.Pointer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One CUDA device as the backend uses it, on the driver API: its primary context, one non-blocking stream that
 * every operation is queued on, a caching stream-ordered allocator, and a pinned host staging buffer for
 * transfers.
 *
 * <p>Allocator: {@code cuMemAllocAsync}/{@code cuMemFreeAsync} on the stream, from the device's default memory
 * pool with its release threshold raised to "never", so freed blocks stay cached in the pool and a steady-state
 * training step or server request allocates no new device memory; frees are ordered after the work queued before
 * them, so a tensor may be closed while kernels that read it are still queued.
 *
 * <p>Threads: callers hold the backend's lock; {@link #bind()} makes the context current on the calling thread
 * (driver API contexts are per thread). Closing releases the stream, the pool's cached memory, the staging buffer
 * and the primary context.
 */
final class CudaDevice implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(CudaDevice.class);
    /** Staging buffers grow up to this many bytes; longer transfers go in chunks. */
    private static final long MAX_STAGING = 64L << 20;

    final int ordinal;
    final String name;
    final int computeCapability;
    final int multiprocessors;
    final boolean trace;
    private final CUctx_st ctx;
    private final CUstream_st stream;
    private final LaunchRecorder recorder = new LaunchRecorder();
    private final CUmemPoolHandle_st pool;
    private final CUevent_st stagingFree;
    private final ThreadLocal<Boolean> bound = ThreadLocal.withInitial(() -> Boolean.FALSE);
    private final AtomicLong bytesInUse = new AtomicLong();
    private final AtomicLong peakBytes = new AtomicLong();
    private Pointer staging;
    private long stagingBytes;
    private boolean stagingPending;
    private volatile boolean closed;

    private CudaDevice(int ordinal, String name, int cc, int sms, boolean trace, CUctx_st ctx, CUstream_st stream,
                       CUmemPoolHandle_st pool, CUevent_st stagingFree) {
        this.ordinal = ordinal;
        this.name = name;
        this.computeCapability = cc;
        this.multiprocessors = sms;
        this.trace = trace;
        this.ctx = ctx;
        this.stream = stream;
        this.pool = pool;
        this.stagingFree = stagingFree;
    }

    /** Initialises the driver, retains the device's primary context and creates the stream and pool settings. */
    static CudaDevice open(int ordinal, boolean trace) {
        check(cudart.cuInit(0), "cuInit");
        int[] dev = {0};
        check(cudart.cuDeviceGet(dev, ordinal), "cuDeviceGet(" + ordinal + ")");
        byte[] nameBytes = new byte[256];
        check(cudart.cuDeviceGetName(nameBytes, nameBytes.length, dev[0]), "cuDeviceGetName");
        int len = 0;
        while (len < nameBytes.length && nameBytes[len] != 0) {
            len++;
        }
        String name = new String(nameBytes, 0, len, java.nio.charset.StandardCharsets.UTF_8).trim();
        int[] v = {0};
        check(cudart.cuDeviceGetAttribute(v, cudart.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR, dev[0]),
                "cuDeviceGetAttribute(COMPUTE_CAPABILITY_MAJOR)");
        int major = v[0];
        check(cudart.cuDeviceGetAttribute(v, cudart.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR, dev[0]),
                "cuDeviceGetAttribute(COMPUTE_CAPABILITY_MINOR)");
        int minor = v[0];
        check(cudart.cuDeviceGetAttribute(v, cudart.CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT, dev[0]),
                "cuDeviceGetAttribute(MULTIPROCESSOR_COUNT)");
        int sms = v[0];
        CUctx_st ctx = new CUctx_st();
        check(cudart.cuDevicePrimaryCtxRetain(ctx, dev[0]), "cuDevicePrimaryCtxRetain(" + ordinal + ")");
        boolean ok = false;
        CUstream_st stream = new CUstream_st();
        CUevent_st event = new CUevent_st();
        try {
            check(cudart.cuCtxSetCurrent(ctx), "cuCtxSetCurrent");
            // The runtime API (cuBLAS) uses the same primary context once the device is selected.
            check(cudart.cudaSetDevice(ordinal), "cudaSetDevice(" + ordinal + ")");
            check(cudart.cuStreamCreate(stream, cudart.CU_STREAM_NON_BLOCKING), "cuStreamCreate");
            check(cudart.cuEventCreate(event, cudart.CU_EVENT_DISABLE_TIMING), "cuEventCreate");
            CUmemPoolHandle_st pool = new CUmemPoolHandle_st();
            check(cudart.cuDeviceGetDefaultMemPool(pool, dev[0]), "cuDeviceGetDefaultMemPool");
            try (LongPointer threshold = new LongPointer(1)) {
                threshold.put(0, -1L); // UINT64_MAX: keep freed memory cached in the pool
                check(cudart.cuMemPoolSetAttribute(pool, cudart.CU_MEMPOOL_ATTR_RELEASE_THRESHOLD, threshold),
                        "cuMemPoolSetAttribute(RELEASE_THRESHOLD)");
            }
            CudaDevice d = new CudaDevice(ordinal, name, major * 10 + minor, sms, trace, ctx, stream, pool, event);
            d.bound.set(Boolean.TRUE);
            ok = true;
            return d;
        } finally {
            if (!ok) {
                if (!stream.isNull()) {
                    cudart.cuStreamDestroy(stream);
                }
                if (!event.isNull()) {
                    cudart.cuEventDestroy(event);
                }
                cudart.cuDevicePrimaryCtxRelease(dev[0]);
            }
        }
    }

    /** The stream every operation runs on. */
    CUstream_st stream() {
        return stream;
    }

    /** The signature recorder of the stream's operations ({@link CudaGraphs}). */
    LaunchRecorder recorder() {
        return recorder;
    }

    /** Makes the context current on this thread (once per thread). */
    void bind() {
        if (closed) {
            throw new IllegalStateException("cuda: the backend was closed");
        }
        if (!bound.get()) {
            check(cudart.cuCtxSetCurrent(ctx), "cuCtxSetCurrent");
            bound.set(Boolean.TRUE);
        }
    }

    /** Waits for everything queued on the stream; {@code what} names the operation for the error message. */
    void sync(String what) {
        recorder.refuse("cuStreamSynchronize");
        check(cudart.cuStreamSynchronize(stream), "cuStreamSynchronize(after " + what + ")");
    }

    // ---------------------------------------------------------------- device memory

    /** {@code bytes} of device memory, stream-ordered from the pool (at least 16 bytes, 256-byte aligned). */
    long alloc(long bytes) {
        recorder.refuse("cuMemAllocAsync");
        long n = Math.max(16, bytes);
        long[] p = {0};
        int status = cudart.cuMemAllocAsync(p, n, stream);
        if (status == cudart.CUDA_ERROR_OUT_OF_MEMORY) {
            throw new CudaException(String.format(java.util.Locale.ROOT,
                    "cuMemAllocAsync(%d bytes) failed: CUDA_ERROR_OUT_OF_MEMORY on %s (%.1f MiB held by Recur's "
                            + "tensors, peak %.1f MiB): close tensors you no longer need, or use a smaller batch",
                    n, name, bytesInUse.get() / 1048576.0, peakBytes.get() / 1048576.0), status);
        }
        check(status, "cuMemAllocAsync(" + n + " bytes)");
        long used = bytesInUse.addAndGet(n);
        peakBytes.accumulateAndGet(used, Math::max);
        if (trace) {
            LOG.info("cuda alloc {} bytes at 0x{} ({} bytes in use)", n, Long.toHexString(p[0]), used);
        }
        return p[0];
    }

    /** Returns memory from {@link #alloc} to the pool, after the work queued so far. Ignored once closed. */
    void free(long ptr, long bytes) {
        if (closed || ptr == 0) {
            return;
        }
        bind();
        recorder.refuse("cuMemFreeAsync");
        check(cudart.cuMemFreeAsync(ptr, stream), "cuMemFreeAsync(0x" + Long.toHexString(ptr) + ")");
        bytesInUse.addAndGet(-Math.max(16, bytes));
        if (trace) {
            LOG.info("cuda free 0x{} ({} bytes)", Long.toHexString(ptr), bytes);
        }
    }

    /** Bytes allocated by {@link #alloc} and not yet freed. */
    long bytesInUse() {
        return bytesInUse.get();
    }

    /** The most bytes in use at once. */
    long peakBytes() {
        return peakBytes.get();
    }

    /** {@code count} 32-bit words at {@code ptr} set to {@code value}. */
    void memset32(long ptr, int value, long count) {
        if (count > 0 && recorder.recording()) {
            recorder.add(LaunchRecorder.MEMSET32).add(ptr).add(value).add(count);
        } else if (count > 0) {
            check(cudart.cuMemsetD32Async(ptr, value, count, stream), "cuMemsetD32Async");
        }
    }

    /** {@code count} bytes at {@code ptr} set to {@code value}. */
    void memset8(long ptr, byte value, long count) {
        if (count > 0 && recorder.recording()) {
            recorder.add(LaunchRecorder.MEMSET8).add(ptr).add(value).add(count);
        } else if (count > 0) {
            check(cudart.cuMemsetD8Async(ptr, value, count, stream), "cuMemsetD8Async");
        }
    }

    /** Device-to-device copy of {@code bytes}. */
    void copy(long dst, long src, long bytes) {
        if (bytes > 0 && recorder.recording()) {
            recorder.add(LaunchRecorder.COPY).add(dst).add(src).add(bytes);
        } else if (bytes > 0) {
            int status = cudart.cuMemcpyDtoDAsync(dst, src, bytes, stream);
            if (status != 0) {
                check(status, "cuMemcpyDtoDAsync(" + bytes + " bytes)");
            }
        }
    }

    // ---------------------------------------------------------------- host transfers through pinned staging

    /** Functional interface: fill {@code buf} (native order, {@code n} bytes) with bytes {@code [from, from+n)}. */
    interface Filler {
        void fill(ByteBuffer buf, long from, int n);
    }

    /** Functional interface: read {@code n} bytes from {@code buf} as bytes {@code [from, from+n)}. */
    interface Drainer {
        void drain(ByteBuffer buf, long from, int n);
    }

    /** Host to device: {@code bytes} produced by {@code filler} into {@code dst}, in staging-sized chunks. */
    void upload(long dst, long bytes, Filler filler) {
        recorder.refuse("a host-to-device copy");
        for (long done = 0; done < bytes; ) {
            int n = (int) Math.min(bytes - done, MAX_STAGING);
            ByteBuffer buf = staging(n);
            filler.fill(buf, done, n);
            check(cudart.cuMemcpyHtoDAsync(dst + done, staging, n, stream), "cuMemcpyHtoDAsync(" + n + " bytes)");
            check(cudart.cuEventRecord(stagingFree, stream), "cuEventRecord");
            stagingPending = true;
            done += n;
        }
        if (trace) {
            LOG.info("cuda upload {} bytes to 0x{}", bytes, Long.toHexString(dst));
        }
    }

    /** Device to host: {@code bytes} from {@code src} handed to {@code drainer}; synchronizes the stream. */
    void download(long src, long bytes, Drainer drainer) {
        recorder.refuse("a device-to-host copy");
        for (long done = 0; done < bytes; ) {
            int n = (int) Math.min(bytes - done, MAX_STAGING);
            ByteBuffer buf = staging(n);
            check(cudart.cuMemcpyDtoHAsync(staging, src + done, n, stream), "cuMemcpyDtoHAsync(" + n + " bytes)");
            sync("the copy of " + n + " bytes to the host");
            drainer.drain(buf, done, n);
            done += n;
        }
        if (trace) {
            LOG.info("cuda download {} bytes from 0x{}", bytes, Long.toHexString(src));
        }
    }

    /** The staging buffer with at least {@code n} bytes, once the last upload from it has been consumed. */
    private ByteBuffer staging(int n) {
        if (stagingPending) {
            check(cudart.cuEventSynchronize(stagingFree), "cuEventSynchronize(staging buffer)");
            stagingPending = false;
        }
        if (staging == null || stagingBytes < n) {
            if (staging != null) {
                check(cudart.cuMemFreeHost(staging), "cuMemFreeHost");
                staging = null;
            }
            long size = Math.min(MAX_STAGING, Math.max(1L << 20, Long.highestOneBit(Math.max(1, n - 1)) << 1));
            Pointer p = new Pointer();
            check(cudart.cuMemAllocHost(p, size), "cuMemAllocHost(" + size + " bytes)");
            p.capacity(size);
            p.limit(size);
            staging = p;
            stagingBytes = size;
        }
        BytePointer view = new BytePointer(staging);
        view.capacity(stagingBytes);
        view.limit(n);
        return view.asByteBuffer().order(ByteOrder.nativeOrder());
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        try {
            bind();
            cudart.cuStreamSynchronize(stream);
            if (staging != null) {
                cudart.cuMemFreeHost(staging);
            }
            cudart.cuEventDestroy(stagingFree);
            cudart.cuStreamDestroy(stream);
            cudart.cuMemPoolTrimTo(pool, 0);
            int[] dev = {0};
            if (cudart.cuDeviceGet(dev, ordinal) == 0) {
                cudart.cuDevicePrimaryCtxRelease(dev[0]);
            }
        } finally {
            closed = true;
        }
    }

    /** Whether {@link #close()} ran. */
    boolean isClosed() {
        return closed;
    }
}
