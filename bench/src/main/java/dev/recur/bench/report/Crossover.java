package dev.recur.bench.report;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Where one model's time falls below another's along an axis (sequence length T, context length): the
 * comparison behind every "overtakes at T ≥ …" sentence of the report. "Faster" means a strictly lower
 * time; the first point where a model is faster and stays faster to the end of the range is the crossover.
 *
 * @param kind   how the two relate over the range
 * @param at     the first x from which the faster one stays faster ({@link Kind#A_OVERTAKES},
 *               {@link Kind#B_OVERTAKES}); else 0
 * @param before the x just before {@code at}; else 0
 * @param xs     the x values compared (both have data), ascending
 * @param a      a's times at xs
 * @param b      b's times at xs
 */
public record Crossover(Kind kind, int at, int before, int[] xs, double[] a, double[] b) {
    /** How a and b relate over the range. */
    public enum Kind {
        /** Fewer than one common point. */
        NO_DATA,
        /** a faster at every point. */
        A_ALWAYS,
        /** b faster (or equal) at every point. */
        B_ALWAYS,
        /** b faster first, a faster from {@code at} to the end. */
        A_OVERTAKES,
        /** a faster first, b faster from {@code at} to the end. */
        B_OVERTAKES,
        /** the order changes more than once. */
        MIXED
    }

    /** Compares a and b at the given points (ascending x; NaN times are skipped). */
    public static Crossover of(int[] x, double[] a, double[] b) {
        List<Integer> keep = new ArrayList<>();
        for (int i = 0; i < x.length; i++) {
            if (!Double.isNaN(a[i]) && !Double.isNaN(b[i])) {
                keep.add(i);
            }
        }
        int n = keep.size();
        int[] xs = new int[n];
        double[] as = new double[n];
        double[] bs = new double[n];
        for (int j = 0; j < n; j++) {
            xs[j] = x[keep.get(j)];
            as[j] = a[keep.get(j)];
            bs[j] = b[keep.get(j)];
        }
        if (n == 0) {
            return new Crossover(Kind.NO_DATA, 0, 0, xs, as, bs);
        }
        int changes = 0;
        int last = 0;
        for (int j = 1; j < n; j++) {
            if ((as[j] < bs[j]) != (as[j - 1] < bs[j - 1])) {
                changes++;
                last = j;
            }
        }
        if (changes == 0) {
            return new Crossover(as[0] < bs[0] ? Kind.A_ALWAYS : Kind.B_ALWAYS, 0, 0, xs, as, bs);
        }
        if (changes > 1) {
            return new Crossover(Kind.MIXED, 0, 0, xs, as, bs);
        }
        return new Crossover(as[last] < bs[last] ? Kind.A_OVERTAKES : Kind.B_OVERTAKES, xs[last], xs[last - 1], xs,
                as, bs);
    }

    private int index(int xv) {
        for (int i = 0; i < xs.length; i++) {
            if (xs[i] == xv) {
                return i;
            }
        }
        throw new IllegalArgumentException("no point at " + xv);
    }

    /**
     * The sentence for this comparison, e.g. "the transformer layer's forward overtakes the LSTM's at T ≥ 256
     * (…)".
     *
     * @param aName  a's possessive subject, e.g. "the transformer layer's forward"
     * @param aShort a's possessive noun alone, e.g. "the transformer layer's"
     * @param bName  b's possessive subject, e.g. "the LSTM's forward"
     * @param bShort b's possessive noun alone, e.g. "the LSTM's"
     * @param axis   the axis name, e.g. "T"
     * @param fmt    formats a time with its unit
     */
    public String sentence(String aName, String aShort, String bName, String bShort, String axis,
                           java.util.function.DoubleFunction<String> fmt) {
        String range = xs.length == 0 ? "" : xs.length == 1 ? axis + " = " + xs[0]
                : axis + " = " + xs[0] + "–" + xs[xs.length - 1];
        switch (kind) {
            case NO_DATA -> {
                return aName + " and " + bName + " have no common " + axis + " in this run";
            }
            case A_ALWAYS, B_ALWAYS -> {
                boolean aWins = kind == Kind.A_ALWAYS;
                String win = aWins ? aName : bName;
                String lose = aWins ? bShort : aShort;
                if (xs.length == 1) {
                    return String.format(Locale.ROOT, "%s is faster than %s at the one %s measured (%s; %s)", win,
                            lose, axis, range, gaps(aWins, fmt, axis));
                }
                return String.format(Locale.ROOT, "%s is faster than %s at every %s measured (%s; %s): no crossover "
                        + "in this range", win, lose, axis, range, gaps(aWins, fmt, axis));
            }
            case A_OVERTAKES, B_OVERTAKES -> {
                boolean aWins = kind == Kind.A_OVERTAKES;
                String win = aWins ? aName : bName;
                String lose = aWins ? bShort : aShort;
                int i = index(at);
                int p = index(before);
                double wAt = aWins ? a[i] : b[i];
                double lAt = aWins ? b[i] : a[i];
                double wBefore = aWins ? a[p] : b[p];
                double lBefore = aWins ? b[p] : a[p];
                return String.format(Locale.ROOT, "%s overtakes %s at %s ≥ %d (%s vs %s at %s = %d; %s vs %s at %s = "
                        + "%d)", win, lose, axis, at, fmt.apply(wAt), fmt.apply(lAt), axis, at, fmt.apply(wBefore),
                        fmt.apply(lBefore), axis, before);
            }
            default -> {
                List<String> aFaster = new ArrayList<>();
                List<String> bFaster = new ArrayList<>();
                for (int i = 0; i < xs.length; i++) {
                    (a[i] < b[i] ? aFaster : bFaster).add(Integer.toString(xs[i]));
                }
                return String.format(Locale.ROOT, "%s and %s trade places with no single crossover: %s is faster at "
                        + "%s = %s and slower at %s = %s", aName, bShort, aShort, axis, String.join(", ", aFaster),
                        axis, String.join(", ", bFaster));
            }
        }
    }

    /** "x.xx× at T = lo to y.yy× at T = hi" for the winner's speed-up. */
    private String gaps(boolean aWins, java.util.function.DoubleFunction<String> fmt, String axis) {
        int lo = 0;
        int hi = xs.length - 1;
        double rLo = aWins ? b[lo] / a[lo] : a[lo] / b[lo];
        double rHi = aWins ? b[hi] / a[hi] : a[hi] / b[hi];
        if (lo == hi) {
            return String.format(Locale.ROOT, "%s vs %s, %.2f×", fmt.apply(aWins ? a[lo] : b[lo]),
                    fmt.apply(aWins ? b[lo] : a[lo]), rLo);
        }
        return String.format(Locale.ROOT, "%.2f× faster at %s = %d, %.2f× at %s = %d", rLo, axis, xs[lo], rHi, axis,
                xs[hi]);
    }

    /** A short phrase for a table cell, e.g. "transformer from T ≥ 256". */
    public String cell(String aLabel, String bLabel, String axis) {
        return switch (kind) {
            case NO_DATA -> "—";
            case A_ALWAYS -> aLabel + " faster at every " + axis;
            case B_ALWAYS -> bLabel + " faster at every " + axis;
            case A_OVERTAKES -> aLabel + " faster from " + axis + " ≥ " + at;
            case B_OVERTAKES -> bLabel + " faster from " + axis + " ≥ " + at;
            case MIXED -> "no single crossover";
        };
    }
}
