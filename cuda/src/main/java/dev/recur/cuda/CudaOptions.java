package dev.recur.cuda;

import java.nio.file.Path;
import java.util.Locale;

/**
 * The {@code recur.cuda.*} system properties, read once when the backend is created.
 *
 * <ul>
 *   <li>{@value CudaBackendProvider#DEVICE_PROPERTY}: device ordinal, default 0.</li>
 *   <li>{@value #RNN_PROPERTY}: {@code fused} (default; Recur's kernels), {@code cudnn} (cuDNN 9's RNN API,
 *       {@link CudnnRnn}), {@code auto} (fused until a GPU benchmark has shown where cuDNN is faster).</li>
 *   <li>{@value #CACHE_PROPERTY}: folder of the compiled-kernel cache, default {@code ~/.cache/recur/cuda}.</li>
 *   <li>{@value #TRACE_PROPERTY} (or env {@code RECUR_CUDA_TRACE=1}): log every kernel launch, cuBLAS call,
 *       allocation and transfer at INFO.</li>
 *   <li>{@value #SYNC_PROPERTY} (or env {@code RECUR_CUDA_SYNC=1}): synchronize and check after every launch, so
 *       a failing kernel is named (slow; for debugging).</li>
 *   <li>{@value #TF32_PROPERTY}: let cuBLAS and cuDNN's RNN path use TF32 tensor cores for FP32 GEMMs (faster,
 *       about 1e-3 relative error; default false, which keeps the golden tolerances).</li>
 *   <li>{@value #GRAPHS_PROPERTY}: replay the fused path's step loops as CUDA graphs when the same call repeats on
 *       the same buffers ({@link CudaGraphs}); default false until a GPU benchmark has shown where it pays. Off while
 *       {@value #SYNC_PROPERTY} is on (a graph cannot synchronize after each launch).</li>
 * </ul>
 *
 * @param device   device ordinal
 * @param rnnPath  the sequence-level RNN implementation
 * @param cacheDir the kernel cache folder
 * @param trace    log every launch
 * @param sync     synchronize after every launch
 * @param tf32     allow TF32 in cuBLAS and cuDNN
 * @param graphs   replay repeated step loops as CUDA graphs (as asked; see {@link #graphsOn()})
 */
record CudaOptions(int device, RnnPath rnnPath, Path cacheDir, boolean trace, boolean sync, boolean tf32,
                   boolean graphs) {
    /** System property: the RNN path. */
    static final String RNN_PROPERTY = "recur.cuda.rnn";
    /** System property: the kernel cache folder. */
    static final String CACHE_PROPERTY = "recur.cuda.cache";
    /** System property: trace every launch. */
    static final String TRACE_PROPERTY = "recur.cuda.trace";
    /** System property: synchronize after every launch. */
    static final String SYNC_PROPERTY = "recur.cuda.sync";
    /** System property: allow TF32 GEMMs. */
    static final String TF32_PROPERTY = "recur.cuda.tf32";
    /** System property: replay repeated step loops as CUDA graphs. */
    static final String GRAPHS_PROPERTY = "recur.cuda.graphs";

    /** The implementation of the sequence-level recurrent ops. */
    enum RnnPath {
        /** Recur's own: one input GEMM, then per step a recurrent GEMM and a fused cell kernel. */
        FUSED,
        /** cuDNN 9's RNN API ({@link CudnnRnn}). */
        CUDNN,
        /** Choose per call (today: always FUSED). */
        AUTO
    }

    /** These options with the sequence ops on {@code path}. */
    CudaOptions withRnnPath(RnnPath path) {
        return new CudaOptions(device, path, cacheDir, trace, sync, tf32, graphs);
    }

    /** These options with CUDA graphs on or off. */
    CudaOptions withGraphs(boolean on) {
        return new CudaOptions(device, rnnPath, cacheDir, trace, sync, tf32, on);
    }

    /** Whether graphs are used: asked for, and {@code sync} (which checks after every launch) off. */
    boolean graphsOn() {
        return graphs && !sync;
    }

    /** Reads the properties; bad values throw IllegalArgumentException naming the property. */
    static CudaOptions fromSystemProperties() {
        String dev = System.getProperty(CudaBackendProvider.DEVICE_PROPERTY);
        int device;
        try {
            device = dev == null ? 0 : Integer.parseInt(dev.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(CudaBackendProvider.DEVICE_PROPERTY + " must be a device number, got \""
                    + dev + "\"");
        }
        return new CudaOptions(device, parseRnnPath(System.getProperty(RNN_PROPERTY)), defaultCacheDir(),
                flag(TRACE_PROPERTY, "RECUR_CUDA_TRACE"), flag(SYNC_PROPERTY, "RECUR_CUDA_SYNC"),
                flag(TF32_PROPERTY, null), flag(GRAPHS_PROPERTY, null));
    }

    /** {@code fused} (also for null), {@code cudnn} or {@code auto}. */
    static RnnPath parseRnnPath(String v) {
        if (v == null || v.isBlank()) {
            return RnnPath.FUSED;
        }
        return switch (v.trim().toLowerCase(Locale.ROOT)) {
            case "fused" -> RnnPath.FUSED;
            case "cudnn" -> RnnPath.CUDNN;
            case "auto" -> RnnPath.AUTO;
            default -> throw new IllegalArgumentException(RNN_PROPERTY + " must be fused, cudnn or auto, got \"" + v
                    + "\"");
        };
    }

    /** {@value #CACHE_PROPERTY}, else {@code $XDG_CACHE_HOME/recur/cuda}, else {@code ~/.cache/recur/cuda}. */
    static Path defaultCacheDir() {
        String p = System.getProperty(CACHE_PROPERTY);
        if (p != null && !p.isBlank()) {
            return Path.of(p.trim());
        }
        String xdg = System.getenv("XDG_CACHE_HOME");
        if (xdg != null && !xdg.isBlank()) {
            return Path.of(xdg, "recur", "cuda");
        }
        return Path.of(System.getProperty("user.home"), ".cache", "recur", "cuda");
    }

    private static boolean flag(String property, String env) {
        String v = System.getProperty(property);
        if (v == null && env != null) {
            v = System.getenv(env);
        }
        if (v == null) {
            return false;
        }
        v = v.trim().toLowerCase(Locale.ROOT);
        return v.isEmpty() || v.equals("true") || v.equals("1") || v.equals("yes");
    }
}
