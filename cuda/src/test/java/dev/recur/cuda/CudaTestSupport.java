package dev.recur.cuda;

import dev.recur.backend.Backend;
import dev.recur.backend.BackendUnavailableException;
import java.lang.reflect.Proxy;
import org.junit.jupiter.api.Assumptions;
import org.opentest4j.TestAbortedException;

/**
 * The one CUDA backend the GPU tests share, or a skip with the probe's reason where this machine has no usable GPU
 * (so the build stays green without one). When the probe passes but the backend cannot be opened, the tests fail:
 * that is a bug or a broken installation, not a machine without a GPU.
 */
final class CudaTestSupport {
    private static CudaBackend backend;
    private static CudaBackend cudnnBackend;
    private static CudaBackend graphsBackend;

    private CudaTestSupport() {
    }

    /**
     * The shared backend where a GPU is usable; else a stand-in named "cuda" whose every op aborts the calling test
     * with the probe's reason, so that suites which build their test list from a backend list (the golden suite)
     * report each case skipped with the reason instead of vanishing.
     */
    static synchronized Backend backendOrSkippingStandIn() {
        return standInUnlessUsable(false);
    }

    /** {@link #backendOrSkippingStandIn} for the backend on cuDNN's RNN path ({@link #cudnnBackendOrSkip}). */
    static synchronized Backend cudnnBackendOrSkippingStandIn() {
        return standInUnlessUsable(true);
    }

    private static Backend standInUnlessUsable(boolean cudnnPath) {
        String reason;
        try {
            CudaProbe.Result r = CudaProbe.probe();
            if (r.usable() && (!cudnnPath || r.cudnnVersion() != null)) {
                return cudnnPath ? cudnnBackendOrSkip() : backendOrSkip();
            }
            reason = r.usable() ? "cuDNN did not load: " + r.cudnnNote() : "no usable GPU: " + r.failure();
        } catch (Throwable t) {
            reason = "no usable GPU: the CUDA probe could not run (" + t + ")";
        }
        String why = reason;
        return (Backend) Proxy.newProxyInstance(Backend.class.getClassLoader(), new Class<?>[] {Backend.class},
                (proxy, method, args) -> switch (method.getName()) {
                    case "name" -> "cuda";
                    case "describe", "toString" -> "cuda (skipped): " + why;
                    case "hashCode" -> System.identityHashCode(proxy);
                    case "equals" -> proxy == args[0];
                    default -> throw new TestAbortedException(why);
                });
    }

    /** The shared backend; skips the calling test (JUnit assumption) when there is no usable GPU. */
    static synchronized CudaBackend backendOrSkip() {
        CudaProbe.Result r;
        try {
            r = CudaProbe.probe();
        } catch (Throwable t) {
            Assumptions.abort("no usable GPU: the CUDA probe could not run (" + t + ")");
            throw new AssertionError("unreachable");
        }
        Assumptions.assumeTrue(r.usable(), () -> "no usable GPU: " + r.failure());
        if (backend == null) {
            try {
                backend = (CudaBackend) new CudaBackendProvider().create();
            } catch (BackendUnavailableException e) {
                throw new AssertionError("the probe passed (" + r.summary() + ") but the backend did not open: "
                        + e.getMessage(), e);
            }
            System.out.print(backend.describe());
        }
        return backend;
    }

    /**
     * A second backend on the same device with {@code -Drecur.cuda.rnn=cudnn}'s path, for the suites that check
     * cuDNN's RNN API; skips the calling test when there is no usable GPU or cuDNN did not load.
     */
    static synchronized CudaBackend cudnnBackendOrSkip() {
        backendOrSkip(); // skips where there is no usable GPU
        CudaProbe.Result r = CudaProbe.probe();
        Assumptions.assumeTrue(r.cudnnVersion() != null, () -> "cuDNN did not load: " + r.cudnnNote());
        if (cudnnBackend == null) {
            cudnnBackend = CudaBackend.open(r,
                    CudaOptions.fromSystemProperties().withRnnPath(CudaOptions.RnnPath.CUDNN));
            System.out.print(cudnnBackend.describe());
        }
        return cudnnBackend;
    }

    /**
     * A third backend on the same device, on the fused path with CUDA graphs on ({@code -Drecur.cuda.graphs=true},
     * {@link CudaGraphs}); skips the calling test when there is no usable GPU.
     */
    static synchronized CudaBackend graphsBackendOrSkip() {
        backendOrSkip(); // skips where there is no usable GPU
        if (graphsBackend == null) {
            graphsBackend = CudaBackend.open(CudaProbe.probe(), CudaOptions.fromSystemProperties()
                    .withRnnPath(CudaOptions.RnnPath.FUSED).withGraphs(true));
            System.out.print(graphsBackend.describe());
        }
        return graphsBackend;
    }
}
