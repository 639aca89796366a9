package dev.recur.cuda;

import static dev.recur.cuda.CudaCalls.check;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import org.bytedeco.cuda.cudart.CUfunc_st;
import org.bytedeco.cuda.cudart.CUmod_st;
import org.bytedeco.cuda.global.cudart;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.LongPointer;
import org.bytedeco.javacpp.PointerPointer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Loads the compiled kernel modules on first use ({@code cuModuleLoadData}, one module per {@code .cu} file),
 * looks functions up by name ({@code cuModuleGetFunction}) and launches them ({@code cuLaunchKernel}) on the
 * device's stream.
 *
 * <p>Arguments are written into one preallocated native block (8 bytes a slot) whose slot addresses form the
 * {@code void** kernelParams} array, so a launch allocates nothing native; the values are copied by
 * {@code cuLaunchKernel} before it returns. Each argument is checked against {@link Kernel#signature()} as it is
 * added, and the count at launch. Not thread safe: the backend's lock guards it.
 *
 * <p>Debugging without a debugger: {@code -Drecur.cuda.trace=true} logs every launch with its grid, block and
 * arguments; {@code -Drecur.cuda.sync=true} synchronizes after every launch and checks the status, so a kernel
 * that faults is named in the exception.
 */
final class KernelLauncher implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(KernelLauncher.class);
    private static final int MAX_ARGS = 32;

    private final CudaDevice device;
    private final KernelCompiler compiler;
    private final boolean sync;
    private final Map<String, CUmod_st> modules = new HashMap<>();
    private final Map<String, KernelCompiler.Image> images = new HashMap<>();
    private final EnumMap<Kernel, CUfunc_st> functions = new EnumMap<>(Kernel.class);
    private final BytePointer argBlock = new BytePointer(8L * MAX_ARGS);
    private final ByteBuffer args;
    private final LongPointer slotAddresses = new LongPointer(MAX_ARGS);
    private final PointerPointer<?> params;
    private final StringBuilder traceArgs = new StringBuilder();
    private final Launch launch = new Launch();

    KernelLauncher(CudaDevice device, KernelCompiler compiler, boolean sync) {
        this.device = device;
        this.compiler = compiler;
        this.sync = sync;
        argBlock.zero();
        this.args = argBlock.asByteBuffer().order(ByteOrder.nativeOrder()); // BytePointer(n): limit = capacity = n
        for (int i = 0; i < MAX_ARGS; i++) {
            slotAddresses.put(i, argBlock.address() + 8L * i);
        }
        this.params = new PointerPointer<>(slotAddresses);
    }

    /** Compiles (or reads from the cache) and loads every kernel file now, instead of on first use. */
    void loadAll() {
        for (Kernel k : Kernel.values()) {
            function(k);
        }
    }

    /** The images loaded so far, by file (for describe()). */
    Map<String, KernelCompiler.Image> images() {
        return Map.copyOf(images);
    }

    private CUfunc_st function(Kernel k) {
        CUfunc_st f = functions.get(k);
        if (f == null) {
            CUmod_st mod = modules.get(k.file());
            if (mod == null) {
                KernelCompiler.Image image = compiler.image(k.file(), device.computeCapability);
                mod = new CUmod_st();
                try (BytePointer bytes = image.ptx()
                        ? new BytePointer(new String(image.bytes(), java.nio.charset.StandardCharsets.UTF_8))
                        : new BytePointer(image.bytes())) {
                    check(cudart.cuModuleLoadData(mod, bytes), "cuModuleLoadData(" + k.file() + ".cu, " + image.arch()
                            + (image.fromCache() ? ", cached" : "") + ")");
                }
                modules.put(k.file(), mod);
                images.put(k.file(), image);
            }
            f = new CUfunc_st();
            check(cudart.cuModuleGetFunction(f, mod, k.function()), "cuModuleGetFunction(" + k.function() + " in "
                    + k.file() + ".cu)");
            functions.put(k, f);
        }
        return f;
    }

    /** Starts a launch of {@code k}: add the arguments in order, then {@link Launch#run}. */
    Launch kernel(Kernel k) {
        launch.begin(k);
        return launch;
    }

    /** Blocks of 256 threads covering n elements, at most 32 per SM (the kernels loop grid-stride). */
    int gridFor(long n) {
        long blocks = (n + 255) / 256;
        return (int) Math.max(1, Math.min(blocks, 32L * device.multiprocessors));
    }

    /** One launch being assembled. */
    final class Launch {
        private Kernel kernel;
        private int count;

        private void begin(Kernel k) {
            kernel = k;
            count = 0;
            traceArgs.setLength(0);
        }

        private int slot(char type) {
            String sig = kernel.signature();
            if (count >= sig.length() || sig.charAt(count) != type) {
                throw new IllegalStateException(String.format(Locale.ROOT,
                        "cuda: argument %d of kernel %s must be '%s' (signature %s), got '%c'", count, kernel.function(),
                        count < sig.length() ? String.valueOf(sig.charAt(count)) : "none", sig, type));
            }
            return 8 * count++;
        }

        /** A device pointer (0 for null). */
        Launch ptr(long address) {
            args.putLong(slot('P'), address);
            trace("0x", Long.toHexString(address));
            return this;
        }

        /** A tensor's device address, or null (0) for a null tensor. */
        Launch ptr(CudaTensor t) {
            return ptr(t == null ? 0L : t.address());
        }

        /** An int. */
        Launch i(int v) {
            args.putInt(slot('i'), v);
            trace("", Integer.toString(v));
            return this;
        }

        /** A long long. */
        Launch l(long v) {
            args.putLong(slot('l'), v);
            trace("", Long.toString(v) + "L");
            return this;
        }

        /** A float. */
        Launch f(float v) {
            args.putFloat(slot('f'), v);
            trace("", Float.toString(v) + "f");
            return this;
        }

        /** A double. */
        Launch d(double v) {
            args.putDouble(slot('d'), v);
            trace("", Double.toString(v));
            return this;
        }

        private void trace(String prefix, String v) {
            if (device.trace) {
                traceArgs.append(traceArgs.length() == 0 ? "" : ", ").append(prefix).append(v);
            }
        }

        /** A 1-D launch of {@link #gridFor}{@code (n)} blocks of 256 threads. */
        void run1d(long n) {
            run(gridFor(n), 1, 256, 1, 0);
        }

        /** Launches with the given grid (x, y), block (x, y) and dynamic shared memory. */
        void run(int gridX, int gridY, int blockX, int blockY, int sharedBytes) {
            Kernel k = kernel;
            if (count != k.signature().length()) {
                throw new IllegalStateException(String.format(Locale.ROOT,
                        "cuda: kernel %s takes %d arguments (signature %s), got %d", k.function(),
                        k.signature().length(), k.signature(), count));
            }
            CUfunc_st f = function(k);
            LaunchRecorder recorder = device.recorder();
            if (recorder.recording()) {
                recorder.add(LaunchRecorder.KERNEL).add(f.address()).add(gridX).add(gridY).add(blockX).add(blockY)
                        .add(sharedBytes);
                String sig = k.signature();
                for (int i = 0; i < count; i++) {
                    char type = sig.charAt(i);
                    // 'i' and 'f' fill only the slot's first 4 bytes; the rest may hold an earlier launch's value
                    recorder.add(type == 'i' || type == 'f' ? args.getInt(8 * i) : args.getLong(8 * i));
                }
                return;
            }
            if (device.trace) {
                LOG.info("cuda launch {} grid({}, {}) block({}, {}) shared {} args({})", k.function(), gridX, gridY,
                        blockX, blockY, sharedBytes, traceArgs);
            }
            int status = cudart.cuLaunchKernel(f, gridX, gridY, 1, blockX, blockY, 1, sharedBytes, device.stream(),
                    params, (PointerPointer<?>) null);
            if (status != 0) {
                check(status, "cuLaunchKernel(" + k.function() + ", grid " + gridX + "x" + gridY + ", block "
                        + blockX + "x" + blockY + ", shared " + sharedBytes + ")");
            }
            if (sync) {
                check(cudart.cuStreamSynchronize(device.stream()), "cuStreamSynchronize(after " + k.function() + ")");
            }
        }
    }

    @Override
    public void close() {
        for (CUmod_st m : modules.values()) {
            cudart.cuModuleUnload(m);
        }
        modules.clear();
        functions.clear();
        argBlock.close();
        slotAddresses.close();
    }
}
