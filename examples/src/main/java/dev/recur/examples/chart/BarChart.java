package dev.recur.examples.chart;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * A grouped bar chart: one group of bars per category, one bar per series, written as SVG or PNG.
 *
 * <pre>{@code
 * BarChart.grouped("Forward, B=32").xLabel("model").yLabel("ms")
 *         .categories("RNN", "LSTM", "GRU")
 *         .series("Recur", 1.2, 3.4, 2.9).series("libtorch", 1.0, 2.8, 2.5)
 *         .writeSvg(dir.resolve("peers.svg")).writePng(dir.resolve("peers.png"), 900, 600);
 * }</pre>
 *
 * <p>The y axis is linear from 0 (bars may go below it) or log10 (bars rise from the bottom of the axis; values
 * must then be > 0). Category labels are slanted when they do not fit side by side. Each series needs one finite
 * value per category; errors name the chart, the series and the category.
 */
public final class BarChart {
    private record Series(String name, double[] values) {
    }

    private final String title;
    private String xLabel = "";
    private String yLabel = "";
    private boolean logY;
    private List<String> categories;
    private final List<Series> series = new ArrayList<>();

    private BarChart(String title) {
        this.title = Objects.requireNonNull(title, "title");
    }

    /** A grouped bar chart. */
    public static BarChart grouped(String title) {
        return new BarChart(title);
    }

    /** The x axis title. */
    public BarChart xLabel(String label) {
        this.xLabel = Objects.requireNonNull(label, "label");
        return this;
    }

    /** The y axis title. */
    public BarChart yLabel(String label) {
        this.yLabel = Objects.requireNonNull(label, "label");
        return this;
    }

    /** A log10 y axis; every value must then be > 0. */
    public BarChart logY() {
        this.logY = true;
        return this;
    }

    /** The categories along the x axis, in order; set once, before or after the series. */
    public BarChart categories(String... names) {
        return categories(Arrays.asList(names));
    }

    /** The categories along the x axis, in order; set once, before or after the series. */
    public BarChart categories(List<String> names) {
        Objects.requireNonNull(names, "names");
        if (names.isEmpty()) {
            throw new IllegalArgumentException("bar chart \"" + title + "\": needs at least one category");
        }
        for (String n : names) {
            Objects.requireNonNull(n, "category name");
        }
        if (categories != null) {
            throw new IllegalStateException("bar chart \"" + title + "\": categories were already set");
        }
        this.categories = List.copyOf(names);
        for (Series s : series) {
            checkLength(s);
        }
        return this;
    }

    /**
     * Adds a series: one value per category, in the categories' order; the array is copied.
     *
     * @throws IllegalArgumentException when the name is blank or taken, there are no values or not one per
     *                                  category, or a value is NaN or infinite
     */
    public BarChart series(String name, double... values) {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(values, "values");
        String where = "bar chart \"" + title + "\": series \"" + name + "\"";
        if (name.isBlank()) {
            throw new IllegalArgumentException("bar chart \"" + title + "\": a series name must not be blank");
        }
        for (Series s : series) {
            if (s.name().equals(name)) {
                throw new IllegalArgumentException(where + " was already added");
            }
        }
        if (values.length == 0) {
            throw new IllegalArgumentException(where + " is empty: it needs one value per category");
        }
        for (int i = 0; i < values.length; i++) {
            if (!Double.isFinite(values[i])) {
                throw new IllegalArgumentException(where + ", value " + i + category(i) + " is " + values[i]
                        + "; every value must be finite");
            }
        }
        Series s = new Series(name, values.clone());
        if (categories != null) {
            checkLength(s);
        }
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
    public BarChart writeSvg(Path path) throws IOException {
        return writeSvg(path, ChartFiles.DEFAULT_WIDTH, ChartFiles.DEFAULT_HEIGHT);
    }

    /** Writes a {@code width} x {@code height} SVG file, atomically. */
    public BarChart writeSvg(Path path, int width, int height) throws IOException {
        ChartFiles.writeSvg(path, toSvg(width, height));
        return this;
    }

    /** Writes a {@code width} x {@code height} px PNG file, atomically; works headless. */
    public BarChart writePng(Path path, int width, int height) throws IOException {
        ChartFiles.checkSize(title, width, height);
        Frame f = layout(width, height);
        ChartFiles.writeAtomically(path, ChartFiles.png(width, height, c -> draw(f, c)));
        return this;
    }

    private String category(int i) {
        return categories != null && i < categories.size() ? " (category \"" + categories.get(i) + "\")" : "";
    }

    private void checkLength(Series s) {
        if (s.values().length != categories.size()) {
            throw new IllegalArgumentException("bar chart \"" + title + "\": series \"" + s.name() + "\" has "
                    + s.values().length + " values but there are " + categories.size() + " categories "
                    + categories);
        }
    }

    private void checkLog(Series s) {
        if (!logY) {
            return;
        }
        for (int i = 0; i < s.values().length; i++) {
            if (!(s.values()[i] > 0)) {
                throw new IllegalArgumentException("bar chart \"" + title + "\": series \"" + s.name()
                        + "\", value " + i + category(i) + " is " + s.values()[i] + "; it must be > 0 on a log10 "
                        + "y axis");
            }
        }
    }

    private Frame layout(int width, int height) {
        if (categories == null) {
            throw new IllegalStateException("bar chart \"" + title + "\" has no categories; set them with "
                    + "categories(...)");
        }
        if (series.isEmpty()) {
            throw new IllegalStateException("bar chart \"" + title + "\" has no series; add one with "
                    + "series(name, values...)");
        }
        double y0 = Double.POSITIVE_INFINITY;
        double y1 = Double.NEGATIVE_INFINITY;
        List<Frame.LegendEntry> legend = new ArrayList<>();
        for (int i = 0; i < series.size(); i++) {
            Series s = series.get(i);
            checkLog(s);
            for (double v : s.values()) {
                y0 = Math.min(y0, v);
                y1 = Math.max(y1, v);
            }
            legend.add(new Frame.LegendEntry(s.name(), Frame.color(i), 0, Frame.Swatch.BAR));
        }
        Frame.AxisSpec ys = logY ? Frame.AxisSpec.log10(y0, y1) : Frame.AxisSpec.linear(y0, y1, true);
        return new Frame(title, width, height, title, xLabel, yLabel, Frame.AxisSpec.categories(categories), ys,
                legend);
    }

    private void draw(Frame f, Canvas c) {
        f.drawFrame(c);
        int n = categories.size();
        int m = series.size();
        double slot = (f.right - f.left) / n;
        double group = slot * 0.8;
        double bar = group / m;
        double base = logY ? f.bottom : f.py(0);
        for (int j = 0; j < m; j++) {
            Series s = series.get(j);
            c.beginGroup("series", s.name());
            for (int i = 0; i < n; i++) {
                double x = f.left + slot * i + (slot - group) / 2 + bar * j;
                double top = f.py(s.values()[i]);
                c.rect(x + bar * 0.04, Math.min(top, base), bar * 0.92, Math.abs(base - top), Frame.color(j), -1, 0,
                        "bar");
            }
            c.endGroup();
        }
        if (!logY && f.y.lo < 0) {
            c.line(f.left, base, f.right, base, Frame.AXIS, f.s, "zero-line");
        }
        f.drawLegend(c);
    }
}
