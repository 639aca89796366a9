package dev.recur.cpu.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The native LSTM and GRU cells give the same floats as {@link CellKernels}' Java cells, bit for bit: ordinary
 * values, values past the rational functions' clamps, infinities, NaN and signed zeros, for lengths that fill
 * eight lanes and lengths with a tail.
 */
class NativeCellsTest {
    private static final int[] LENGTHS = {1, 3, 7, 8, 9, 16, 29, 64, 1000};
    private static final float[] SPECIAL = {0f, -0f, 1e-30f, -1e-30f, 8.9f, 9.5f, -9.5f, 17.9f, 18.5f, -18.5f, 40f,
        -40f, 1e6f, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.NaN, Float.MIN_VALUE};

    @BeforeEach
    void nativeKernelsLoad() {
        Assumptions.assumeTrue(NativeKernels.available(), NativeKernels.status());
    }

    @Test
    void lstmCellMatchesJavaBitForBit() {
        SplittableRandom rnd = new SplittableRandom(5);
        for (int n : LENGTHS) {
            float[][] java = new float[6][];
            for (int a = 0; a < 6; a++) {
                java[a] = values(rnd, n + 3);
            }
            float[][] nat = copy(java);
            CellKernels.lstmForwardArrays(java[0], java[1], java[2], java[3], java[4], java[5], n);
            NativeKernels.lstmCell(nat[0], nat[1], nat[2], nat[3], nat[4], nat[5], n);
            for (int a = 0; a < 6; a++) {
                assertArrayEquals(java[a], nat[a], "lstm, n " + n + ", array " + a + " (past n untouched too)");
            }
        }
    }

    @Test
    void gruCellMatchesJavaBitForBit() {
        SplittableRandom rnd = new SplittableRandom(6);
        for (int n : LENGTHS) {
            float[][] java = new float[7][];
            for (int a = 0; a < 7; a++) {
                java[a] = values(rnd, n + 3);
            }
            float[][] nat = copy(java);
            CellKernels.gruForwardArrays(java[0], java[1], java[2], java[3], java[4], java[5], java[6], n);
            NativeKernels.gruCell(nat[0], nat[1], nat[2], nat[3], nat[4], nat[5], nat[6], n);
            for (int a = 0; a < 7; a++) {
                assertArrayEquals(java[a], nat[a], "gru, n " + n + ", array " + a + " (past n untouched too)");
            }
        }
    }

    @Test
    void shortArraysAreRefused() {
        float[] ok = new float[8];
        assertThrows(IllegalArgumentException.class,
                () -> NativeKernels.lstmCell(ok, ok, ok, new float[7], ok, ok, 8));
        assertThrows(IllegalArgumentException.class,
                () -> NativeKernels.gruCell(ok, ok, ok, ok, ok, ok, new float[2], 3));
    }

    /** Mostly N(0, 3) (the gates' working range), one in four a special value. */
    private static float[] values(SplittableRandom rnd, int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = rnd.nextInt(4) == 0 ? SPECIAL[rnd.nextInt(SPECIAL.length)] * (rnd.nextBoolean() ? 1 : -1)
                    : (float) (rnd.nextGaussian() * 3);
        }
        return x;
    }

    private static float[][] copy(float[][] a) {
        float[][] c = new float[a.length][];
        for (int i = 0; i < a.length; i++) {
            c[i] = a[i].clone();
        }
        return c;
    }
}
