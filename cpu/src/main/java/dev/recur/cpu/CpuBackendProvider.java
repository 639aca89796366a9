package dev.recur.cpu;

import dev.recur.backend.Backend;
import dev.recur.backend.BackendProvider;
import dev.recur.backend.BackendUnavailableException;
import org.bytedeco.javacpp.Loader;

/**
 * Provides {@link CpuBackend}. {@link #create()} loads OpenBLAS through JavaCPP (its native jar for this
 * platform must be on the class path) and sets its thread count from {@code recur.cpu.threads} (default:
 * the available processors).
 */
public final class CpuBackendProvider implements BackendProvider {
    /** System property: OpenBLAS threads. */
    public static final String THREADS_PROPERTY = "recur.cpu.threads";

    @Override
    public String name() {
        return "cpu";
    }

    @Override
    public int rank() {
        return 10;
    }

    @Override
    public Backend create() {
        int threads = Integer.getInteger(THREADS_PROPERTY, Runtime.getRuntime().availableProcessors());
        if (threads < 1) {
            throw new BackendUnavailableException(THREADS_PROPERTY + " must be >= 1, got " + threads);
        }
        try {
            Loader.load(org.bytedeco.openblas.global.openblas_nolapack.class);
        } catch (UnsatisfiedLinkError | NoClassDefFoundError e) {
            throw new BackendUnavailableException("OpenBLAS could not be loaded (" + e.getMessage() + "): add "
                    + "org.bytedeco:openblas with the classifier for this platform (e.g. linux-x86_64) to the "
                    + "class path", e);
        }
        long cacheBytes;
        try {
            cacheBytes = BlockCache.configuredCapacity();
        } catch (IllegalArgumentException e) {
            throw new BackendUnavailableException(e.getMessage(), e);
        }
        dev.recur.cpu.internal.Blas.setMaxThreads(threads);
        return new CpuBackend(threads, cacheBytes);
    }
}
