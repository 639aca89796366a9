package dev.recur.peers.ort;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.recur.peers.shapes.PeerShapes;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.Map;
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
 * ONNX Runtime (CPU execution provider) through its Java API: one {@code OrtSession.run} of a model that is a
 * single LSTM or GRU node (opset 14, {@code X [T, B, I]}, see {@link OnnxModels}) or a transformer encoder layer
 * ({@link OnnxTransformer}), on a direct-buffer input tensor created once (two inputs, alternated).
 *
 * <p>What one op times: {@code session.run(Map.of(input, x))} (the forward over all T steps from a zero state,
 * allocating the output tensor, as the public API does) and closing the result. Inference only: ONNX Runtime's
 * Java API has no backward, so {@code mode=train} is not offered (asking for it fails the trial's setup, and JMH
 * goes on to the next).
 *
 * <p>Threads: intra-op 2, inter-op 1, sequential execution, all graph optimizations; ONNX Runtime's default
 * thread spinning is left on.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class OrtBench {
    /** lstm, gru, transformer (the transformer: shape S2 only, d=256, 4 heads, ff 1024, B=32, T=128). */
    @Param({"lstm", "gru", "transformer"})
    public String model;

    /** forward only (see the class comment). */
    @Param({"forward"})
    public String mode;

    /** S1 = B1/T128/H128, S2 = B32/T128/H256, S3 = B64/T256/H512. */
    @Param({"S1", "S2", "S3"})
    public String shape;

    private OrtEnvironment env;
    private OrtSession session;
    private final OnnxTensor[] inputs = new OnnxTensor[2];
    private int next;

    @Setup(Level.Trial)
    public void setup() throws OrtException {
        if (!mode.equals("forward")) {
            throw new UnsupportedOperationException("ONNX Runtime's Java API has no training: mode=" + mode
                    + " is not measured for this peer (forward only)");
        }
        long[] inputShape;
        byte[] onnx;
        switch (model) {
            case "lstm", "gru" -> {
                int[] s = PeerShapes.rnn(shape);
                int batch = s[0];
                int steps = s[1];
                int input = s[2];
                int hidden = s[3];
                int gates = model.equals("lstm") ? 4 : 3;
                double bound = 1 / Math.sqrt(hidden);
                float[] wIh = PeerShapes.uniform(1, gates * hidden * input, bound);
                float[] wHh = PeerShapes.uniform(2, gates * hidden * hidden, bound);
                float[] bIh = PeerShapes.uniform(3, gates * hidden, bound);
                float[] bHh = PeerShapes.uniform(4, gates * hidden, bound);
                onnx = model.equals("lstm")
                        ? OnnxModels.lstm(steps, batch, input, hidden, wIh, wHh, bIh, bHh)
                        : OnnxModels.gru(steps, batch, input, hidden, wIh, wHh, bIh, bHh);
                inputShape = new long[] {steps, batch, input};
            }
            case "transformer" -> {
                if (!shape.equals("S2")) {
                    throw new UnsupportedOperationException("the transformer runs under shape S2 only "
                            + "(d=256, 4 heads, ff 1024, B=32, T=128 whatever the label); skipped for " + shape);
                }
                onnx = OnnxTransformer.encoderLayer(PeerShapes.TF_STEPS, PeerShapes.TF_BATCH, PeerShapes.TF_D,
                        PeerShapes.TF_HEADS, PeerShapes.TF_FF, OnnxTransformer.randomWeights(PeerShapes.TF_D,
                                PeerShapes.TF_FF, 1));
                inputShape = new long[] {PeerShapes.TF_STEPS, PeerShapes.TF_BATCH, PeerShapes.TF_D};
            }
            default -> throw new IllegalArgumentException("unknown model " + model);
        }
        env = OrtEnvironment.getEnvironment();
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            options.setIntraOpNumThreads(2);
            options.setInterOpNumThreads(1);
            options.setExecutionMode(OrtSession.SessionOptions.ExecutionMode.SEQUENTIAL);
            options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
            session = env.createSession(onnx, options);
        }
        int n = Math.toIntExact(inputShape[0] * inputShape[1] * inputShape[2]);
        for (int i = 0; i < inputs.length; i++) {
            FloatBuffer data = ByteBuffer.allocateDirect(n * 4).order(ByteOrder.nativeOrder()).asFloatBuffer();
            data.put(PeerShapes.uniform(100 + i, n, 1.0)).flip();
            inputs[i] = OnnxTensor.createTensor(env, data, inputShape);
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() throws OrtException {
        for (OnnxTensor t : inputs) {
            if (t != null) {
                t.close();
            }
        }
        if (session != null) {
            session.close();
        }
    }

    /** One forward over the whole sequence. */
    @Benchmark
    public void run(Blackhole bh) throws OrtException {
        next ^= 1;
        try (OrtSession.Result r = session.run(Map.of("X", inputs[next]))) {
            bh.consume(r.get(0));
        }
    }
}
