package dev.recur.bench.report;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class CrossoverTest {
    private static final int[] X = {16, 64, 256, 1024};

    @Test
    void kinds() {
        assertEquals(Crossover.Kind.A_ALWAYS, Crossover.of(X, new double[] {1, 1, 1, 1}, new double[] {2, 2, 2, 2}).kind());
        assertEquals(Crossover.Kind.B_ALWAYS, Crossover.of(X, new double[] {2, 2, 2, 2}, new double[] {2, 2, 2, 2}).kind());
        Crossover c = Crossover.of(X, new double[] {3, 3, 1, 1}, new double[] {2, 2, 2, 2});
        assertEquals(Crossover.Kind.A_OVERTAKES, c.kind());
        assertEquals(256, c.at());
        assertEquals(64, c.before());
        c = Crossover.of(X, new double[] {1, 3, 3, 3}, new double[] {2, 2, 2, 2});
        assertEquals(Crossover.Kind.B_OVERTAKES, c.kind());
        assertEquals(64, c.at());
        assertEquals(Crossover.Kind.MIXED, Crossover.of(X, new double[] {1, 3, 1, 3}, new double[] {2, 2, 2, 2}).kind());
        assertEquals(Crossover.Kind.NO_DATA, Crossover.of(X, new double[] {Double.NaN, 1, Double.NaN, 1},
                new double[] {2, Double.NaN, 2, Double.NaN}).kind());
    }

    @Test
    void missingPointsAreSkipped() {
        Crossover c = Crossover.of(X, new double[] {3, Double.NaN, 1, 1}, new double[] {2, 2, 2, Double.NaN});
        assertEquals(Crossover.Kind.A_OVERTAKES, c.kind());
        assertEquals(256, c.at());
        assertEquals(16, c.before());
    }

    @Test
    void mixedSentenceListsBothSides() {
        String s = Crossover.of(X, new double[] {1, 3, 1, 3}, new double[] {2, 2, 2, 2})
                .sentence("a's forward", "a's", "b's forward", "b's", "T", v -> v + " ms");
        assertEquals("a's forward and b's trade places with no single crossover: a's is faster at T = 16, 256 and "
                + "slower at T = 64, 1024", s);
    }

    @Test
    void onePointIsNotCalledARange() {
        String s = Crossover.of(new int[] {256}, new double[] {7.36}, new double[] {2.46})
                .sentence("a's forward", "a's", "b's forward", "b's", "T", v -> v + " ms");
        assertEquals("b's forward is faster than a's at the one T measured (T = 256; 2.46 ms vs 7.36 ms, 2.99×)", s);
    }
}
