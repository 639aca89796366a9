package dev.recur.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class DatasetsTest {
    @Test
    void splitPartitionsTheIndicesDeterministically() {
        Datasets.Split s = Datasets.split(100, 0.2, 11);
        assertEquals(20, s.validation().length);
        assertEquals(80, s.train().length);
        int[] all = IntStream.concat(Arrays.stream(s.train()), Arrays.stream(s.validation())).sorted().toArray();
        assertArrayEquals(IntStream.range(0, 100).toArray(), all);
        assertArrayEquals(s.validation(), Datasets.split(100, 0.2, 11).validation());
        assertFalse(Arrays.equals(s.validation(), Datasets.split(100, 0.2, 12).validation()));
        assertFalse(Arrays.equals(s.validation(), IntStream.range(0, 20).toArray()), "not just the first 20");
        assertEquals(0, Datasets.split(10, 0, 1).validation().length);
        assertEquals(10, Datasets.split(10, 1, 1).validation().length);
        assertThrows(IllegalArgumentException.class, () -> Datasets.split(10, 1.5, 1));
        assertThrows(IllegalArgumentException.class, () -> Datasets.split(10, Double.NaN, 1));
    }

    @Test
    void selectAndLengths() {
        assertEquals(List.of("c", "a"), Datasets.select(List.of("a", "b", "c"), new int[] {2, 0}));
        assertThrows(IllegalArgumentException.class, () -> Datasets.select(List.of("a"), new int[] {1}));
        assertArrayEquals(new int[] {2, 0, 1}, Datasets.lengths(List.of(new long[2], new long[0], new long[1])));
    }
}
