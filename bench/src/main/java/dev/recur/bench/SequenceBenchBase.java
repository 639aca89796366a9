package dev.recur.bench;

import dev.recur.backend.Backend;
import dev.recur.tensor.Tensor;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * What {@link ForwardBench} and {@link TrainBench} share: the model grid (model, sizing rule, T, B, H), the
 * model and two inputs that alternate (so the input is not always hot in cache), and a fixed target of the
 * output's shape for the training loss. Sizing and parameter counts: {@link BenchShapes}. Setup first runs
 * the same code paths on a tiny problem ({@link BenchModel#warmUp}) so that the JIT has compiled them before
 * JMH's warm-up iterations (short in a quick run).
 */
@State(Scope.Benchmark)
public abstract class SequenceBenchBase {
    /** rnn, lstm, gru, transformer (one encoder layer, 4 heads, ff 4d), attention (multi-head attention alone). */
    @Param({"rnn", "lstm", "gru", "transformer", "attention"})
    public String model;

    /** width: every model at w = H; params: every model at the width whose parameter count ≈ the LSTM's at H. */
    @Param({"width", "params"})
    public String match;

    /** T, the sequence length. */
    @Param({"16", "64", "256", "1024"})
    public int steps;

    /** B, sequences per batch. */
    @Param({"1", "32"})
    public int batch;

    /** H, the LSTM's hidden size (and input size) that the sizing rule starts from. */
    @Param({"256"})
    public int hidden;

    BenchModel net;
    private final Tensor[] inputs = new Tensor[2];
    Tensor target;
    private int next;

    @Setup(Level.Trial)
    public void setUpModel() {
        Backend be = BenchShapes.backend();
        BenchModel.warmUp(be, model, training(), false);
        int w = BenchShapes.width(model, match, hidden);
        net = BenchModel.create(be, model, w, 1);
        for (int i = 0; i < inputs.length; i++) {
            inputs[i] = net.input(batch, steps, 100 + i);
        }
        target = net.input(batch, steps, 200);
    }

    @TearDown(Level.Trial)
    public void tearDownModel() {
        for (Tensor t : inputs) {
            t.close();
        }
        target.close();
        net.close();
    }

    /** Whether the benchmark times training steps (for the warm-up on a tiny problem). */
    abstract boolean training();

    /** The next of the two inputs. */
    final Tensor nextInput() {
        next ^= 1;
        return inputs[next];
    }
}
