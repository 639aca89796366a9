package dev.recur.bench;

import dev.recur.autograd.GradMode;
import dev.recur.backend.Backend;
import dev.recur.nn.attention.KvCache;
import dev.recur.nn.attention.TransformerEncoder;
import dev.recur.nn.attention.TransformerEncoderLayer;
import dev.recur.nn.rnn.Lstm;
import dev.recur.nn.rnn.RnnResult;
import dev.recur.nn.rnn.RnnState;
import dev.recur.tensor.Tensor;
import java.util.List;
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

/**
 * Family 3, autoregressive generation: the cost of the one new token at context length T (the T-th token),
 * B sequences at once.
 *
 * <ul>
 *   <li>{@code lstm}: an LSTM of {@code layers} layers, I = H = w; the token is one {@code step(x [B, w],
 *       state)} from the state after T-1 tokens.</li>
 *   <li>{@code transformer}: a causal {@link TransformerEncoder} of {@code layers} layers (d = w, 4 heads,
 *       ff 4w, dropout 0); the token is one {@code decode(x [B, 1, w], caches)} against KV caches holding T-1
 *       tokens, so its query attends to T keys (itself included).</li>
 * </ul>
 * How the marginal token is isolated: the public API can only grow a {@link KvCache} (or {@code clear()} it),
 * so each measurement iteration's {@code @Setup(Level.Iteration)} (not timed) clears the caches and generates
 * T-1 tokens through the same public calls — {@code decode} for the transformer, {@code step} for the LSTM,
 * which also keeps both paths equally warm — and the iteration then times exactly one more token.
 * Mode {@link Mode#SingleShotTime} with batch size 1: each iteration's score is one token's time, and the
 * result (median, spread) is over the iterations. Token inputs are random embeddings; no embedding lookup or
 * output head is timed.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsAppend = "--add-modules=jdk.incubator.vector")
@Warmup(iterations = 10, batchSize = 1)
@Measurement(iterations = 40, batchSize = 1)
public class GenerationBench {
    /** lstm (one step) or transformer (one KV-cache decode). */
    @Param({"lstm", "transformer"})
    public String model;

    /** Layers of either model. */
    @Param({"1", "2"})
    public int layers;

    /** T: the new token is the T-th; the cache (or the LSTM state) holds T-1. */
    @Param({"16", "64", "256", "1024"})
    public int context;

    /** B, sequences generated at once. */
    @Param({"1"})
    public int batch;

    /** H = d_model. */
    @Param({"256"})
    public int hidden;

    private static final int TOKENS = 4;
    private static final int WARM_TOKENS = 1024;

    private Lstm lstm;
    private TransformerEncoder encoder;
    private List<KvCache> caches;
    private final Tensor[] tokens = new Tensor[TOKENS];
    private RnnResult prefix;
    private RnnState state;

    @Setup(Level.Trial)
    public void setUpModel() {
        Backend be = BenchShapes.backend();
        int w = hidden;
        for (int i = 0; i < TOKENS; i++) {
            float[] v = BenchShapes.uniform(300 + i, batch * w);
            tokens[i] = model.equals("lstm") ? be.fromFloats(v, batch, w) : be.fromFloats(v, batch, 1, w);
        }
        switch (model) {
            case "lstm" -> lstm = Lstm.builder(w, w).numLayers(layers).seed(1).build(be);
            case "transformer" -> {
                encoder = new TransformerEncoder(be, TransformerEncoderLayer.builder(w, BenchShapes.HEADS)
                        .dimFeedforward(4 * w).dropout(0f), layers, 1);
                encoder.eval();
                caches = encoder.newCaches(batch, context);
            }
            default -> throw new IllegalArgumentException("generation model must be lstm or transformer, got " + model);
        }
        warmUp();
    }

    /**
     * Compiles the token path before JMH's warm-up: {@value #WARM_TOKENS} tokens (a scratch cache of up to 256
     * tokens, cleared when full), so that short contexts, whose prefills run few tokens, are as warm as long ones.
     */
    private void warmUp() {
        try (GradMode.Scope g = GradMode.disable()) {
            if (lstm != null) {
                RnnResult r = null;
                for (int t = 0; t < WARM_TOKENS; t++) {
                    RnnResult next = lstm.step(tokens[t % TOKENS], r == null || t % 256 == 0 ? null : r.state());
                    if (r != null) {
                        r.close();
                    }
                    r = next;
                }
                r.close();
                return;
            }
            List<KvCache> scratch = encoder.newCaches(batch, 256);
            try {
                for (int t = 0; t < WARM_TOKENS; t++) {
                    if (t % 256 == 0) {
                        scratch.forEach(KvCache::clear);
                    }
                    encoder.decode(tokens[t % TOKENS], scratch).close();
                }
            } finally {
                scratch.forEach(KvCache::close);
            }
        }
    }

    /** Not timed: T-1 tokens through the same public calls, so the measured token is the T-th. */
    @Setup(Level.Iteration)
    public void prefill() {
        try (GradMode.Scope g = GradMode.disable()) {
            if (lstm != null) {
                closePrefix();
                for (int t = 0; t < context - 1; t++) {
                    RnnResult r = lstm.step(tokens[t % TOKENS], state);
                    closePrefix();
                    prefix = r;
                    state = r.state();
                }
            } else {
                for (KvCache c : caches) {
                    c.clear();
                }
                for (int t = 0; t < context - 1; t++) {
                    encoder.decode(tokens[t % TOKENS], caches).close();
                }
            }
        }
    }

    private void closePrefix() {
        if (prefix != null) {
            prefix.close();
            prefix = null;
            state = null;
        }
    }

    /** One token: its output is computed and freed (the cache, for the transformer, grows by one). */
    @Benchmark
    public Object token() {
        try (GradMode.Scope g = GradMode.disable()) {
            Tensor x = tokens[(context - 1) % TOKENS];
            if (lstm != null) {
                try (RnnResult r = lstm.step(x, state)) {
                    return r.hn();
                }
            }
            try (Tensor y = encoder.decode(x, caches)) {
                return y;
            }
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        closePrefix();
        for (Tensor t : tokens) {
            t.close();
        }
        if (lstm != null) {
            lstm.close();
        }
        if (encoder != null) {
            caches.forEach(KvCache::close);
            encoder.close();
        }
    }
}
