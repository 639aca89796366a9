package dev.recur.examples.chart;

/** Marker outlines shared by both outputs. */
final class Markers {
    private Markers() {
    }

    /**
     * The corners of marker {@code shape} (1 square, 2 triangle, 3 diamond) of "radius" {@code r} centred on
     * {@code (x, y)}: {@code [xs, ys]}. Sizes are matched by eye to a circle of radius {@code r}.
     */
    static double[][] polygon(double x, double y, double r, int shape) {
        return switch (shape) {
            case 1 -> {
                double a = r * 0.9;
                yield new double[][] {{x - a, x + a, x + a, x - a}, {y - a, y - a, y + a, y + a}};
            }
            case 2 -> {
                double a = r * 1.25;
                yield new double[][] {{x, x + a * 0.866, x - a * 0.866}, {y - a, y + a * 0.5, y + a * 0.5}};
            }
            case 3 -> {
                double a = r * 1.25;
                yield new double[][] {{x, x + a, x, x - a}, {y - a, y, y + a, y}};
            }
            default -> throw new IllegalArgumentException("marker shape " + shape);
        };
    }
}
