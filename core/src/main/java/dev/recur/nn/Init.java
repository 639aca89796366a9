package dev.recur.nn;

import dev.recur.backend.Backend;
import dev.recur.tensor.Tensor;
import java.util.SplittableRandom;

/** Parameter initialisation. */
public final class Init {
    private static final SplittableRandom SEEDS = new SplittableRandom();

    private Init() {
    }

    /** A fresh seed for a layer built without one (different for every layer in a process). */
    public static synchronized long nextSeed() {
        return SEEDS.nextLong();
    }

    /** A tensor of values drawn uniformly from {@code [-bound, bound)}, PyTorch's recurrent-layer init. */
    public static Tensor uniform(Backend backend, SplittableRandom random, float bound, int... shape) {
        int n = Math.toIntExact(dev.recur.tensor.Shapes.numel(shape));
        float[] values = new float[n];
        for (int i = 0; i < n; i++) {
            values[i] = (float) ((random.nextDouble() * 2 - 1) * bound);
        }
        return backend.fromFloats(values, shape);
    }
}
