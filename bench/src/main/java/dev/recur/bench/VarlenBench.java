package dev.recur.bench;

import dev.recur.backend.Backend;
import dev.recur.tensor.Tensor;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * Family 4, variable-length vs dense batches (inference forward, width H):
 * <ul>
 *   <li>{@code varlen}: B sequences padded to T whose lengths ({@link BenchShapes#halfLengths}, spread evenly
 *       over [1, T], unsorted) sum to B·T/2 real steps — recurrent layers get the lengths, the transformer a
 *       key-padding mask built from them;</li>
 *   <li>{@code dense_half}: B/2 full sequences of T steps — the same B·T/2 real steps, no padding;</li>
 *   <li>{@code dense_full}: B full sequences of T steps — what the padded batch occupies.</li>
 * </ul>
 * Ideal for a layer whose cost follows the real steps: varlen ≈ dense_half ≈ dense_full / 2.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = "--add-modules=jdk.incubator.vector")
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class VarlenBench {
    @Param({"lstm", "gru", "transformer"})
    public String model;

    @Param({"varlen", "dense_half", "dense_full"})
    public String layout;

    @Param({"64", "256"})
    public int steps;

    @Param({"32"})
    public int batch;

    @Param({"256"})
    public int hidden;

    private BenchModel net;
    private Tensor x;
    private long[] lengths;

    @Setup(Level.Trial)
    public void setUp() {
        Backend be = BenchShapes.backend();
        BenchModel.warmUp(be, model, false, true);
        net = BenchModel.create(be, model, hidden, 1);
        int b = switch (layout) {
            case "varlen", "dense_full" -> batch;
            case "dense_half" -> batch / 2;
            default -> throw new IllegalArgumentException("layout must be varlen, dense_half or dense_full, got "
                    + layout);
        };
        x = net.input(b, steps, 100);
        lengths = layout.equals("varlen") ? BenchShapes.halfLengths(batch, steps) : null;
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        x.close();
        net.close();
    }

    @Benchmark
    public void forward(Blackhole bh) {
        net.forward(x, lengths, bh::consume);
    }
}
