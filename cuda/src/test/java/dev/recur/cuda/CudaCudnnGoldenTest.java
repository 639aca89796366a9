package dev.recur.cuda;

import dev.recur.backend.Backend;
import dev.recur.golden.GoldenSuite;
import java.util.List;
import org.junit.jupiter.api.Tag;

/**
 * The golden suite on the CUDA backend with the sequence ops on cuDNN's RNN API ({@link CudnnRnn}), whatever
 * {@code -Drecur.cuda.rnn} says. Reported skipped, with the reason, where there is no usable GPU or cuDNN did not
 * load.
 */
@Tag("gpu")
class CudaCudnnGoldenTest extends GoldenSuite {
    @Override
    protected List<Backend> backends() {
        return List.of(CudaTestSupport.cudnnBackendOrSkippingStandIn());
    }
}
