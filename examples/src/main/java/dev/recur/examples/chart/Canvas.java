package dev.recur.examples.chart;

/**
 * What a chart draws on; one implementation writes SVG, one paints a {@code Graphics2D}. Coordinates are pixels
 * from the top-left corner; colours are {@code 0xRRGGBB}; {@code cls} is a CSS class kept in SVG (and ignored in
 * PNG) so that tests and readers can find parts of the chart.
 */
interface Canvas {
    enum Anchor { START, MIDDLE, END }

    void rect(double x, double y, double w, double h, int fill, int stroke, double strokeWidth, String cls);

    void line(double x1, double y1, double x2, double y2, int color, double width, String cls);

    void polyline(double[] xs, double[] ys, int color, double width, String cls);

    /** A filled shape: {@code 0} circle, {@code 1} square, {@code 2} triangle, {@code 3} diamond, centred. */
    void marker(double x, double y, double radius, int shape, int color, String cls);

    /**
     * Text with its baseline at {@code y}, anchored at {@code x}, rotated by {@code degrees} (clockwise, as SVG)
     * around {@code (x, y)}.
     */
    void text(double x, double y, String s, double size, boolean bold, Anchor anchor, double degrees, int color,
            String cls);

    /** Starts a group (an SVG {@code <g>} with a {@code <title>}); PNG ignores it. */
    void beginGroup(String cls, String title);

    void endGroup();
}
