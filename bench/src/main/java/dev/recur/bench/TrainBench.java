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
 * Family 2, one training step on a dense batch of B sequences of T steps: zero the gradients, forward recorded
 * on a tape, MSE loss against a fixed target of the output's shape, backward through every parameter, one Adam
 * update ({@link BenchModel#trainStep}). Same models and sizing as {@link ForwardBench}; FLOPs counted as 3×
 * the forward's.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = "--add-modules=jdk.incubator.vector")
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class TrainBench extends SequenceBenchBase {
    @Override
    boolean training() {
        return true;
    }

    @Benchmark
    public void step(Blackhole bh) {
        net.trainStep(nextInput(), target, bh::consume);
    }
}
