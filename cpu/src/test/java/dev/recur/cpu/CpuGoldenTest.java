package dev.recur.cpu;

import dev.recur.backend.Backend;
import dev.recur.backend.Backends;
import dev.recur.golden.GoldenSuite;
import java.util.List;

/** The golden suite on every backend available on this class path (cpu, and cuda where a GPU is usable). */
class CpuGoldenTest extends GoldenSuite {
    @Override
    protected List<Backend> backends() {
        return Backends.available();
    }
}
