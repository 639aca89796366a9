package dev.recur.peers.dl4j;

import dev.recur.peers.shapes.PeerShapes;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.TrainingConfig;
import org.nd4j.linalg.dataset.DataSet;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.LSTM;
import org.deeplearning4j.nn.conf.layers.RnnLossLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;
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
 * Deeplearning4j 1.0.0-M2.1 on ND4J's CPU backend (nd4j-native), float32.
 * <ul>
 *   <li>{@code lstm}: the layer API, the one Java users know: a {@code MultiLayerNetwork} of one {@code LSTM}
 *       layer (nIn I, nOut H, tanh, sigmoid gates, no peepholes) and a parameter-free {@code RnnLossLayer}
 *       (identity, MSE), input {@code [B, I, T]} (DL4J's NCW layout).</li>
 *   <li>{@code gru}: M2.1's layer API has no GRU layer (only LSTM, GravesLSTM, GravesBidirectionalLSTM and
 *       SimpleRnn), so SameDiff: {@code sd.rnn().gru(x [T, B, I], h0 = 0, Wx [I, 3H], Wh [H, 3H], b [3H])} (libnd4j's
 *       fused {@code gru} op, whose candidate applies the reset gate before the recurrent product, i.e. ONNX's
 *       {@code linear_before_reset = 0}: the same FLOPs as PyTorch's variant) and {@code loss().meanSquaredError}.</li>
 *   <li>{@code transformer}: not offered (no transformer encoder layer in DL4J); asking for it fails the trial's
 *       setup and JMH goes on.</li>
 * </ul>
 *
 * <p>What one op times:
 * <ul>
 *   <li>{@code forward}: LSTM {@code net.output(x)}; GRU {@code sd.outputSingle({x}, "out")}: inference over the
 *       whole sequence, the output detached from DL4J's workspaces as the API returns it.</li>
 *   <li>{@code train}: LSTM {@code net.fit(x, y)}; GRU {@code sd.fit(new DataSet(x, y))}; each with a fixed random
 *       target: forward, MSE, backward to the parameter gradients and one Adam(lr=1e-3) update, as DL4J does one
 *       training iteration.</li>
 * </ul>
 * Two random inputs (seeded; the same values as the other peers', permuted to {@code [B, I, T]} for the layer
 * API) alternate.
 *
 * <p>Threads: ND4J's OpenMP pool {@code Nd4j.getEnvironment().setMaxThreads(2)} and
 * {@code setMaxMasterThreads(2)}, its BLAS (OpenBLAS 0.3.19) {@code Nd4j.factory().blas().setMaxThreads(2)}.
 * OpenMP's wait policy comes from the environment only ({@code OMP_WAIT_POLICY}); the values in force are printed
 * at setup, and ND4J logs which natives it loaded ("Binary level AVX/AVX2 optimization level ...").
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class Dl4jBench {
    /** lstm (layer API) or gru (SameDiff); see the class comment. */
    @Param({"lstm", "gru"})
    public String model;

    /** forward (inference) or train (one fit: forward + backward + Adam update). */
    @Param({"forward", "train"})
    public String mode;

    /** S1 = B1/T128/H128, S2 = B32/T128/H256, S3 = B64/T256/H512. */
    @Param({"S1", "S2", "S3"})
    public String shape;

    private MultiLayerNetwork net;
    private SameDiff sd;
    private DataSet[] batches;
    private final INDArray[] inputs = new INDArray[2];
    private INDArray target;
    private boolean train;
    private int next;

    @Setup(Level.Trial)
    public void setup() {
        if (!model.equals("lstm") && !model.equals("gru")) {
            throw new UnsupportedOperationException("Deeplearning4j 1.0.0-M2.1 has no " + model
                    + " layer: model=" + model + " is not measured for this peer (lstm, gru only)");
        }
        train = switch (mode) {
            case "forward" -> false;
            case "train" -> true;
            default -> throw new IllegalArgumentException("unknown mode " + mode + ", expected forward or train");
        };
        Nd4j.setDefaultDataTypes(DataType.FLOAT, DataType.FLOAT);
        Nd4j.getEnvironment().setMaxThreads(2);
        Nd4j.getEnvironment().setMaxMasterThreads(2);
        Nd4j.factory().blas().setMaxThreads(2);
        System.out.printf("ND4J: backend %s, max threads %d, master threads %d, BLAS threads %d, "
                        + "OMP_WAIT_POLICY=%s, OMP_NUM_THREADS=%s%n",
                Nd4j.getBackend().getClass().getSimpleName(), Nd4j.getEnvironment().maxThreads(),
                Nd4j.getEnvironment().maxMasterThreads(), Nd4j.factory().blas().getMaxThreads(),
                System.getenv("OMP_WAIT_POLICY"), System.getenv("OMP_NUM_THREADS"));

        int[] s = PeerShapes.rnn(shape);
        int batch = s[0];
        int steps = s[1];
        int input = s[2];
        int hidden = s[3];
        if (model.equals("gru")) {
            setupGru(batch, steps, input, hidden);
        } else {
            setupLstm(batch, steps, input, hidden);
        }
    }

    private void setupLstm(int batch, int steps, int input, int hidden) {
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder()
                .seed(1)
                .dataType(DataType.FLOAT)
                .weightInit(WeightInit.XAVIER)
                .updater(new Adam(1e-3))
                .list()
                .layer(new LSTM.Builder().nIn(input).nOut(hidden)
                        .activation(Activation.TANH).gateActivationFunction(Activation.SIGMOID).build())
                .layer(new RnnLossLayer.Builder(LossFunctions.LossFunction.MSE)
                        .activation(Activation.IDENTITY).build())
                .build();
        net = new MultiLayerNetwork(conf);
        net.init();
        for (int i = 0; i < inputs.length; i++) {
            inputs[i] = timeMajor(PeerShapes.uniform(100 + i, steps * batch * input, 1.0), steps, batch, input)
                    .permute(1, 2, 0).dup('c');
        }
        if (train) {
            target = timeMajor(PeerShapes.uniform(200, steps * batch * hidden, 1.0), steps, batch, hidden)
                    .permute(1, 2, 0).dup('c');
        }
    }

    private void setupGru(int batch, int steps, int input, int hidden) {
        double bound = 1 / Math.sqrt(hidden);
        sd = SameDiff.create();
        SDVariable x = sd.placeHolder("x", DataType.FLOAT, steps, batch, input);
        SDVariable y = sd.placeHolder("y", DataType.FLOAT, steps, batch, hidden);
        SDVariable h0 = sd.constant("h0", Nd4j.zeros(DataType.FLOAT, batch, hidden));
        SDVariable wx = sd.var("wx", Nd4j.create(PeerShapes.uniform(1, input * 3 * hidden, bound),
                new long[] {input, 3L * hidden}, 'c'));
        SDVariable wh = sd.var("wh", Nd4j.create(PeerShapes.uniform(2, hidden * 3 * hidden, bound),
                new long[] {hidden, 3L * hidden}, 'c'));
        SDVariable b = sd.var("b", Nd4j.create(PeerShapes.uniform(3, 3 * hidden, bound), new long[] {3L * hidden},
                'c'));
        SDVariable out = sd.rnn().gru("out", x, h0, wx, wh, b);
        SDVariable loss = sd.loss().meanSquaredError("loss", y, out, null);
        sd.setLossVariables(loss);
        sd.setTrainingConfig(TrainingConfig.builder().updater(new Adam(1e-3))
                .dataSetFeatureMapping("x").dataSetLabelMapping("y").build());
        for (int i = 0; i < inputs.length; i++) {
            inputs[i] = timeMajor(PeerShapes.uniform(100 + i, steps * batch * input, 1.0), steps, batch, input);
        }
        if (train) {
            target = timeMajor(PeerShapes.uniform(200, steps * batch * hidden, 1.0), steps, batch, hidden);
            batches = new DataSet[] {new DataSet(inputs[0], target), new DataSet(inputs[1], target)};
        }
    }

    private static INDArray timeMajor(float[] data, int steps, int batch, int width) {
        return Nd4j.create(data, new long[] {steps, batch, width}, 'c');
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        net = null;
        sd = null;
    }

    /** One forward, or one training iteration, over the whole sequence. */
    @Benchmark
    public void run(Blackhole bh) {
        next ^= 1;
        if (sd != null) {
            if (train) {
                bh.consume(sd.fit(batches[next]));
            } else {
                bh.consume(sd.outputSingle(Map.of("x", inputs[next]), "out"));
            }
        } else if (train) {
            net.fit(inputs[next], target);
            bh.consume(net.score());
        } else {
            bh.consume(net.output(inputs[next]));
        }
    }
}
