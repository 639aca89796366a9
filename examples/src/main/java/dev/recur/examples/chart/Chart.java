package dev.recur.examples.chart;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A line or scatter chart of named series, written as SVG or PNG.
 *
 * <pre>{@code
 * Chart.line("Latency vs T").xLabel("T").yLabel("ms").logX().logY()
 *      .series("LSTM", ts, lstmMs).series("Transformer", ts, attnMs)
 *      .writeSvg(dir.resolve("latency.svg")).writePng(dir.resolve("latency.png"), 900, 600);
 * }</pre>
 *
 * <p>Each axis is linear (ticks at nice numbers: multiples of 1, 2 or 5 times a power of ten) or log10 (ticks at
 * powers of ten: 1, 10, 100), independently. Series get distinct colours and, where markers are shown, distinct
 * marker shapes; the legend sits right of the plot. Points are joined in the order given. Data are checked as
 * they are added (same length, not empty, finite) and again when drawn (positive on a log axis); each error names
 * the chart, the series and the point. Writes are atomic: a temporary file renamed into place.
 */
public final class Chart {
    private enum Kind { LINE, SCATTER }

    private record Series(String name, double[] xs, double[] ys) {
    }

    private final Kind kind;
    private final String title;
    private String xLabel = "";
    private String yLabel = "";
    private boolean logX;
    private boolean logY;
    private boolean markers;
    private final List<Series> series = new ArrayList<>();

    private Chart(Kind kind, String title) {
        this.kind = kind;
        this.title = Objects.requireNonNull(title, "title");
    }

    /** A line chart: each series' points joined in the order given. */
    public static Chart line(String title) {
        return new Chart(Kind.LINE, title);
    }

    /** A scatter chart: each point a marker, no lines. */
    public static Chart scatter(String title) {
        return new Chart(Kind.SCATTER, title);
    }

    /** The x axis title. */
    public Chart xLabel(String label) {
        this.xLabel = Objects.requireNonNull(label, "label");
        return this;
    }

    /** The y axis title. */
    public Chart yLabel(String label) {
        this.yLabel = Objects.requireNonNull(label, "label");
        return this;
    }

    /** A log10 x axis; every x must then be > 0. */
    public Chart logX() {
        this.logX = true;
        return this;
    }

    /** A log10 y axis; every y must then be > 0. */
    public Chart logY() {
        this.logY = true;
        return this;
    }

    /** Draws a marker at each point of a line chart too (a scatter chart always does). */
    public Chart markers() {
        this.markers = true;
        return this;
    }

    /**
     * Adds a series; the arrays are copied.
     *
     * @throws IllegalArgumentException when the name is blank or taken, the arrays differ in length or are empty,
     *                                  a value is NaN or infinite, or a value is not positive on a log axis
     */
    public Chart series(String name, double[] xs, double[] ys) {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(xs, "xs");
        Objects.requireNonNull(ys, "ys");
        String where = "chart \"" + title + "\": series \"" + name + "\"";
        if (name.isBlank()) {
            throw new IllegalArgumentException("chart \"" + title + "\": a series name must not be blank");
        }
        for (Series s : series) {
            if (s.name().equals(name)) {
                throw new IllegalArgumentException(where + " was already added");
            }
        }
        if (xs.length != ys.length) {
            throw new IllegalArgumentException(where + ": xs has " + xs.length + " points but ys has " + ys.length);
        }
        if (xs.length == 0) {
            throw new IllegalArgumentException(where + " is empty: it needs at least one point");
        }
        for (int i = 0; i < xs.length; i++) {
            checkFinite(where, i, xs[i], ys[i]);
        }
        Series s = new Series(name, xs.clone(), ys.clone());
        checkLog(s);
        series.add(s);
        return this;
    }

    /** The SVG document for a {@code width} x {@code height} px chart. */
    public String toSvg(int width, int height) {
        ChartFiles.checkSize(title, width, height);
        Frame f = layout(width, height);
        return ChartFiles.svg(title, width, height, c -> draw(f, c));
    }

    /** Writes a 900 x 600 SVG file, atomically. */
    public Chart writeSvg(Path path) throws IOException {
        return writeSvg(path, ChartFiles.DEFAULT_WIDTH, ChartFiles.DEFAULT_HEIGHT);
    }

    /** Writes a {@code width} x {@code height} SVG file, atomically. */
    public Chart writeSvg(Path path, int width, int height) throws IOException {
        ChartFiles.writeSvg(path, toSvg(width, height));
        return this;
    }

    /** Writes a {@code width} x {@code height} px PNG file, atomically; works headless. */
    public Chart writePng(Path path, int width, int height) throws IOException {
        ChartFiles.checkSize(title, width, height);
        Frame f = layout(width, height);
        ChartFiles.writeAtomically(path, ChartFiles.png(width, height, c -> draw(f, c)));
        return this;
    }

    private static void checkFinite(String where, int i, double x, double y) {
        String bad = !Double.isFinite(x) ? "x is " + x : !Double.isFinite(y) ? "y is " + y : null;
        if (bad != null) {
            throw new IllegalArgumentException(where + ", point " + i + " (x=" + x + ", y=" + y + "): " + bad
                    + "; every value must be finite");
        }
    }

    private void checkLog(Series s) {
        for (int i = 0; i < s.xs().length; i++) {
            String axis = logX && !(s.xs()[i] > 0) ? "x" : logY && !(s.ys()[i] > 0) ? "y" : null;
            if (axis != null) {
                throw new IllegalArgumentException("chart \"" + title + "\": series \"" + s.name() + "\", point "
                        + i + " (x=" + s.xs()[i] + ", y=" + s.ys()[i] + "): " + axis + " must be > 0 on a log10 "
                        + axis + " axis");
            }
        }
    }

    private Frame layout(int width, int height) {
        if (series.isEmpty()) {
            throw new IllegalStateException("chart \"" + title + "\" has no series; add one with series(name, xs, ys)");
        }
        double x0 = Double.POSITIVE_INFINITY;
        double x1 = Double.NEGATIVE_INFINITY;
        double y0 = Double.POSITIVE_INFINITY;
        double y1 = Double.NEGATIVE_INFINITY;
        List<Frame.LegendEntry> legend = new ArrayList<>();
        for (int i = 0; i < series.size(); i++) {
            Series s = series.get(i);
            checkLog(s); // the axis may have become logarithmic after the series was added
            for (int j = 0; j < s.xs().length; j++) {
                x0 = Math.min(x0, s.xs()[j]);
                x1 = Math.max(x1, s.xs()[j]);
                y0 = Math.min(y0, s.ys()[j]);
                y1 = Math.max(y1, s.ys()[j]);
            }
            Frame.Swatch swatch = kind == Kind.SCATTER ? Frame.Swatch.MARKER
                    : markers ? Frame.Swatch.LINE_MARKER : Frame.Swatch.LINE;
            legend.add(new Frame.LegendEntry(s.name(), Frame.color(i), Frame.shape(i), swatch));
        }
        Frame.AxisSpec xs = logX ? Frame.AxisSpec.log10(x0, x1) : Frame.AxisSpec.linear(x0, x1, false);
        Frame.AxisSpec ys = logY ? Frame.AxisSpec.log10(y0, y1) : Frame.AxisSpec.linear(y0, y1, false);
        return new Frame(title, width, height, title, xLabel, yLabel, xs, ys, legend);
    }

    private void draw(Frame f, Canvas c) {
        f.drawFrame(c);
        for (int i = 0; i < series.size(); i++) {
            Series s = series.get(i);
            int n = s.xs().length;
            double[] px = new double[n];
            double[] py = new double[n];
            for (int j = 0; j < n; j++) {
                px[j] = f.px(s.xs()[j]);
                py[j] = f.py(s.ys()[j]);
            }
            c.beginGroup("series", s.name());
            if (kind == Kind.LINE && n > 1) {
                c.polyline(px, py, Frame.color(i), 2 * f.s, "series-line");
            }
            if (kind == Kind.SCATTER || markers || n == 1) {
                double r = (kind == Kind.SCATTER ? 4 : 3.5) * f.s;
                for (int j = 0; j < n; j++) {
                    c.marker(px[j], py[j], r, Frame.shape(i), Frame.color(i), "series-marker");
                }
            }
            c.endGroup();
        }
        f.drawLegend(c);
    }
}
