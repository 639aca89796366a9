package dev.recur.data;

import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Reproducible shuffling: Fisher–Yates driven by {@link SplittableRandom}{@code (seed)}, so the same seed gives
 * the same permutation on every JVM and platform. {@link #deriveSeed} turns one user seed into independent
 * per-epoch (or per-purpose) seeds.
 */
public final class SeededShuffle {
    /** The 64-bit golden ratio, SplitMix64's increment. */
    private static final long GOLDEN_GAMMA = 0x9E3779B97F4A7C15L;

    private SeededShuffle() {
    }

    /**
     * Shuffles {@code values} in place (Fisher–Yates: for {@code i} from {@code n-1} down to 1, swap {@code i}
     * with a uniform {@code j} in {@code [0, i]}).
     *
     * @param values the array to shuffle; may be empty
     * @param seed   the seed of the {@link SplittableRandom}
     */
    public static void shuffle(int[] values, long seed) {
        if (values == null) {
            throw new IllegalArgumentException("shuffle: values must be an array, got null");
        }
        SplittableRandom random = new SplittableRandom(seed);
        for (int i = values.length - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int v = values[i];
            values[i] = values[j];
            values[j] = v;
        }
    }

    /**
     * Shuffles a mutable list in place with the same sequence of swaps as {@link #shuffle(int[], long)}.
     *
     * @param values the list to shuffle (must support {@link List#set})
     * @param seed   the seed of the {@link SplittableRandom}
     * @param <T>    element type
     */
    public static <T> void shuffle(List<T> values, long seed) {
        if (values == null) {
            throw new IllegalArgumentException("shuffle: values must be a list, got null");
        }
        SplittableRandom random = new SplittableRandom(seed);
        for (int i = values.size() - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            values.set(i, values.set(j, values.get(i)));
        }
    }

    /**
     * A uniformly random permutation of {@code 0, 1, ..., n-1}.
     *
     * @param n    number of elements, {@code >= 0}
     * @param seed the seed of the {@link SplittableRandom}
     * @return a new array holding each of {@code 0..n-1} once
     */
    public static int[] permutation(int n, long seed) {
        if (n < 0) {
            throw new IllegalArgumentException(String.format(Locale.ROOT,
                    "permutation: n must be >= 0, got %d", n));
        }
        int[] out = new int[n];
        for (int i = 0; i < n; i++) {
            out[i] = i;
        }
        shuffle(out, seed);
        return out;
    }

    /**
     * A seed for stream {@code stream} (an epoch, a purpose) derived from {@code seed}: the SplitMix64 finalizer
     * of {@code seed + (stream + 1) * golden}, so nearby seeds and streams give unrelated results.
     *
     * @param seed   the user's seed
     * @param stream which derived stream
     * @return the derived seed
     */
    public static long deriveSeed(long seed, long stream) {
        long z = seed + (stream + 1) * GOLDEN_GAMMA;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
