package dev.recur.data;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Batches of sample indices in which sequences of similar length go together, so little of a
 * {@link PaddedBatch} is padding. For epoch {@code e}:
 * <ol>
 *   <li>all indices are shuffled ({@link SeededShuffle}, seed derived from {@code (seed, e)});</li>
 *   <li>the shuffled order is cut into buckets of {@code bucketSize * batchSize} indices, and each bucket is
 *       sorted by length (stable, so equal lengths keep their shuffled order);</li>
 *   <li>each bucket is cut into batches of {@code batchSize} (only the very last batch can be smaller);
 *       with {@code dropLast} that smaller batch is dropped;</li>
 *   <li>the batches are shuffled (another derived seed), so lengths do not rise through the epoch.</li>
 * </ol>
 * Every index appears in exactly one batch per epoch (with {@code dropLast}, fewer than {@code batchSize}
 * indices, a different set each epoch, are left out). The same {@code (seed, e)} always gives the same batches;
 * different epochs give different orders. {@code bucketSize = 1} sorts nothing across batches (only within
 * each), a large {@code bucketSize} sorts the whole epoch (least padding, least randomness). Immutable and
 * thread-safe.
 */
public final class BucketBatchSampler {
    private final int[] lengths;
    private final int batchSize;
    private final int bucketSize;
    private final boolean dropLast;
    private final long seed;

    /**
     * A sampler over {@code lengths.length} samples.
     *
     * @param lengths    {@code [N]}: each sample's length (tokens), {@code N >= 1}, each {@code >= 0}
     * @param batchSize  indices per batch, {@code >= 1}
     * @param bucketSize batches per bucket, {@code >= 1}
     * @param dropLast   whether to drop the last batch when it has fewer than {@code batchSize} indices
     * @param seed       the seed all epochs' orders derive from
     * @throws IllegalArgumentException naming the bad argument
     */
    public BucketBatchSampler(int[] lengths, int batchSize, int bucketSize, boolean dropLast, long seed) {
        if (lengths == null || lengths.length == 0) {
            throw new IllegalArgumentException("bucketBatchSampler: lengths must hold at least 1 sample, got "
                    + (lengths == null ? "null" : "none"));
        }
        for (int i = 0; i < lengths.length; i++) {
            if (lengths[i] < 0) {
                throw new IllegalArgumentException(String.format(Locale.ROOT,
                        "bucketBatchSampler: lengths[%d] must be >= 0, got %d", i, lengths[i]));
            }
        }
        if (batchSize < 1) {
            throw new IllegalArgumentException(String.format(Locale.ROOT,
                    "bucketBatchSampler: batchSize must be >= 1, got %d", batchSize));
        }
        if (bucketSize < 1) {
            throw new IllegalArgumentException(String.format(Locale.ROOT,
                    "bucketBatchSampler: bucketSize must be >= 1, got %d", bucketSize));
        }
        this.lengths = lengths.clone();
        this.batchSize = batchSize;
        this.bucketSize = bucketSize;
        this.dropLast = dropLast;
        this.seed = seed;
    }

    /**
     * The batches of epoch {@code epoch}, in the order to train on them.
     *
     * @param epoch the epoch number (any int; each gives its own order)
     * @return {@link #batchCount()} arrays of sample indices; a new, modifiable list
     */
    public List<int[]> epoch(int epoch) {
        int n = lengths.length;
        int[] order = SeededShuffle.permutation(n, SeededShuffle.deriveSeed(seed, 2L * epoch));
        int bucket = (int) Math.min(n, (long) bucketSize * batchSize);
        long[] keys = new long[bucket];
        for (int start = 0; start < n; start += bucket) {
            int end = Math.min(n, start + bucket);
            // Key: length in the high half, position in the low half: a stable sort by length.
            for (int i = start; i < end; i++) {
                keys[i - start] = ((long) lengths[order[i]] << 32) | (i - start);
            }
            Arrays.sort(keys, 0, end - start);
            int[] sorted = new int[end - start];
            for (int i = 0; i < sorted.length; i++) {
                sorted[i] = order[start + (int) keys[i]];
            }
            System.arraycopy(sorted, 0, order, start, sorted.length);
        }
        List<int[]> batches = new ArrayList<>(batchCount());
        for (int start = 0; start < n; start += batchSize) {
            int end = Math.min(n, start + batchSize);
            if (dropLast && end - start < batchSize) {
                break;
            }
            batches.add(Arrays.copyOfRange(order, start, end));
        }
        SeededShuffle.shuffle(batches, SeededShuffle.deriveSeed(seed, 2L * epoch + 1));
        return batches;
    }

    /** Batches per epoch: {@code ceil(N / batchSize)}, or {@code floor(N / batchSize)} with {@code dropLast}. */
    public int batchCount() {
        int n = lengths.length;
        return dropLast ? n / batchSize : (n + batchSize - 1) / batchSize;
    }

    /** {@code N}, the number of samples. */
    public int sampleCount() {
        return lengths.length;
    }

    /** Indices per batch. */
    public int batchSize() {
        return batchSize;
    }

    /** Batches per bucket. */
    public int bucketSize() {
        return bucketSize;
    }

    /** Whether a last, smaller batch is dropped. */
    public boolean dropLast() {
        return dropLast;
    }

    /** The seed all epochs derive from. */
    public long seed() {
        return seed;
    }

    /** The samples' lengths, {@code [N]}. */
    public int[] lengths() {
        return lengths.clone();
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "BucketBatchSampler(N=%d, batchSize=%d, bucketSize=%d, dropLast=%s, "
                + "seed=%d)", lengths.length, batchSize, bucketSize, dropLast, seed);
    }
}
