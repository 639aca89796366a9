package dev.recur.examples.chart;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Maps data values on one axis to a fraction of the axis length, and holds the axis ticks.
 *
 * <ul>
 *   <li>linear: the domain is widened to multiples of a "nice" step (1, 2 or 5 times a power of ten), the ticks
 *       are those multiples, labelled with just the decimals the step needs ({@code 0}, {@code 0.25} is never
 *       a step; {@code 0.5}, {@code 1e-06});</li>
 *   <li>log10: the domain is the data range widened by 5% of its span in decades (at least 0.1 decade each
 *       side); the labelled ticks are the powers of ten inside it ({@code 0.01}, {@code 1}, {@code 100},
 *       {@code 1e6}), thinned to every 2nd, 3rd ... decade when there are too many; minor (unlabelled) ticks
 *       at 2..9 times each power of ten over spans up to 5 decades; where fewer than two powers of ten fall
 *       inside (or two, over at most 2.5 decades, with room for the labels), the 2x and 5x multiples are
 *       labelled too, and every multiple over less than half a decade;</li>
 *   <li>categories: category {@code i} sits at {@code i + 0.5} on a domain {@code [0, n]}.</li>
 * </ul>
 */
final class Scale {
    enum Kind { LINEAR, LOG10, CATEGORY }

    final Kind kind;
    /** The domain, in data units (not logarithms). */
    final double lo;
    final double hi;
    /** Labelled ticks, then minor ones (empty label), in increasing value. */
    final List<Tick> ticks;

    private Scale(Kind kind, double lo, double hi, List<Tick> ticks) {
        this.kind = kind;
        this.lo = lo;
        this.hi = hi;
        this.ticks = List.copyOf(ticks);
    }

    /** Where {@code v} falls: 0 at {@link #lo}, 1 at {@link #hi}. */
    double frac(double v) {
        if (kind == Kind.LOG10) {
            double a = Math.log10(lo);
            return (Math.log10(v) - a) / (Math.log10(hi) - a);
        }
        return (v - lo) / (hi - lo);
    }

    List<Tick> majors() {
        return ticks.stream().filter(Tick::major).toList();
    }

    // ------------------------------------------------------------------------------------------------ linear

    /**
     * A linear scale covering {@code [min, max]} (and 0 when {@code includeZero}) with about {@code target}
     * ticks.
     */
    static Scale linear(double min, double max, int target, boolean includeZero) {
        if (includeZero) {
            min = Math.min(min, 0);
            max = Math.max(max, 0);
        }
        if (min == max) {
            if (min == 0) {
                max = 1;
                min = includeZero ? 0 : -1;
            } else {
                double d = Math.abs(min) * 0.1;
                min -= d; // not reached with includeZero: then min <= 0 <= max, so min == max means 0
                max += d;
            }
        }
        target = Math.max(2, target);
        BigDecimal step = nice((max - min) / (target - 1));
        double stepD = step.doubleValue();
        long k0 = (long) Math.floor(min / stepD + 1e-9);
        long k1 = (long) Math.ceil(max / stepD - 1e-9);
        if (k1 <= k0) {
            k1 = k0 + 1;
        }
        List<BigDecimal> values = new ArrayList<>();
        for (long k = k0; k <= k1; k++) {
            values.add(step.multiply(BigDecimal.valueOf(k)));
        }
        boolean scientific = step.compareTo(new BigDecimal("1e-5")) < 0
                || values.stream().anyMatch(v -> v.abs().compareTo(new BigDecimal("1e7")) >= 0);
        List<Tick> ticks = new ArrayList<>();
        for (BigDecimal v : values) {
            ticks.add(new Tick(v.doubleValue(), label(v, scientific)));
        }
        return new Scale(Kind.LINEAR, k0 * stepD, k1 * stepD, ticks);
    }

    /** The nearest of 1, 2, 5, 10 times a power of ten to {@code x}, exactly (Heckbert's "nice numbers"). */
    static BigDecimal nice(double x) {
        if (!(x > 0) || Double.isInfinite(x)) {
            throw new IllegalArgumentException("nice step of " + x);
        }
        int exp = (int) Math.floor(Math.log10(x));
        double f = x / Math.pow(10, exp);
        int m = f < 1.5 ? 1 : f < 3 ? 2 : f < 7 ? 5 : 10;
        return BigDecimal.valueOf(m).scaleByPowerOfTen(exp);
    }

    /** {@code 0.5}, {@code 1200}, {@code -3}; scientific {@code 2.5e-07}-style as {@code 2.5e-7}. */
    static String label(BigDecimal v, boolean scientific) {
        if (v.signum() == 0) {
            return "0";
        }
        BigDecimal s = v.stripTrailingZeros();
        if (!scientific) {
            return s.toPlainString();
        }
        int exp = s.precision() - s.scale() - 1;
        BigDecimal mant = s.movePointLeft(exp).stripTrailingZeros();
        return mant.toPlainString() + "e" + exp;
    }

    // ------------------------------------------------------------------------------------------------- log10

    /** A log10 scale covering {@code [min, max]} (both > 0) with at most about {@code maxLabels} labels. */
    static Scale log10(double min, double max, int maxLabels) {
        double a = Math.log10(min);
        double b = Math.log10(max);
        double pad = Math.max(0.05 * (b - a), 0.1);
        if (b - a == 0) {
            pad = 0.5;
        }
        double lo = a - pad;
        double hi = b + pad;
        int k0 = (int) Math.ceil(lo - 1e-9);
        int k1 = (int) Math.floor(hi + 1e-9);
        int powers = Math.max(0, k1 - k0 + 1); // powers of ten inside the domain
        List<Tick> majors = new ArrayList<>();
        List<Tick> minors = new ArrayList<>();
        int every = Math.max(1, (int) Math.ceil(powers / (double) Math.max(2, maxLabels)));
        for (int k = k0; k <= k1; k++) {
            (Math.floorMod(k, every) == 0 ? majors : minors).add(new Tick(Math.pow(10, k),
                    Math.floorMod(k, every) == 0 ? powerLabel(1, k) : ""));
        }
        double span = hi - lo;
        // Too few powers of ten for a reader to place values: label 2x and 5x too (every multiple on tiny spans).
        boolean labelMultiples = powers < 2 || powers < 3 && span <= 2.5 && maxLabels >= 6;
        if (span <= 5) {
            for (int k = (int) Math.floor(lo); k <= (int) Math.ceil(hi); k++) {
                for (int m = 2; m <= 9; m++) {
                    double e = k + Math.log10(m);
                    if (e >= lo && e <= hi) {
                        boolean label = labelMultiples && (m == 2 || m == 5 || span < 0.5);
                        (label ? majors : minors).add(new Tick(m * Math.pow(10, k), label ? powerLabel(m, k) : ""));
                    }
                }
            }
        }
        majors.sort((x, y) -> Double.compare(x.value(), y.value()));
        minors.sort((x, y) -> Double.compare(x.value(), y.value()));
        List<Tick> all = new ArrayList<>(majors);
        all.addAll(minors);
        return new Scale(Kind.LOG10, Math.pow(10, lo), Math.pow(10, hi), all);
    }

    /** {@code m * 10^k} as {@code 0.002}, {@code 50}, {@code 10000}, or {@code 1e6}, {@code 5e-7}. */
    static String powerLabel(int m, int k) {
        if (k >= -4 && k <= 4) {
            return BigDecimal.valueOf(m).scaleByPowerOfTen(k).stripTrailingZeros().toPlainString();
        }
        return String.format(Locale.ROOT, "%de%d", m, k);
    }

    // -------------------------------------------------------------------------------------------- categories

    static Scale categories(List<String> names) {
        List<Tick> ticks = new ArrayList<>();
        for (int i = 0; i < names.size(); i++) {
            ticks.add(new Tick(i + 0.5, names.get(i).isEmpty() ? " " : names.get(i)));
        }
        return new Scale(Kind.CATEGORY, 0, names.size(), ticks);
    }
}
