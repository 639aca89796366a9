package dev.recur.peers.shapes;

import java.util.SplittableRandom;

/**
 * The peers' benchmark shapes (PERFORMANCE.md, issue 6), one class for every peer module, and their seeded
 * random data (the same values in every peer for the same seed).
 */
public final class PeerShapes {
    // The transformer encoder layer's one case, whatever the shape label.
    /** Transformer layer: d_model. */
    public static final int TF_D = 256;
    /** Transformer layer: attention heads. */
    public static final int TF_HEADS = 4;
    /** Transformer layer: feed-forward width. */
    public static final int TF_FF = 1024;
    /** Transformer layer: batch. */
    public static final int TF_BATCH = 32;
    /** Transformer layer: steps. */
    public static final int TF_STEPS = 128;

    private PeerShapes() {
    }

    /** {batch, steps, input, hidden}: S1 = B1/T128/I=H=128, S2 = B32/T128/I=H=256, S3 = B64/T256/I=H=512. */
    public static int[] rnn(String shape) {
        return switch (shape) {
            case "S1" -> new int[] {1, 128, 128, 128};
            case "S2" -> new int[] {32, 128, 256, 256};
            case "S3" -> new int[] {64, 256, 512, 512};
            default -> throw new IllegalArgumentException("unknown shape " + shape + ", expected S1, S2 or S3");
        };
    }

    /** {@code n} floats uniform in [-scale, scale), reproducible from {@code seed}. */
    public static float[] uniform(long seed, int n, double scale) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] out = new float[n];
        for (int i = 0; i < n; i++) {
            out[i] = (float) ((r.nextDouble() * 2 - 1) * scale);
        }
        return out;
    }
}
