package dev.recur.cpu;

import dev.recur.backend.Backend;
import dev.recur.cpu.internal.Blas;
import dev.recur.cpu.internal.CpuRnn;
import dev.recur.cpu.internal.PackedGemm;
import dev.recur.golden.GoldenSuite;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * The golden suite with the cpu backend's fast paths forced off: one-row GEMMs through sgemm instead of GEMV,
 * no step split across threads, the recurrent step's packed GEMM on its plain-Java kernel instead of the native or
 * Vector API one. ({@link CpuGoldenBlasStepTest} runs the suite with the step GEMM on OpenBLAS,
 * {@link CpuGoldenVectorKernelTest} on the Vector API kernel.)
 */
class CpuGoldenFastPathsOffTest extends GoldenSuite {
    private static boolean gemv;

    @BeforeAll
    static void fastPathsOff() {
        gemv = Blas.gemvForOneRow();
        Blas.setGemvForOneRow(false);
        CpuRnn.setStepSplit(CpuRnn.StepSplit.OFF);
        PackedGemm.setNative(false);
        PackedGemm.setVector(false);
        CpuRnn.setStepGemm(CpuRnn.StepGemm.PACKED); // packed on the plain-Java kernel, not auto's OpenBLAS
    }

    @AfterAll
    static void restore() {
        Blas.setGemvForOneRow(gemv);
        CpuRnn.setStepSplit(null);
        PackedGemm.setNative(null);
        PackedGemm.setVector(null);
        CpuRnn.setStepGemm(null);
    }

    @Override
    protected List<Backend> backends() {
        return List.of(new CpuBackend(2));
    }
}
