package dev.recur.peers.torch;

import dev.recur.peers.shapes.PeerShapes;
import java.util.concurrent.TimeUnit;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.openblas.global.openblas_nolapack;
import org.bytedeco.pytorch.Adam;
import org.bytedeco.pytorch.AdamOptions;
import org.bytedeco.pytorch.GRUImpl;
import org.bytedeco.pytorch.GRUOptions;
import org.bytedeco.pytorch.LSTMImpl;
import org.bytedeco.pytorch.LSTMOptions;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TransformerEncoderLayerImpl;
import org.bytedeco.pytorch.TransformerEncoderLayerOptions;
import org.bytedeco.pytorch.global.torch;
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
 * libtorch 2.10 (CPU build of the JavaCPP presets {@code org.bytedeco:pytorch:2.10.0-1.5.13}) through its C++
 * module API: {@code torch::nn::LSTM}, {@code torch::nn::GRU} (one layer, unidirectional, bias, input
 * {@code [T, B, I]}, zero initial state) and {@code torch::nn::TransformerEncoderLayer} (d=256, 4 heads,
 * ff 1024, relu, post-norm, dropout 0, input {@code [T, B, d]}).
 *
 * <p>What one op times:
 * <ul>
 *   <li>{@code forward}: eval mode under {@code NoGradGuard}, {@code module->forward(x)} (the output and, for
 *       the RNNs, the final state), then freeing the result tensors (a JavaCPP {@code PointerScope}).</li>
 *   <li>{@code train}: train mode, {@code optimizer.zero_grad()}, forward, {@code loss = mse_loss(output,
 *       target)} with a fixed random target, {@code loss.backward()} (gradients of every parameter, and none of
 *       the input, which does not require grad), {@code Adam(lr=1e-3).step()}, then freeing the temporaries.</li>
 * </ul>
 * Two random inputs (seeded, the same values as the other peers') alternate. Weights: libtorch's own
 * initialization after {@code torch::manual_seed(1)}.
 *
 * <p>Threads: {@code at::set_num_threads(2)} (libtorch's intra-op pool, OpenMP: libgomp),
 * {@code at::set_num_interop_threads(1)}, and OpenBLAS (which libtorch_cpu links for GEMM outside oneDNN)
 * {@code blas_set_num_threads(2)}, overridable with {@code -jvmArgsAppend -Dpeers.torch.blasThreads=N}.
 * OpenMP's wait policy can only come from the environment ({@code OMP_WAIT_POLICY}, read when libgomp loads):
 * PERFORMANCE.md measures libtorch with it both unset and {@code PASSIVE} and keeps the better; run this jar
 * twice to do the same. The values in force are printed at setup.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class TorchBench {
    /** lstm, gru, transformer (the transformer: shape S2 only; d=256, 4 heads, ff 1024, B=32, T=128). */
    @Param({"lstm", "gru", "transformer"})
    public String model;

    /** forward (inference) or train (forward + backward + Adam step). */
    @Param({"forward", "train"})
    public String mode;

    /** S1 = B1/T128/H128, S2 = B32/T128/H256, S3 = B64/T256/H512. */
    @Param({"S1", "S2", "S3"})
    public String shape;

    private Module module;
    private LSTMImpl lstm;
    private GRUImpl gru;
    private TransformerEncoderLayerImpl encoder;
    private Adam optimizer;
    private final Tensor[] inputs = new Tensor[2];
    private Tensor target;
    private boolean train;
    private int next;

    @Setup(Level.Trial)
    public void setup() {
        // Parameters first, so that a combination not measured fails before libtorch is loaded.
        train = switch (mode) {
            case "forward" -> false;
            case "train" -> true;
            default -> throw new IllegalArgumentException("unknown mode " + mode + ", expected forward or train");
        };
        if (model.equals("transformer") && !shape.equals("S2")) {
            throw new UnsupportedOperationException("the transformer runs under shape S2 only "
                    + "(d=256, 4 heads, ff 1024, B=32, T=128 whatever the label); skipped for " + shape);
        }
        configureThreads();
        torch.manual_seed(1);
        long steps;
        long batch;
        long input;
        long outWidth;
        switch (model) {
            case "lstm", "gru" -> {
                int[] s = PeerShapes.rnn(shape);
                batch = s[0];
                steps = s[1];
                input = s[2];
                outWidth = s[3];
                if (model.equals("lstm")) {
                    lstm = new LSTMImpl(new LSTMOptions(input, outWidth));
                    module = lstm;
                } else {
                    gru = new GRUImpl(new GRUOptions(input, outWidth));
                    module = gru;
                }
            }
            case "transformer" -> {
                steps = PeerShapes.TF_STEPS;
                batch = PeerShapes.TF_BATCH;
                input = PeerShapes.TF_D;
                outWidth = PeerShapes.TF_D;
                TransformerEncoderLayerOptions o = new TransformerEncoderLayerOptions(PeerShapes.TF_D,
                        PeerShapes.TF_HEADS);
                o.dim_feedforward().put(PeerShapes.TF_FF);
                o.dropout().put(0.0);
                encoder = new TransformerEncoderLayerImpl(o);
                module = encoder;
            }
            default -> throw new IllegalArgumentException("unknown model " + model);
        }
        module.train(train);
        int n = Math.toIntExact(steps * batch * input);
        for (int i = 0; i < inputs.length; i++) {
            inputs[i] = Tensor.create(PeerShapes.uniform(100 + i, n, 1.0), steps, batch, input);
        }
        if (train) {
            target = Tensor.create(PeerShapes.uniform(200, Math.toIntExact(steps * batch * outWidth), 1.0),
                    steps, batch, outWidth);
            optimizer = new Adam(module.parameters(), new AdamOptions(1e-3));
        }
    }

    private static void configureThreads() {
        torch.set_num_threads(2);
        try {
            torch.set_num_interop_threads(1);
        } catch (RuntimeException e) {
            // Only allowed before any inter-op work has started in this process; the fork is fresh, so rare.
            System.err.println("set_num_interop_threads(1) refused: " + e.getMessage());
        }
        int blas = Integer.getInteger("peers.torch.blasThreads", 2);
        openblas_nolapack.blas_set_num_threads(blas);
        System.out.printf("libtorch: intra-op threads %d, inter-op threads %d, OpenBLAS threads %d, "
                        + "OMP_WAIT_POLICY=%s, OMP_NUM_THREADS=%s%n", torch.get_num_threads(),
                torch.get_num_interop_threads(), openblas_nolapack.blas_get_num_threads(),
                System.getenv("OMP_WAIT_POLICY"), System.getenv("OMP_NUM_THREADS"));
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        for (Tensor t : inputs) {
            if (t != null) {
                t.close();
            }
        }
        if (target != null) {
            target.close();
        }
        if (optimizer != null) {
            optimizer.close();
        }
        if (module != null) {
            module.close();
        }
    }

    private Tensor forward(Tensor x) {
        if (lstm != null) {
            return lstm.forward(x).get0();
        }
        if (gru != null) {
            return gru.forward(x).get0();
        }
        return encoder.forward(x);
    }

    /** One forward, or one training step, over the whole sequence. */
    @Benchmark
    public void run(Blackhole bh) {
        next ^= 1;
        Tensor x = inputs[next];
        try (PointerScope scope = new PointerScope()) {
            if (train) {
                optimizer.zero_grad();
                Tensor loss = torch.mse_loss(forward(x), target);
                loss.backward();
                optimizer.step();
                bh.consume(loss);
            } else {
                try (NoGradGuard noGrad = new NoGradGuard()) {
                    bh.consume(forward(x));
                }
            }
        }
    }
}
