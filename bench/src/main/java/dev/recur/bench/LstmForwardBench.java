package dev.recur.bench;

import dev.recur.autograd.GradMode;
import dev.recur.backend.Backend;
import dev.recur.backend.Backends;
import dev.recur.nn.rnn.Lstm;
import dev.recur.nn.rnn.RnnGradients;
import dev.recur.nn.rnn.RnnResult;
import dev.recur.tensor.Tensor;
import java.util.Arrays;
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
 * One-layer unidirectional LSTM on the cpu backend through the public API, time-major input
 * {@code x [T, B, I]}, zero initial state, all sequences of full length T.
 *
 * <ul>
 *   <li>{@code forward}: inference, grad mode off; FLOPs {@code 2 T B 4H (I + H)} (S1: 33.6 M, S2: 4.29 G).</li>
 *   <li>{@code forwardBackward}: grad mode on, forward then backward with {@code dOutput} of ones
 *       (parameter gradients accumulate; they are never zeroed, so no zeroing cost is timed); FLOPs counted
 *       as 3x forward, as PERFORMANCE.md counts a training step (no optimizer update is included).</li>
 * </ul>
 * Each op includes what the public API does per call: allocating and freeing the output, h_n, c_n and the
 * backend's per-call workspaces. Two inputs alternate so the input is not always hot in cache.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = "--add-modules=jdk.incubator.vector")
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class LstmForwardBench {
    /** S1: B=1, T=128, I=H=128; S2: B=32, T=128, I=H=256 (PERFORMANCE.md). */
    @Param({"S1", "S2"})
    public String shape;

    private Backend be;
    private Lstm lstm;
    private final Tensor[] inputs = new Tensor[2];
    private Tensor dOutput;
    private int next;

    @Setup(Level.Trial)
    public void setup() {
        int[] s = BenchShapes.lstm(shape);
        int batch = s[0];
        int steps = s[1];
        int input = s[2];
        int hidden = s[3];
        be = Backends.get("cpu");
        lstm = Lstm.builder(input, hidden).seed(1).build(be);
        for (int i = 0; i < inputs.length; i++) {
            inputs[i] = be.fromFloats(BenchShapes.uniform(100 + i, steps * batch * input), steps, batch, input);
        }
        float[] ones = new float[steps * batch * hidden];
        Arrays.fill(ones, 1f);
        dOutput = be.fromFloats(ones, steps, batch, hidden);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        for (Tensor t : inputs) {
            t.close();
        }
        dOutput.close();
        lstm.close();
    }

    private Tensor nextInput() {
        next ^= 1;
        return inputs[next];
    }

    /** Inference: grad mode off, the result consumed before it is closed. */
    @Benchmark
    public void forward(Blackhole bh) {
        try (GradMode.Scope g = GradMode.disable(); RnnResult r = lstm.forward(nextInput())) {
            bh.consume(r.output());
            bh.consume(r.hn());
        }
    }

    /** Training-style: forward with grad mode on, then backward of {@code dOutput = 1}. */
    @Benchmark
    public void forwardBackward(Blackhole bh) {
        try (GradMode.Scope g = GradMode.enable(); RnnResult r = lstm.forward(nextInput());
             RnnGradients grads = r.backward(dOutput, null, null)) {
            bh.consume(r.output());
            bh.consume(grads.input());
        }
    }
}
