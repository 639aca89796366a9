package dev.recur.bench;

import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * Family 1, full-sequence forward (inference): one call of the model over a dense batch of B sequences of T
 * steps, grad mode off, evaluation mode; the op includes what the public API does per call (allocating and
 * freeing the outputs and the backend's workspaces). Models and sizing: {@link SequenceBenchBase},
 * {@link BenchShapes}. FLOPs: {@link BenchShapes#forwardFlops}.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = "--add-modules=jdk.incubator.vector")
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class ForwardBench extends SequenceBenchBase {
    @Override
    boolean training() {
        return false;
    }

    @Benchmark
    public void forward(Blackhole bh) {
        net.forward(nextInput(), null, bh::consume);
    }
}
