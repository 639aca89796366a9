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
 * Recur at the peers' shapes (PERFORMANCE.md), with the parameters every peer benchmark carries, so the
 * report joins {@code dev.recur.bench.PeerShapesBench} and {@code dev.recur.peers.<peer>.<Peer>Bench} rows
 * on (model, mode, shape):
 * <ul>
 *   <li>{@code model}: lstm, gru (one layer, I = H) or transformer (one encoder layer, d = 256, 4 heads,
 *       ff 1024, dropout 0, post-norm relu);</li>
 *   <li>{@code mode}: forward (inference, grad mode off) or train (zero grads, forward, MSE loss, backward,
 *       Adam update: {@link BenchModel#trainStep});</li>
 *   <li>{@code shape}: S1 = B1/T128/H128, S2 = B32/T128/H256, S3 = B64/T256/H512. The transformer has one
 *       case, B32/T128/d256, labelled S2 only; other labels fail in setup ({@link BenchShapes#peerCase}).</li>
 * </ul>
 * Layout: recurrent time-major {@code [T, B, I]}, transformer batch-first {@code [B, T, E]}; two inputs
 * alternate.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = "--add-modules=jdk.incubator.vector")
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class PeerShapesBench {
    @Param({"lstm", "gru", "transformer"})
    public String model;

    @Param({"forward", "train"})
    public String mode;

    @Param({"S1", "S2", "S3"})
    public String shape;

    private BenchModel net;
    private final Tensor[] inputs = new Tensor[2];
    private Tensor target;
    private int next;
    private boolean train;

    @Setup(Level.Trial)
    public void setUp() {
        int[] c = BenchShapes.peerCase(model, shape);
        train = switch (mode) {
            case "forward" -> false;
            case "train" -> true;
            default -> throw new IllegalArgumentException("mode must be forward or train, got " + mode);
        };
        Backend be = BenchShapes.backend();
        BenchModel.warmUp(be, model, train, false);
        net = BenchModel.create(be, model, c[2], 1);
        for (int i = 0; i < inputs.length; i++) {
            inputs[i] = net.input(c[0], c[1], 100 + i);
        }
        target = net.input(c[0], c[1], 200);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        for (Tensor t : inputs) {
            t.close();
        }
        target.close();
        net.close();
    }

    @Benchmark
    public void run(Blackhole bh) {
        next ^= 1;
        if (train) {
            net.trainStep(inputs[next], target, bh::consume);
        } else {
            net.forward(inputs[next], null, bh::consume);
        }
    }
}
