package dev.recur.cuda;

import dev.recur.backend.Backend;
import dev.recur.backend.BackendProvider;
import dev.recur.backend.BackendUnavailableException;

/**
 * Provides the CUDA backend, on the system's CUDA 13 libraries through JavaCPP's {@code org.bytedeco:cuda}
 * bindings (never the {@code *-redist} jars: the driver, runtime, cuBLAS, NVRTC and cuDNN come from the
 * library path). Constructing it loads nothing; {@link #create()} probes the machine ({@link CudaProbe}) and
 * says exactly what is missing and how to fix it.
 *
 * <p>For now the probe is all there is: when every probe passes, {@link #create()} still throws, naming the
 * device it found, because the CUDA kernels are not implemented in this version yet.
 */
public final class CudaBackendProvider implements BackendProvider {
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
     * Probes the driver, runtime, device, cuBLAS and NVRTC (and notes cuDNN).
     *
     * @throws BackendUnavailableException always, for now: at the first probe that fails, with the reason and
     *                                     the fix; else because the kernels are not implemented yet
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
        throw new BackendUnavailableException("found " + probe.summary()
                + ", but the CUDA backend's kernels are not implemented in this version yet; use the cpu backend "
                + "(-Drecur.backend=cpu)");
    }
}
