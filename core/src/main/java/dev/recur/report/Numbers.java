package dev.recur.report;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.MathContext;
import java.util.Locale;
import java.util.Map;

/** Number formatting shared by the progress bar and the metrics log. */
final class Numbers {
    private Numbers() {
    }

    /**
     * A short, human-readable form with about 4 significant digits: {@code 3}, {@code 0.01234}, {@code 1523},
     * {@code 1.235e-05}, {@code NaN}, {@code inf}. For display only; files keep full precision ({@link #exact}).
     */
    static String compact(double v) {
        if (Double.isNaN(v)) {
            return "NaN";
        }
        if (Double.isInfinite(v)) {
            return v > 0 ? "inf" : "-inf";
        }
        double a = Math.abs(v);
        if (v == Math.rint(v) && a < 1e15) {
            return Long.toString((long) v);
        }
        if (a >= 1e-3 && a < 1e6) {
            String s = new BigDecimal(v).round(new MathContext(4)).stripTrailingZeros().toPlainString();
            return s.equals("-0") ? "0" : s;
        }
        return String.format(Locale.ROOT, "%.3e", v);
    }

    /** {@link #compact} for any {@link Number}; integral types print in full. */
    static String compact(Number n) {
        if (isIntegral(n)) {
            return n.toString();
        }
        return compact(n.doubleValue());
    }

    /**
     * The full-precision text of {@code n} for files: integral types as integers, {@link Float} with
     * {@link Float#toString} (so {@code 0.1f} stays {@code 0.1}), {@link BigDecimal} as plain text, anything else
     * through {@link Double#toString} ({@code 1.0E-5}, {@code NaN}, {@code Infinity}, {@code -Infinity}).
     */
    static String exact(Number n) {
        if (isIntegral(n)) {
            return n.toString();
        }
        if (n instanceof Float f) {
            return Float.toString(f);
        }
        if (n instanceof BigDecimal b) {
            return b.toString();
        }
        return Double.toString(n.doubleValue());
    }

    static boolean isIntegral(Number n) {
        return n instanceof Integer || n instanceof Long || n instanceof Short || n instanceof Byte
                || n instanceof BigInteger || n instanceof java.util.concurrent.atomic.AtomicInteger
                || n instanceof java.util.concurrent.atomic.AtomicLong;
    }

    /** {@code k=v k=v ...} in the map's iteration order, values {@link #compact}. */
    static String keyValues(Map<String, ? extends Number> metrics) {
        StringBuilder sb = new StringBuilder();
        for (Map.Entry<String, ? extends Number> e : metrics.entrySet()) {
            if (sb.length() > 0) {
                sb.append(' ');
            }
            sb.append(e.getKey()).append('=');
            sb.append(e.getValue() == null ? "null" : compact(e.getValue()));
        }
        return sb.toString();
    }
}
