package dev.recur.backend;

import java.util.Arrays;
import java.util.Comparator;
import java.util.stream.IntStream;

/**
 * The batch sorted by length, longest first (a stable sort, as {@code pack_padded_sequence} with
 * {@code enforce_sorted=False} does), so that at every step the sequences still running form a prefix of
 * the rows: step {@code t} runs rows {@code [0, batchSizes[t])} in both directions, and its GEMMs cost what
 * the real steps cost, not B·T. Every backend uses this order, so that their results agree row for row.
 *
 * @param perm       sorted row {@code i} is original row {@code perm[i]}
 * @param batchSizes number of sequences longer than {@code t}, per step {@code t}
 * @param identity   true when the batch is already in sorted order (no copies needed)
 */
public record BatchOrder(int[] perm, int[] batchSizes, boolean identity) {

    /** The order for the given lengths (each in [1, T]), or all-T when {@code lengths} is null. */
    public static BatchOrder of(int[] lengths, int steps, int batch) {
        int[] sizes = new int[steps];
        if (lengths == null) {
            Arrays.fill(sizes, batch);
            return new BatchOrder(IntStream.range(0, batch).toArray(), sizes, true);
        }
        int[] perm = IntStream.range(0, batch).boxed()
                .sorted(Comparator.comparingInt((Integer b) -> lengths[b]).reversed())
                .mapToInt(Integer::intValue).toArray();
        boolean identity = true;
        for (int i = 0; i < batch; i++) {
            identity &= perm[i] == i;
            for (int t = 0; t < lengths[perm[i]]; t++) {
                sizes[t]++;
            }
        }
        return new BatchOrder(perm, sizes, identity);
    }
}
