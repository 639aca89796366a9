package dev.recur.cuda;

import dev.recur.backend.Backend;
import dev.recur.backend.BackendProvider;
import dev.recur.backend.BackendUnavailableException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Provides the CUDA backend, on the system's CUDA 13 libraries through JavaCPP's {@code org.bytedeco:cuda}
 * bindings (never the {@code *-redist} jars: the driver, runtime, cuBLAS, NVRTC and cuDNN come from the
 * library path). Constructing it loads nothing; {@link #create()} probes the machine ({@link CudaProbe}) and
 * says exactly what is missing and how to fix it.
 *
 * <p>When every probe passes, {@link #create()} opens the device ({@link CudaBackend}): its context, stream,
 * cuBLAS handle and the first NVRTC-compiled kernel module; a failure there is reported the same way, with the
 * call that failed. The {@code recur.cuda.*} properties are listed in {@link CudaOptions}.
 */
public final class CudaBackendProvider implements BackendProvider {
    private static final Logger LOG = LoggerFactory.getLogger(CudaBackendProvider.class);

    /** System property: the CUDA device ordinal to use (after CUDA_VISIBLE_DEVICES), default 0. */
    public static final String DEVICE_PROPERTY = "recur.cuda.device";

    @Override
    public String name() {
        return "cuda";
    }

    @Override
    public int rank() {
        return 20;
    }

    /**
     * Probes the driver, runtime, device, cuBLAS and NVRTC (and notes cuDNN), then opens the backend on the device
     * named by {@value #DEVICE_PROPERTY}.
     *
     * @throws BackendUnavailableException at the first probe that fails, with the reason and the fix; or when
     *                                     opening the device, cuBLAS or compiling the first kernels fails
     */
    @Override
    public Backend create() {
        CudaProbe.Result probe;
        try {
            probe = CudaProbe.probe();
        } catch (Throwable t) { // CudaProbe catches its own; this guards its class loading (missing JavaCPP)
            throw new BackendUnavailableException("the CUDA probe could not run (" + t.getClass().getSimpleName()
                    + ": " + t.getMessage() + "): add org.bytedeco:javacpp and org.bytedeco:cuda with their "
                    + "platform jars to the class path", t);
        }
        if (!probe.usable()) {
            throw probe.toException();
        }
        CudaOptions options;
        try {
            options = CudaOptions.fromSystemProperties();
        } catch (IllegalArgumentException e) {
            throw new BackendUnavailableException(e.getMessage() + ": fix the property, or use the cpu backend "
                    + "(-Drecur.backend=cpu)", e);
        }
        try {
            CudaBackend be = CudaBackend.open(probe, options);
            LOG.debug("cuda: opened {}", probe.summary());
            return be;
        } catch (RuntimeException | LinkageError e) {
            throw new BackendUnavailableException("found " + probe.summary() + ", but opening it failed: "
                    + oneLine(e.getMessage()) + "; run with -D" + CudaOptions.TRACE_PROPERTY + "=true for details, "
                    + "or use the cpu backend (-Drecur.backend=cpu)", e);
        }
    }

    private static String oneLine(String s) {
        if (s == null) {
            return "(no message)";
        }
        String flat = s.replaceAll("\\s*\\R\\s*", " | ");
        return flat.length() > 2000 ? flat.substring(0, 2000) + "..." : flat;
    }
}
