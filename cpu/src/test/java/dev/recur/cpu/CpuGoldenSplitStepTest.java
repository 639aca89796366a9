package dev.recur.cpu;

import dev.recur.backend.Backend;
import dev.recur.cpu.internal.CpuRnn;
import dev.recur.golden.GoldenSuite;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * The golden suite on a 3-thread cpu backend with every recurrent step split across the threads by hidden units
 * ({@link CpuRnn.StepSplit#ALWAYS}, {@link CpuRnn.SplitAxis#UNITS}): the golden cases are too small for the
 * automatic split, so without this the split path would meet PyTorch's results only through the benchmark shapes.
 */
class CpuGoldenSplitStepTest extends GoldenSuite {
    @BeforeAll
    static void splitEveryStep() {
        CpuRnn.setStepSplit(CpuRnn.StepSplit.ALWAYS);
        CpuRnn.setSplitAxis(CpuRnn.SplitAxis.UNITS);
    }

    @AfterAll
    static void restore() {
        CpuRnn.setStepSplit(null);
        CpuRnn.setSplitAxis(null);
    }

    @Override
    protected List<Backend> backends() {
        return List.of(new CpuBackend(3));
    }
}
