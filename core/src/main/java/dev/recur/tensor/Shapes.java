package dev.recur.tensor;

import java.util.Arrays;

/** Small helpers for shapes given as {@code int[]} (row-major, rightmost dimension fastest). */
public final class Shapes {
    private Shapes() {
    }

    /** Number of elements of a shape (1 for the scalar shape {@code []}). */
    public static long numel(int... shape) {
        long n = 1;
        for (int d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException("shape: dimensions must be >= 0, got " + toString(shape));
            }
            n = Math.multiplyExact(n, d);
        }
        return n;
    }

    /** {@code [2, 3, 4]}. */
    public static String toString(int... shape) {
        return Arrays.toString(shape);
    }

    /** {@code [2, 3, 4]} from a long shape. */
    public static String toString(long... shape) {
        return Arrays.toString(shape);
    }
}
