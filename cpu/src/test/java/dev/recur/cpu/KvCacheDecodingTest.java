package dev.recur.cpu;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.recur.autograd.GradMode;
import dev.recur.backend.AttentionMask;
import dev.recur.backend.Backend;
import dev.recur.backend.Backends;
import dev.recur.nn.Forward;
import dev.recur.nn.attention.KvCache;
import dev.recur.nn.attention.TransformerEncoder;
import dev.recur.nn.attention.TransformerEncoderLayer;
import dev.recur.tensor.Tensor;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Decoding 64 tokens one at a time with the KV cache gives what one causal forward over the whole sequence
 * gives, row by row (max difference at most 1e-5).
 */
class KvCacheDecodingTest {
    private static final int B = 2;
    private static final int T = 64;
    private static final int E = 16;

    @ParameterizedTest(name = "norm_first={0}, {1}")
    @CsvSource({"false, relu", "true, gelu"})
    void tokenByTokenEqualsOneCausalForward(boolean normFirst, String activation) {
        Backend be = Backends.get("cpu");
        float[] data = new float[B * T * E];
        SplittableRandom r = new SplittableRandom(9);
        for (int i = 0; i < data.length; i++) {
            data[i] = (float) (r.nextDouble() * 2 - 1);
        }
        TransformerEncoderLayer.Builder layer = TransformerEncoderLayer.builder(E, 4).dimFeedforward(32)
                .activation(activation).normFirst(normFirst);
        try (TransformerEncoder stack = new TransformerEncoder(be, layer, 2, 7); Tensor x = be.fromFloats(data, B, T, E);
             GradMode.Scope s = GradMode.disable()) {
            stack.eval();
            float[] full;
            try (Forward f = stack.forward(x, AttentionMask.causalOnly())) {
                full = f.output().toFloatArray();
            }
            List<KvCache> caches = stack.newCaches(B, T);
            double maxDiff = 0;
            try (Tensor token = be.zeros(dev.recur.tensor.DType.F32, B, 1, E)) {
                float[] tokenData = new float[B * E];
                for (int t = 0; t < T; t++) {
                    for (int b = 0; b < B; b++) {
                        System.arraycopy(data, (b * T + t) * E, tokenData, b * E, E);
                    }
                    try (Tensor in = be.fromFloats(tokenData, B, 1, E); Tensor out = stack.decode(in, caches)) {
                        float[] o = out.toFloatArray();
                        for (int b = 0; b < B; b++) {
                            for (int j = 0; j < E; j++) {
                                maxDiff = Math.max(maxDiff, Math.abs(o[b * E + j] - full[(b * T + t) * E + j]));
                            }
                        }
                    }
                }
            } finally {
                caches.forEach(KvCache::close);
            }
            System.out.println("kv-cache decode vs causal forward, norm_first=" + normFirst + ": max diff " + maxDiff);
            assertTrue(maxDiff <= 1e-5, "max difference " + maxDiff + " > 1e-5");
        }
    }
}
