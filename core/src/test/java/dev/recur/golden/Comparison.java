package dev.recur.golden;

import java.util.Locale;

/**
 * One compared tensor: {@code |x - ref| <= tol * max(1, |ref|)} elementwise, with tol 1e-4 for forward outputs
 * and 5e-4 for gradients (shared/golden/README.md). {@link #line()} is the printed
 * {@code case tensor maxdiff} line.
 *
 * @param caseName     the golden case
 * @param tensor       the tensor's name in the file
 * @param maxDiff      largest {@code |x - ref|}
 * @param maxScaled    largest {@code |x - ref| / max(1, |ref|)}
 * @param tolerance    the allowed scaled difference
 * @param shapeMatches whether the element counts agreed (if not, the diffs are meaningless)
 */
public record Comparison(String caseName, String tensor, double maxDiff, double maxScaled, double tolerance,
                         boolean shapeMatches) {
    /** Forward-output tolerance. */
    public static final double FORWARD_TOLERANCE = 1e-4;
    /** Gradient tolerance. */
    public static final double GRADIENT_TOLERANCE = 5e-4;

    /** Compares a result with its reference. */
    public static Comparison of(String caseName, String tensor, float[] actual, float[] expected, boolean gradient) {
        double tol = gradient ? GRADIENT_TOLERANCE : FORWARD_TOLERANCE;
        if (actual.length != expected.length) {
            return new Comparison(caseName, tensor, Double.NaN, Double.NaN, tol, false);
        }
        double maxDiff = 0;
        double maxScaled = 0;
        for (int i = 0; i < actual.length; i++) {
            double diff = Math.abs((double) actual[i] - expected[i]);
            if (Double.isNaN(diff)) {
                diff = Double.POSITIVE_INFINITY;
            }
            maxDiff = Math.max(maxDiff, diff);
            maxScaled = Math.max(maxScaled, diff / Math.max(1.0, Math.abs(expected[i])));
        }
        return new Comparison(caseName, tensor, maxDiff, maxScaled, tol, true);
    }

    /** Whether every element is inside the tolerance. */
    public boolean passed() {
        return shapeMatches && maxScaled <= tolerance;
    }

    /** {@code case tensor maxdiff}, plus the verdict. */
    public String line() {
        return String.format(Locale.ROOT, "%s %s %.3e%s", caseName, tensor, maxDiff,
                passed() ? "" : shapeMatches ? "  FAIL (scaled " + maxScaled + " > " + tolerance + ")"
                        : "  FAIL (element count differs)");
    }
}
