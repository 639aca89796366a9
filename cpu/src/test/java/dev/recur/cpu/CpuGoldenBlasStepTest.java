package dev.recur.cpu;

import dev.recur.backend.Backend;
import dev.recur.cpu.internal.CpuRnn;
import dev.recur.golden.GoldenSuite;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The golden suite with each forward step's recurrent GEMM on OpenBLAS ({@code -Drecur.cpu.stepGemm=blas}). */
class CpuGoldenBlasStepTest extends GoldenSuite {
    @BeforeAll
    static void blasSteps() {
        CpuRnn.setStepGemm(CpuRnn.StepGemm.BLAS);
    }

    @AfterAll
    static void restore() {
        CpuRnn.setStepGemm(null);
    }

    @Override
    protected List<Backend> backends() {
        return List.of(new CpuBackend(2));
    }
}
