package dev.recur.cpu;

import dev.recur.backend.Backend;
import dev.recur.cpu.internal.Blas;
import dev.recur.cpu.internal.CpuRnn;
import dev.recur.golden.GoldenSuite;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * The golden suite with the cpu backend's fast paths forced off: one-row GEMMs through sgemm instead of GEMV,
 * no step split across threads.
 */
class CpuGoldenFastPathsOffTest extends GoldenSuite {
    private static boolean gemv;

    @BeforeAll
    static void fastPathsOff() {
        gemv = Blas.gemvForOneRow();
        Blas.setGemvForOneRow(false);
        CpuRnn.setStepSplit(CpuRnn.StepSplit.OFF);
    }

    @AfterAll
    static void restore() {
        Blas.setGemvForOneRow(gemv);
        CpuRnn.setStepSplit(null);
    }

    @Override
    protected List<Backend> backends() {
        return List.of(new CpuBackend(2));
    }
}
