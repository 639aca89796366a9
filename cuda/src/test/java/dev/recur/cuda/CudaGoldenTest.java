package dev.recur.cuda;

import dev.recur.backend.Backend;
import dev.recur.golden.GoldenSuite;
import java.util.List;
import org.junit.jupiter.api.Tag;

/**
 * The golden suite (PyTorch float64 references, the same cases as CpuGoldenTest) on the CUDA backend, with the
 * RNN path chosen by {@code -Drecur.cuda.rnn} (fused by default; {@link CudaCudnnGoldenTest} runs cuDNN's). Reported
 * skipped, with the probe's reason, where there is no usable GPU.
 */
@Tag("gpu")
class CudaGoldenTest extends GoldenSuite {
    @Override
    protected List<Backend> backends() {
        return List.of(CudaTestSupport.backendOrSkippingStandIn());
    }
}
