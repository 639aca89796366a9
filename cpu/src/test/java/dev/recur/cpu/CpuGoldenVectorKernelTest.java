package dev.recur.cpu;

import dev.recur.backend.Backend;
import dev.recur.cpu.internal.PackedGemm;
import dev.recur.golden.GoldenSuite;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * The golden suite with the recurrent steps' packed GEMM on the Vector API kernel ({@code -Drecur.cpu.native=off}):
 * where the native kernel loads, {@link CpuGoldenTest} runs that one instead.
 */
class CpuGoldenVectorKernelTest extends GoldenSuite {
    @BeforeAll
    static void nativeOff() {
        PackedGemm.setNative(false);
    }

    @AfterAll
    static void restore() {
        PackedGemm.setNative(null);
    }

    @Override
    protected List<Backend> backends() {
        return List.of(new CpuBackend(2));
    }
}
