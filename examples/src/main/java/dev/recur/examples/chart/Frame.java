package dev.recur.examples.chart;

import java.util.List;

/**
 * The layout and the furniture of one chart: title, plot area, grid, axes, ticks, tick labels, axis titles and
 * legend. Text widths are estimated (about 0.62 em a character, generous for DejaVu Sans, Helvetica and Arial) so
 * that SVG and PNG share one layout without measuring fonts. Sizes scale with the image: 1.0 at 900 x 600.
 */
final class Frame {
    /** Matplotlib's "tab10" colours: distinct, and familiar to readers of papers. */
    private static final int[] PALETTE = {
        0x1f77b4, 0xff7f0e, 0x2ca02c, 0xd62728, 0x9467bd, 0x8c564b, 0xe377c2, 0x7f7f7f, 0xbcbd22, 0x17becf,
    };
    static final int WHITE = 0xffffff;
    static final int TEXT = 0x222222;
    static final int AXIS = 0x444444;
    private static final int GRID = 0xdddddd;
    private static final int GRID_MINOR = 0xf0f0f0;
    private static final int LEGEND_BORDER = 0xcccccc;
    private static final double CHAR_EM = 0.62;
    private static final int LEGEND_MAX_CHARS = 40;
    private static final double ROTATED_DEGREES = 35;

    /** How a legend entry shows its series. */
    enum Swatch { LINE, MARKER, LINE_MARKER, BAR }

    record LegendEntry(String name, int color, int shape, Swatch swatch) {
    }

    /** What one axis shows, before it is fitted to a length. */
    record AxisSpec(Scale.Kind kind, double min, double max, boolean includeZero, List<String> categories) {
        static AxisSpec linear(double min, double max, boolean includeZero) {
            return new AxisSpec(Scale.Kind.LINEAR, min, max, includeZero, List.of());
        }

        static AxisSpec log10(double min, double max) {
            return new AxisSpec(Scale.Kind.LOG10, min, max, false, List.of());
        }

        static AxisSpec categories(List<String> names) {
            return new AxisSpec(Scale.Kind.CATEGORY, 0, names.size(), false, names);
        }
    }

    static int color(int series) {
        return PALETTE[series % PALETTE.length];
    }

    static int shape(int series) {
        return series % 4;
    }

    final int w;
    final int h;
    /** Size factor: 1 at 900 x 600. */
    final double s;
    final double titleSize;
    final double labelSize;
    final double tickSize;
    final double legendSize;
    private final String title;
    private final String xLabel;
    private final String yLabel;
    private final List<LegendEntry> legend;
    final Scale x;
    final Scale y;
    /** The plot area's edges, in pixels. */
    final double left;
    final double right;
    final double top;
    final double bottom;
    private final double xLabelDegrees;
    private final double legendW;

    Frame(String chart, int w, int h, String title, String xLabel, String yLabel, AxisSpec xs, AxisSpec ys,
            List<LegendEntry> legend) {
        this.w = w;
        this.h = h;
        this.s = Math.max(0.6, Math.min(4, Math.min(w / 900.0, h / 600.0)));
        this.titleSize = 18 * s;
        this.labelSize = 14 * s;
        this.tickSize = 12 * s;
        this.legendSize = 13 * s;
        this.title = title;
        this.xLabel = xLabel;
        this.yLabel = yLabel;
        this.legend = legend;

        double pad = 10 * s;
        double tickLen = 5 * s;
        double gap = 4 * s;
        this.top = pad + (title.isEmpty() ? tickSize * 0.6 : titleSize * 1.25 + 6 * s);
        double maxName = 0;
        for (LegendEntry e : legend) {
            maxName = Math.max(maxName, width(display(e.name()), legendSize));
        }
        this.legendW = legend.isEmpty() ? 0 : 36 * s + maxName + 8 * s;
        double right0 = pad + (legend.isEmpty() ? 0 : legendW + 12 * s);
        double bottomBase = pad + (xLabel.isEmpty() ? 0 : labelSize + 8 * s) + tickSize + gap + tickLen;

        double bottomMargin = bottomBase;
        double rightMargin = right0;
        double leftMargin = 0;
        Scale xScale = null;
        Scale yScale = null;
        double degrees = 0;
        double minLeft = 0; // slanted category labels reach left of their tick
        for (int pass = 0; pass < 3; pass++) {
            double plotH = h - top - bottomMargin;
            yScale = fit(ys, plotH, false);
            double maxY = 0;
            for (Tick t : yScale.majors()) {
                maxY = Math.max(maxY, width(t.label(), tickSize));
            }
            leftMargin = Math.max(minLeft, pad + (yLabel.isEmpty() ? 0 : labelSize + 8 * s) + maxY + gap + tickLen);
            double plotW = w - leftMargin - rightMargin;
            xScale = fit(xs, plotW, true);
            List<Tick> xm = xScale.majors();
            double maxX = 0;
            for (Tick t : xm) {
                maxX = Math.max(maxX, width(t.label(), tickSize));
            }
            degrees = 0;
            bottomMargin = bottomBase;
            if (xs.kind() == Scale.Kind.CATEGORY && maxX > 0.92 * plotW / Math.max(1, xm.size())) {
                degrees = ROTATED_DEGREES;
                double rad = Math.toRadians(degrees);
                bottomMargin += maxX * Math.sin(rad) + tickSize * Math.cos(rad) - tickSize;
                double slot = plotW / xm.size();
                minLeft = pad + width(xm.get(0).label(), tickSize) * Math.cos(rad) - slot / 2 - tickSize * 0.3;
            }
            if (!xm.isEmpty() && degrees == 0) {
                Tick last = xm.get(xm.size() - 1);
                double overhang = width(last.label(), tickSize) / 2 - (1 - xScale.frac(last.value())) * plotW;
                rightMargin = Math.max(right0, pad + overhang);
            }
        }
        this.x = xScale;
        this.y = yScale;
        this.xLabelDegrees = degrees;
        this.left = leftMargin;
        this.right = w - rightMargin;
        this.bottom = h - bottomMargin;
        if (right - left < 40 * s || bottom - top < 40 * s) {
            throw new IllegalArgumentException(String.format(
                    "chart \"%s\": %d x %d px is too small for its labels and legend (plot area %.0f x %.0f px)",
                    chart, w, h, right - left, bottom - top));
        }
    }

    /** The estimated width of {@code text} at {@code size} px. */
    static double width(String text, double size) {
        return CHAR_EM * size * text.length();
    }

    /** A legend name, cut to {@value #LEGEND_MAX_CHARS} characters. */
    private static String display(String name) {
        return name.length() <= LEGEND_MAX_CHARS ? name : name.substring(0, LEGEND_MAX_CHARS - 1) + "\u2026";
    }

    private Scale fit(AxisSpec a, double length, boolean horizontal) {
        if (a.kind() == Scale.Kind.CATEGORY) {
            return Scale.categories(a.categories());
        }
        double perLabel = horizontal ? 100 * s : 60 * s;
        int target = (int) Math.max(2, Math.min(a.kind() == Scale.Kind.LOG10 ? 12 : 10, Math.round(length / perLabel)));
        Scale best = null;
        for (int t = target; t >= 2; t--) {
            best = a.kind() == Scale.Kind.LOG10 ? Scale.log10(a.min(), a.max(), t)
                    : Scale.linear(a.min(), a.max(), t, a.includeZero());
            List<Tick> m = best.majors();
            double need = 0;
            for (Tick tick : m) {
                need += horizontal ? width(tick.label(), tickSize) + 16 * s : tickSize * 1.8;
            }
            // Nice-number rounding may give up to half again as many ticks as asked for: hold it to one more.
            if (need <= length && m.size() <= t + 1) {
                break;
            }
        }
        return best;
    }

    /** The pixel column of data value {@code v}. */
    double px(double v) {
        return left + x.frac(v) * (right - left);
    }

    /** The pixel row of data value {@code v}. */
    double py(double v) {
        return bottom - y.frac(v) * (bottom - top);
    }

    /** Background, grid, axes, ticks, labels and title: everything drawn under the data. */
    void drawFrame(Canvas c) {
        double tickLen = 5 * s;
        double gap = 4 * s;
        double pad = 10 * s;
        c.rect(0, 0, w, h, WHITE, -1, 0, "background");
        for (Tick t : y.ticks) {
            double yy = py(t.value());
            c.line(left, yy, right, yy, t.major() ? GRID : GRID_MINOR, s, t.major() ? "grid y" : "grid y minor");
        }
        if (x.kind != Scale.Kind.CATEGORY) {
            for (Tick t : x.ticks) {
                double xx = px(t.value());
                c.line(xx, top, xx, bottom, t.major() ? GRID : GRID_MINOR, s, t.major() ? "grid x" : "grid x minor");
            }
        }
        c.line(left, bottom, right, bottom, AXIS, 1.2 * s, "axis x");
        c.line(left, top, left, bottom, AXIS, 1.2 * s, "axis y");
        for (Tick t : x.majors()) {
            double xx = px(t.value());
            c.line(xx, bottom, xx, bottom + tickLen, AXIS, s, "tick-mark x");
            if (xLabelDegrees == 0) {
                c.text(xx, bottom + tickLen + gap + tickSize * 0.8, t.label(), tickSize, false, Canvas.Anchor.MIDDLE,
                        0, TEXT, "tick x");
            } else {
                c.text(xx + tickSize * 0.3, bottom + tickLen + gap + tickSize * 0.5, t.label(), tickSize, false,
                        Canvas.Anchor.END, -xLabelDegrees, TEXT, "tick x");
            }
        }
        for (Tick t : y.majors()) {
            double yy = py(t.value());
            c.line(left - tickLen, yy, left, yy, AXIS, s, "tick-mark y");
            c.text(left - tickLen - gap, yy + tickSize * 0.35, t.label(), tickSize, false, Canvas.Anchor.END, 0,
                    TEXT, "tick y");
        }
        if (!xLabel.isEmpty()) {
            c.text((left + right) / 2, h - pad - labelSize * 0.25, xLabel, labelSize, false, Canvas.Anchor.MIDDLE,
                    0, TEXT, "axis-label x");
        }
        if (!yLabel.isEmpty()) {
            c.text(pad + labelSize * 0.8, (top + bottom) / 2, yLabel, labelSize, false, Canvas.Anchor.MIDDLE, -90,
                    TEXT, "axis-label y");
        }
        if (!title.isEmpty()) {
            c.text((left + right) / 2, pad + titleSize * 0.85, title, titleSize, true, Canvas.Anchor.MIDDLE, 0, TEXT,
                    "title");
        }
    }

    /** The legend, right of the plot area, drawn over everything else. */
    void drawLegend(Canvas c) {
        if (legend.isEmpty()) {
            return;
        }
        double rowH = legendSize * 1.5;
        double x0 = right + 12 * s;
        double y0 = top;
        c.beginGroup("legend", "legend");
        c.rect(x0, y0, legendW, rowH * legend.size() + 8 * s, WHITE, LEGEND_BORDER, s, "legend-box");
        for (int i = 0; i < legend.size(); i++) {
            LegendEntry e = legend.get(i);
            double cy = y0 + 4 * s + rowH * (i + 0.5);
            double sx0 = x0 + 8 * s;
            double sx1 = x0 + 30 * s;
            switch (e.swatch()) {
                case LINE -> c.line(sx0, cy, sx1, cy, e.color(), 2 * s, "legend-swatch");
                case LINE_MARKER -> {
                    c.line(sx0, cy, sx1, cy, e.color(), 2 * s, "legend-swatch");
                    c.marker((sx0 + sx1) / 2, cy, 3.5 * s, e.shape(), e.color(), "legend-swatch");
                }
                case MARKER -> c.marker((sx0 + sx1) / 2, cy, 4 * s, e.shape(), e.color(), "legend-swatch");
                case BAR -> c.rect((sx0 + sx1) / 2 - 6 * s, cy - 6 * s, 12 * s, 12 * s, e.color(), -1, 0,
                        "legend-swatch");
                default -> throw new AssertionError(e.swatch());
            }
            c.text(x0 + 36 * s, cy + legendSize * 0.35, display(e.name()), legendSize, false, Canvas.Anchor.START, 0,
                    TEXT, "legend-label");
        }
        c.endGroup();
    }
}
