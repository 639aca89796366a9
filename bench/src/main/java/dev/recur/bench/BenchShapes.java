package dev.recur.bench;

import java.util.SplittableRandom;

/**
 * The benchmark shapes of {@code PERFORMANCE.md} and the FLOP counts every GFLOP/s figure uses.
 *
 * <p>S1: B=1, T=128, I=H=128 (B=1 latency; the weights fit in L2). S2: B=32, T=128, I=H=256.
 */
final class BenchShapes {
    private BenchShapes() {
    }

    /** {batch, steps, input, hidden} of a named LSTM case. */
    static int[] lstm(String name) {
        return switch (name) {
            case "S1" -> new int[] {1, 128, 128, 128};
            case "S2" -> new int[] {32, 128, 256, 256};
            default -> throw new IllegalArgumentException("unknown LSTM shape " + name + ", expected S1 or S2");
        };
    }

    /** LSTM forward: {@code 2 T B 4H (I + H)}; a training step counts 3x that. */
    static double lstmForwardFlops(int batch, int steps, int input, int hidden) {
        return 2.0 * steps * batch * 4 * hidden * (input + hidden);
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
