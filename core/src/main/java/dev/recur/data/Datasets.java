package dev.recur.data;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/** Small helpers for in-memory datasets: a seeded train/validation split, selection by index, lengths. */
public final class Datasets {
    private Datasets() {
    }

    /**
     * A partition of the indices {@code 0 .. n-1}.
     *
     * @param train      the training indices, ascending
     * @param validation the validation indices, ascending
     */
    public record Split(int[] train, int[] validation) {
        /** Copies the arrays, so the split stays as made. */
        public Split {
            train = train.clone();
            validation = validation.clone();
        }

        /** The training indices, ascending (a copy). */
        @Override
        public int[] train() {
            return train.clone();
        }

        /** The validation indices, ascending (a copy). */
        @Override
        public int[] validation() {
            return validation.clone();
        }

        @Override
        public String toString() {
            return String.format(Locale.ROOT, "Split(train=%d, validation=%d)", train.length, validation.length);
        }
    }

    /**
     * Splits {@code 0 .. n-1} at random into training and validation indices: the validation set is the first
     * {@code round(n * validationFraction)} entries of {@link SeededShuffle#permutation}{@code (n, seed)}.
     *
     * @param n                  number of samples, {@code >= 0}
     * @param validationFraction share of samples for validation, in {@code [0, 1]}
     * @param seed               the shuffle seed
     * @return the split; every index is in exactly one of the two
     * @throws IllegalArgumentException naming a negative {@code n} or a fraction outside {@code [0, 1]}
     */
    public static Split split(int n, double validationFraction, long seed) {
        if (n < 0) {
            throw new IllegalArgumentException(String.format(Locale.ROOT, "split: n must be >= 0, got %d", n));
        }
        if (!(validationFraction >= 0 && validationFraction <= 1)) {
            throw new IllegalArgumentException(String.format(Locale.ROOT,
                    "split: validationFraction must be in [0, 1], got %s", validationFraction));
        }
        int[] perm = SeededShuffle.permutation(n, seed);
        int v = (int) Math.round(n * validationFraction);
        int[] validation = Arrays.copyOfRange(perm, 0, v);
        int[] train = Arrays.copyOfRange(perm, v, n);
        Arrays.sort(validation);
        Arrays.sort(train);
        return new Split(train, validation);
    }

    /**
     * The items at {@code indices}, in that order.
     *
     * @param items   the dataset
     * @param indices positions in {@code [0, items.size())}
     * @param <T>     item type
     * @return a new list of {@code indices.length} items
     * @throws IllegalArgumentException naming an out-of-range index
     */
    public static <T> List<T> select(List<T> items, int[] indices) {
        if (items == null || indices == null) {
            throw new IllegalArgumentException("select: items and indices must be non-null, got "
                    + (items == null ? "items=null" : "indices=null"));
        }
        List<T> out = new ArrayList<>(indices.length);
        for (int i = 0; i < indices.length; i++) {
            if (indices[i] < 0 || indices[i] >= items.size()) {
                throw new IllegalArgumentException(String.format(Locale.ROOT,
                        "select: indices[%d] must be in [0, %d), got %d", i, items.size(), indices[i]));
            }
            out.add(items.get(indices[i]));
        }
        return out;
    }

    /**
     * The length of each sequence, for {@link BucketBatchSampler}.
     *
     * @param sequences token-id sequences
     * @return {@code [N]} lengths
     */
    public static int[] lengths(List<long[]> sequences) {
        if (sequences == null) {
            throw new IllegalArgumentException("lengths: sequences must be a list, got null");
        }
        int[] out = new int[sequences.size()];
        for (int i = 0; i < out.length; i++) {
            long[] s = sequences.get(i);
            if (s == null) {
                throw new IllegalArgumentException(String.format(Locale.ROOT,
                        "lengths: sequences[%d] must be an array, got null", i));
            }
            out[i] = s.length;
        }
        return out;
    }
}
