package dev.recur.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class BucketBatchSamplerTest {
    private static int[] randomLengths(int n, int max, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        int[] out = new int[n];
        for (int i = 0; i < n; i++) {
            out[i] = 1 + r.nextInt(max);
        }
        return out;
    }

    private static int[] flatten(List<int[]> batches) {
        return batches.stream().flatMapToInt(Arrays::stream).toArray();
    }

    private static boolean sameBatches(List<int[]> a, List<int[]> b) {
        if (a.size() != b.size()) {
            return false;
        }
        for (int i = 0; i < a.size(); i++) {
            if (!Arrays.equals(a.get(i), b.get(i))) {
                return false;
            }
        }
        return true;
    }

    /** Mean over batches of (longest - shortest) length. */
    private static double meanSpread(List<int[]> batches, int[] lengths) {
        double sum = 0;
        for (int[] batch : batches) {
            int min = Integer.MAX_VALUE;
            int max = Integer.MIN_VALUE;
            for (int i : batch) {
                min = Math.min(min, lengths[i]);
                max = Math.max(max, lengths[i]);
            }
            sum += max - min;
        }
        return sum / batches.size();
    }

    @Test
    void everyIndexExactlyOncePerEpoch() {
        for (int n : new int[] {1, 7, 64, 1000, 1013}) {
            for (int batch : new int[] {1, 3, 16}) {
                for (int bucket : new int[] {1, 4, 1000}) {
                    BucketBatchSampler s = new BucketBatchSampler(randomLengths(n, 50, n), batch, bucket, false, 3);
                    for (int e = 0; e < 3; e++) {
                        List<int[]> batches = s.epoch(e);
                        assertEquals(s.batchCount(), batches.size());
                        int[] all = flatten(batches);
                        Arrays.sort(all);
                        int[] expected = new int[n];
                        Arrays.setAll(expected, i -> i);
                        assertArrayEquals(expected, all, String.format(Locale.ROOT, "n=%d batch=%d bucket=%d e=%d",
                                n, batch, bucket, e));
                        long small = batches.stream().filter(b -> b.length != batch).count();
                        assertTrue(small <= 1 && batches.stream().allMatch(b -> b.length >= 1 && b.length <= batch));
                    }
                }
            }
        }
    }

    @Test
    void sameSeedSameBatchesOtherEpochOrSeedOtherOrder() {
        int[] lengths = randomLengths(500, 100, 1);
        BucketBatchSampler a = new BucketBatchSampler(lengths, 8, 10, false, 42);
        BucketBatchSampler b = new BucketBatchSampler(lengths, 8, 10, false, 42);
        BucketBatchSampler c = new BucketBatchSampler(lengths, 8, 10, false, 43);
        assertTrue(sameBatches(a.epoch(0), b.epoch(0)));
        assertTrue(sameBatches(a.epoch(5), b.epoch(5)));
        assertTrue(sameBatches(a.epoch(1), a.epoch(1)), "epoch(e) is a pure function");
        assertFalse(sameBatches(a.epoch(0), a.epoch(1)));
        assertFalse(Arrays.equals(flatten(a.epoch(0)), flatten(a.epoch(1))));
        assertFalse(sameBatches(a.epoch(0), c.epoch(0)));
        // Not just the batch order: the batches themselves are regrouped each epoch.
        assertFalse(batchSet(a.epoch(0)).equals(batchSet(a.epoch(1))), "same batches, only reordered");
    }

    /** The batches as a set of sorted index lists, ignoring their order. */
    private static java.util.Set<List<Integer>> batchSet(List<int[]> batches) {
        java.util.Set<List<Integer>> out = new java.util.HashSet<>();
        for (int[] b : batches) {
            out.add(Arrays.stream(b).sorted().boxed().toList());
        }
        return out;
    }

    @Test
    void bucketedBatchesHaveLowLengthSpread() {
        int[] lengths = randomLengths(2000, 200, 9);
        int batch = 16;
        BucketBatchSampler s = new BucketBatchSampler(lengths, batch, 10, false, 7);
        List<int[]> random = new ArrayList<>();
        int[] perm = SeededShuffle.permutation(lengths.length, 7);
        for (int i = 0; i < perm.length; i += batch) {
            random.add(Arrays.copyOfRange(perm, i, Math.min(perm.length, i + batch)));
        }
        double bucketed = meanSpread(s.epoch(0), lengths);
        double baseline = meanSpread(random, lengths);
        System.out.printf(Locale.ROOT, "mean within-batch length spread: bucketed %.1f, random %.1f%n", bucketed,
                baseline);
        assertTrue(bucketed < 0.25 * baseline, "bucketed " + bucketed + " vs random " + baseline);
        // bucketSize 1 does no cross-batch sorting: spread like random.
        double unbucketed = meanSpread(new BucketBatchSampler(lengths, batch, 1, false, 7).epoch(0), lengths);
        assertTrue(unbucketed > 0.75 * baseline, "bucketSize=1 " + unbucketed + " vs random " + baseline);
    }

    @Test
    void batchesAreShuffledNotSortedByLength() {
        int[] lengths = randomLengths(1000, 500, 2);
        List<int[]> batches = new BucketBatchSampler(lengths, 10, 1000, false, 1).epoch(0);
        int rises = 0;
        for (int i = 1; i < batches.size(); i++) {
            if (lengths[batches.get(i)[0]] > lengths[batches.get(i - 1)[0]]) {
                rises++;
            }
        }
        assertTrue(rises > 20 && rises < 80, "batch order looks sorted: " + rises + " rises of 99");
        for (int[] b : batches) {
            for (int i = 1; i < b.length; i++) {
                assertTrue(lengths[b[i - 1]] <= lengths[b[i]], "sorted within a batch");
            }
        }
    }

    @Test
    void dropLastDropsOnlyTheSmallBatch() {
        int[] lengths = randomLengths(103, 30, 4);
        BucketBatchSampler keep = new BucketBatchSampler(lengths, 10, 3, false, 5);
        BucketBatchSampler drop = new BucketBatchSampler(lengths, 10, 3, true, 5);
        assertEquals(11, keep.batchCount());
        assertEquals(10, drop.batchCount());
        for (int e = 0; e < 3; e++) {
            List<int[]> kept = keep.epoch(e);
            assertEquals(1, kept.stream().filter(b -> b.length == 3).count());
            List<int[]> dropped = drop.epoch(e);
            assertEquals(10, dropped.size());
            assertTrue(dropped.stream().allMatch(b -> b.length == 10));
            int[] all = flatten(dropped);
            assertEquals(100, Arrays.stream(all).distinct().count(), "no index twice");
        }
        BucketBatchSampler exact = new BucketBatchSampler(randomLengths(100, 30, 4), 10, 3, true, 5);
        assertEquals(100, flatten(exact.epoch(0)).length, "nothing dropped when batches divide N");
        BucketBatchSampler tiny = new BucketBatchSampler(new int[] {3, 4}, 5, 1, true, 0);
        assertEquals(0, tiny.epoch(0).size());
    }

    @Test
    void rejectsBadArguments() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new BucketBatchSampler(new int[] {1, -2}, 1, 1, false, 0));
        assertTrue(e.getMessage().contains("lengths[1]"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new BucketBatchSampler(new int[0], 1, 1, false, 0));
        e = assertThrows(IllegalArgumentException.class, () -> new BucketBatchSampler(new int[] {1}, 0, 1, false, 0));
        assertTrue(e.getMessage().contains("batchSize") && e.getMessage().contains("got 0"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new BucketBatchSampler(new int[] {1}, 1, 0, false, 0));
    }
}
