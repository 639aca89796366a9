package dev.recur.cpu;

import dev.recur.backend.Backend;
import dev.recur.cpu.internal.CpuRnn;
import dev.recur.golden.GoldenSuite;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * The golden suite with every packed recurrent step projecting its own inputs
 * ({@link CpuRnn.FusedProjection#ALWAYS}; the automatic choice needs {@link CpuRnn#FUSED_MIN_ROWS} rows, more than
 * the golden cases have), one thread.
 */
class CpuGoldenFusedProjectionTest extends GoldenSuite {
    @BeforeAll
    static void fuse() {
        CpuRnn.setFusedProjection(CpuRnn.FusedProjection.ALWAYS);
    }

    @AfterAll
    static void restore() {
        CpuRnn.setFusedProjection(null);
    }

    @Override
    protected List<Backend> backends() {
        return List.of(new CpuBackend(1));
    }
}
