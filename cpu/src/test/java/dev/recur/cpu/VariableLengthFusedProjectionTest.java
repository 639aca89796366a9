package dev.recur.cpu;

import dev.recur.cpu.internal.CpuRnn;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * {@link VariableLengthTest} with every packed recurrent step projecting its own inputs
 * ({@link CpuRnn.FusedProjection#ALWAYS}): inference then reads the first layer's inputs in the caller's order,
 * row by row, which the golden suite (training, sorted inputs) does not reach.
 */
class VariableLengthFusedProjectionTest extends VariableLengthTest {
    @BeforeAll
    static void fuse() {
        CpuRnn.setFusedProjection(CpuRnn.FusedProjection.ALWAYS);
    }

    @AfterAll
    static void restore() {
        CpuRnn.setFusedProjection(null);
    }
}
