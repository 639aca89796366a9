package dev.recur.bench;

import dev.recur.backend.Backend;
import dev.recur.backend.Backends;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * The benchmark shapes, the sizing rules, the parameter and FLOP counts every report figure uses, and the
 * GEMMs each model runs. Pure arithmetic (no backend) except {@link #backend()}, so the report generator and
 * its tests use the same numbers as the benchmarks.
 *
 * <p><b>Models</b> ({@code model} parameter of the benchmarks), each at a width {@code w}:
 * <ul>
 *   <li>{@code rnn}: one-layer tanh RNN, I = H = w; parameters {@code 2w² + 2w}.</li>
 *   <li>{@code lstm}: one-layer LSTM, I = H = w; parameters {@code 8w² + 8w}.</li>
 *   <li>{@code gru}: one-layer GRU, I = H = w; parameters {@code 6w² + 6w}.</li>
 *   <li>{@code transformer}: one {@code TransformerEncoderLayer}, d_model = w, 4 heads, dim_feedforward 4w,
 *       dropout 0, post-norm, relu; parameters {@code 4d² + 4d} (attention) {@code + 2·d·ff + ff + d}
 *       (feed-forward) {@code + 4d} (two layer norms) = {@code 12d² + 13d} at ff = 4d.</li>
 *   <li>{@code attention}: {@code MultiHeadAttention} alone, E = w, 4 heads; parameters {@code 4E² + 4E}.</li>
 * </ul>
 *
 * <p><b>Sizing</b> ({@code match} parameter): {@code width} — every model at w = H (the transformer's d_model
 * = H); {@code params} — every model at the width whose parameter count is closest to the LSTM's at H
 * ({@code 8H² + 8H}), searched over widths that are multiples of 4 for the attention models (4 heads) and
 * any width for the recurrent ones. At H = 256: RNN 512, GRU 296, transformer 208, attention 364 (LSTM 256).
 *
 * <p><b>Peer shapes</b> (PERFORMANCE.md): S1 = B1/T128/H128, S2 = B32/T128/H256, S3 = B64/T256/H512, I = H.
 * The transformer peer case is one shape only, d = 256, 4 heads, ff 1024, B = 32, T = 128, and it carries the
 * label {@value #TRANSFORMER_PEER_SHAPE} (its B, T and width are S2's).
 *
 * <p><b>FLOPs</b> (PERFORMANCE.md's count of useful matrix work): recurrent forward
 * {@code 2·T·B·gH·(I + H)} with g = 1 (RNN), 4 (LSTM), 3 (GRU); transformer layer forward
 * {@code 2·B·T·(4d² + 2·d·ff) + 4·B·T²·d}; attention alone {@code 2·B·T·4E² + 4·B·T²·E}; a training step counts
 * 3× its forward.
 */
public final class BenchShapes {
    /** The models of the sequence benchmarks. */
    public static final List<String> MODELS = List.of("rnn", "lstm", "gru", "transformer", "attention");
    /** Attention heads of every attention model. */
    public static final int HEADS = 4;
    /** The shape label under which the transformer peer case runs. */
    public static final String TRANSFORMER_PEER_SHAPE = "S2";

    private BenchShapes() {
    }

    /**
     * The backend of every benchmark: the one named by {@code -Drecur.backend} (or {@code RECUR_BACKEND}), else
     * {@code cpu}.
     */
    public static Backend backend() {
        String name = Backends.requestedName();
        return Backends.get(name == null ? "cpu" : name);
    }

    /** {batch, steps, input, hidden} of a named LSTM case (S1, S2, S3). */
    static int[] lstm(String name) {
        int[] s = peer(name);
        return new int[] {s[0], s[1], s[2], s[2]};
    }

    /** {B, T, H} of a peer shape S1, S2 or S3 (I = H). */
    public static int[] peer(String shape) {
        return switch (shape) {
            case "S1" -> new int[] {1, 128, 128};
            case "S2" -> new int[] {32, 128, 256};
            case "S3" -> new int[] {64, 256, 512};
            default -> throw new IllegalArgumentException("unknown peer shape " + shape + ", expected S1, S2 or S3");
        };
    }

    /**
     * {B, T, width} of a peer case: the shape's own for the recurrent models, B32/T128/d256 for the transformer
     * (only under {@link #TRANSFORMER_PEER_SHAPE}).
     *
     * @throws IllegalArgumentException for the transformer under another label
     */
    public static int[] peerCase(String model, String shape) {
        if (model.equals("transformer")) {
            if (!shape.equals(TRANSFORMER_PEER_SHAPE)) {
                throw new IllegalArgumentException("the transformer peer case (d=256, 4 heads, ff 1024, B=32, T=128) "
                        + "runs under shape=" + TRANSFORMER_PEER_SHAPE + " only, got shape=" + shape);
            }
            return new int[] {32, 128, 256};
        }
        return peer(shape);
    }

    /** LSTM forward: {@code 2 T B 4H (I + H)}; a training step counts 3x that. */
    static double lstmForwardFlops(int batch, int steps, int input, int hidden) {
        return 2.0 * steps * batch * 4 * hidden * (input + hidden);
    }

    /** Gate blocks g of a recurrent model (RNN 1, GRU 3, LSTM 4), or 0 for the attention models. */
    static int gates(String model) {
        return switch (model) {
            case "rnn" -> 1;
            case "gru" -> 3;
            case "lstm" -> 4;
            case "transformer", "attention" -> 0;
            default -> throw new IllegalArgumentException("unknown model " + model + ", expected one of " + MODELS);
        };
    }

    /** Whether the model is recurrent (time-major input {@code [T, B, w]}) rather than attention ({@code [B, T, w]}). */
    public static boolean recurrent(String model) {
        return gates(model) > 0;
    }

    /** Parameters of a model at width w (see the class comment). */
    public static long parameters(String model, int w) {
        long x = w;
        int g = gates(model);
        if (g > 0) {
            return g * (2 * x * x + 2 * x);
        }
        if (model.equals("attention")) {
            return 4 * x * x + 4 * x;
        }
        long ff = 4 * x;
        return 4 * x * x + 4 * x + 2 * x * ff + ff + x + 4 * x;
    }

    /** The width of a model under a sizing rule ({@code width} or {@code params}) at LSTM hidden size H. */
    public static int width(String model, String match, int hidden) {
        return switch (match) {
            case "width" -> hidden;
            case "params" -> matchedWidth(model, hidden);
            default -> throw new IllegalArgumentException("unknown sizing " + match + ", expected width or params");
        };
    }

    /** The width whose parameter count is closest to the LSTM's at H (multiples of 4 for attention models). */
    public static int matchedWidth(String model, int hidden) {
        if (model.equals("lstm")) {
            return hidden;
        }
        long target = parameters("lstm", hidden);
        int step = recurrent(model) ? 1 : HEADS;
        int best = step;
        long bestDiff = Long.MAX_VALUE;
        for (int w = step; w <= 4 * hidden; w += step) {
            long diff = Math.abs(parameters(model, w) - target);
            if (diff < bestDiff) {
                bestDiff = diff;
                best = w;
            }
        }
        return best;
    }

    /** FLOPs of one forward of a model at width w over B sequences of T steps (see the class comment). */
    public static double forwardFlops(String model, int batch, int steps, int w) {
        double flops = 0;
        for (Gemm g : gemms(model, batch, steps, w)) {
            flops += g.flops();
        }
        return flops;
    }

    /** One GEMM shape {@code c [m, n] = a [m, k] w[n, k]^T} run {@code count} times. */
    public record Gemm(String what, int m, int n, int k, int count) {
        /** {@code 2 m n k count}. */
        public double flops() {
            return 2.0 * m * n * k * count;
        }

        @Override
        public String toString() {
            return String.format(Locale.ROOT, "%s [%d,%d]x[%d,%d] x%d", what, m, k, k, n, count);
        }
    }

    /**
     * The GEMMs of one forward, as the layers issue them: a recurrent layer projects all T steps' inputs at
     * once ({@code [T·B, I] x [I, gH]}) and then runs one {@code [B, H] x [H, gH]} per step; an attention model
     * projects q, k, v and the output ({@code [B·T, d] x [d, d]} each), computes {@code q kᵀ} and {@code A v}
     * per sequence and head ({@code [T, dh] x [dh, T]}, {@code [T, T] x [T, dh]}, B·NH times), and the
     * transformer adds the feed-forward pair ({@code [B·T, d] x [d, 4d]}, {@code [B·T, 4d] x [4d, d]}).
     * Their FLOPs sum to {@link #forwardFlops}.
     */
    public static List<Gemm> gemms(String model, int batch, int steps, int w) {
        List<Gemm> out = new ArrayList<>();
        int g = gates(model);
        int rows = batch * steps;
        if (g > 0) {
            out.add(new Gemm("input projection", rows, g * w, w, 1));
            out.add(new Gemm("step", batch, g * w, w, steps));
            return out;
        }
        int dh = w / HEADS;
        out.add(new Gemm("q,k,v projections", rows, w, w, 3));
        out.add(new Gemm("scores q k^T", steps, steps, dh, batch * HEADS));
        out.add(new Gemm("context A v", steps, dh, steps, batch * HEADS));
        out.add(new Gemm("output projection", rows, w, w, 1));
        if (model.equals("transformer")) {
            out.add(new Gemm("feed-forward 1", rows, 4 * w, w, 1));
            out.add(new Gemm("feed-forward 2", rows, w, 4 * w, 1));
        }
        return out;
    }

    /**
     * Lengths of a variable-length batch: B lengths spread evenly over [1, T] ({@code round(T (2i+1) / 2B)}),
     * summing to exactly {@code B·T/2} (B even), in a fixed shuffled order (not sorted).
     */
    public static long[] halfLengths(int batch, int steps) {
        if (batch % 2 != 0 || batch < 2 || steps < 2) {
            throw new IllegalArgumentException("variable-length batch needs an even B >= 2 and T >= 2, got B = "
                    + batch + ", T = " + steps);
        }
        long[] l = new long[batch];
        long sum = 0;
        for (int i = 0; i < batch; i++) {
            l[i] = Math.max(1, Math.min(steps, Math.round((double) steps * (2 * i + 1) / (2.0 * batch))));
            sum += l[i];
        }
        long target = (long) batch * steps / 2;
        // Pairs i, B-1-i sum to T when T (2i+1)/2B rounds evenly; fix any rounding drift on the middle entries.
        for (int i = batch / 2; sum != target; i = (i + 1) % batch) {
            if (sum < target && l[i] < steps) {
                l[i]++;
                sum++;
            } else if (sum > target && l[i] > 1) {
                l[i]--;
                sum--;
            }
        }
        SplittableRandom r = new SplittableRandom(7);
        for (int i = batch - 1; i > 0; i--) {
            int j = r.nextInt(i + 1);
            long t = l[i];
            l[i] = l[j];
            l[j] = t;
        }
        return l;
    }

    /** {@code n} floats uniform in [-1, 1), reproducible from {@code seed}. */
    static float[] uniform(long seed, int n) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] out = new float[n];
        for (int i = 0; i < n; i++) {
            out[i] = (float) (r.nextDouble() * 2 - 1);
        }
        return out;
    }
}
