package dev.recur.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class SeededShuffleTest {
    @Test
    void permutationHoldsEveryIndexOnceAndDependsOnlyOnTheSeed() {
        int[] a = SeededShuffle.permutation(1000, 7);
        int[] b = SeededShuffle.permutation(1000, 7);
        int[] c = SeededShuffle.permutation(1000, 8);
        assertArrayEquals(a, b);
        assertFalse(Arrays.equals(a, c));
        int[] sorted = a.clone();
        Arrays.sort(sorted);
        for (int i = 0; i < sorted.length; i++) {
            assertEquals(i, sorted[i]);
        }
        assertFalse(Arrays.equals(a, sorted), "a shuffle of 1000 should not be the identity");
    }

    @Test
    void isFisherYatesWithSplittableRandom() {
        int[] expected = {0, 1, 2, 3, 4, 5, 6, 7};
        SplittableRandom r = new SplittableRandom(123);
        for (int i = expected.length - 1; i > 0; i--) {
            int j = r.nextInt(i + 1);
            int t = expected[i];
            expected[i] = expected[j];
            expected[j] = t;
        }
        assertArrayEquals(expected, SeededShuffle.permutation(8, 123));
        List<Integer> list = new ArrayList<>(List.of(0, 1, 2, 3, 4, 5, 6, 7));
        SeededShuffle.shuffle(list, 123);
        assertArrayEquals(expected, list.stream().mapToInt(Integer::intValue).toArray());
    }

    @Test
    void firstPositionIsRoughlyUniform() {
        int n = 5;
        int[] counts = new int[n];
        for (int s = 0; s < 20_000; s++) {
            counts[SeededShuffle.permutation(n, s)[0]]++;
        }
        for (int c : counts) {
            assertEquals(4000, c, 300, Arrays.toString(counts));
        }
    }

    @Test
    void derivedSeedsDifferPerStream() {
        assertNotEquals(SeededShuffle.deriveSeed(1, 0), SeededShuffle.deriveSeed(1, 1));
        assertNotEquals(SeededShuffle.deriveSeed(1, 0), SeededShuffle.deriveSeed(2, 0));
        assertEquals(SeededShuffle.deriveSeed(5, 3), SeededShuffle.deriveSeed(5, 3));
        assertThrows(IllegalArgumentException.class, () -> SeededShuffle.permutation(-1, 0));
    }
}
