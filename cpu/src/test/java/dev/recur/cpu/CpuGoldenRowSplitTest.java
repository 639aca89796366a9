package dev.recur.cpu;

import dev.recur.backend.Backend;
import dev.recur.cpu.internal.CpuRnn;
import dev.recur.golden.GoldenSuite;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * The golden suite on a 3-thread cpu backend with every recurrent step split across the threads by batch rows
 * ({@link CpuRnn.SplitAxis#ROWS}; the automatic choice needs 8 rows per thread, more than the golden cases have).
 * Without the Vector API the steps run on OpenBLAS and split by units, as in {@link CpuGoldenSplitStepTest}.
 */
class CpuGoldenRowSplitTest extends GoldenSuite {
    @BeforeAll
    static void splitEveryStepByRows() {
        CpuRnn.setStepSplit(CpuRnn.StepSplit.ALWAYS);
        CpuRnn.setSplitAxis(CpuRnn.SplitAxis.ROWS);
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
