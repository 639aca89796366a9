package dev.recur.examples.chart;

import java.util.Locale;

/** Writes SVG 1.1 text; every label is escaped and stripped of characters XML 1.0 does not allow. */
final class SvgCanvas implements Canvas {
    private final StringBuilder sb = new StringBuilder();

    SvgCanvas(int w, int h, String title) {
        sb.append("<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"no\"?>\n");
        sb.append("<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"").append(w)
                .append("\" height=\"").append(h).append("\" viewBox=\"0 0 ").append(w).append(' ').append(h)
                .append("\" font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\">\n");
        sb.append("<title>").append(escape(title)).append("</title>\n");
    }

    /** The document, closed. */
    String finish() {
        return sb + "</svg>\n";
    }

    @Override
    public void rect(double x, double y, double w, double h, int fill, int stroke, double strokeWidth, String cls) {
        sb.append("<rect class=\"").append(cls).append("\" x=\"").append(num(x)).append("\" y=\"").append(num(y))
                .append("\" width=\"").append(num(w)).append("\" height=\"").append(num(h)).append("\" fill=\"")
                .append(color(fill)).append('"');
        if (stroke >= 0) {
            sb.append(" stroke=\"").append(color(stroke)).append("\" stroke-width=\"").append(num(strokeWidth))
                    .append('"');
        }
        sb.append("/>\n");
    }

    @Override
    public void line(double x1, double y1, double x2, double y2, int color, double width, String cls) {
        sb.append("<line class=\"").append(cls).append("\" x1=\"").append(num(x1)).append("\" y1=\"")
                .append(num(y1)).append("\" x2=\"").append(num(x2)).append("\" y2=\"").append(num(y2))
                .append("\" stroke=\"").append(color(color)).append("\" stroke-width=\"").append(num(width))
                .append("\"/>\n");
    }

    @Override
    public void polyline(double[] xs, double[] ys, int color, double width, String cls) {
        sb.append("<polyline class=\"").append(cls).append("\" fill=\"none\" stroke=\"").append(color(color))
                .append("\" stroke-width=\"").append(num(width))
                .append("\" stroke-linejoin=\"round\" stroke-linecap=\"round\" points=\"");
        for (int i = 0; i < xs.length; i++) {
            if (i > 0) {
                sb.append(' ');
            }
            sb.append(num(xs[i])).append(',').append(num(ys[i]));
        }
        sb.append("\"/>\n");
    }

    @Override
    public void marker(double x, double y, double r, int shape, int color, String cls) {
        if (shape == 0) {
            sb.append("<circle class=\"").append(cls).append("\" cx=\"").append(num(x)).append("\" cy=\"")
                    .append(num(y)).append("\" r=\"").append(num(r)).append("\" fill=\"").append(color(color))
                    .append("\"/>\n");
            return;
        }
        double[][] p = Markers.polygon(x, y, r, shape);
        sb.append("<polygon class=\"").append(cls).append("\" fill=\"").append(color(color)).append("\" points=\"");
        for (int i = 0; i < p[0].length; i++) {
            if (i > 0) {
                sb.append(' ');
            }
            sb.append(num(p[0][i])).append(',').append(num(p[1][i]));
        }
        sb.append("\"/>\n");
    }

    @Override
    public void text(double x, double y, String s, double size, boolean bold, Anchor anchor, double degrees,
            int color, String cls) {
        sb.append("<text class=\"").append(cls).append("\" x=\"").append(num(x)).append("\" y=\"").append(num(y))
                .append("\" font-size=\"").append(num(size)).append("\" fill=\"").append(color(color)).append('"');
        if (anchor != Anchor.START) {
            sb.append(" text-anchor=\"").append(anchor == Anchor.MIDDLE ? "middle" : "end").append('"');
        }
        if (bold) {
            sb.append(" font-weight=\"bold\"");
        }
        if (degrees != 0) {
            sb.append(" transform=\"rotate(").append(num(degrees)).append(' ').append(num(x)).append(' ')
                    .append(num(y)).append(")\"");
        }
        sb.append('>').append(escape(s)).append("</text>\n");
    }

    @Override
    public void beginGroup(String cls, String title) {
        sb.append("<g class=\"").append(cls).append("\"><title>").append(escape(title)).append("</title>\n");
    }

    @Override
    public void endGroup() {
        sb.append("</g>\n");
    }

    /** Escapes XML's five special characters; replaces characters XML 1.0 forbids with U+FFFD. */
    static String escape(String s) {
        StringBuilder out = new StringBuilder(s.length() + 16);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '&' -> out.append("&amp;");
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '"' -> out.append("&quot;");
                case '\'' -> out.append("&apos;");
                case '\t', '\n', '\r' -> out.append(' ');
                default -> {
                    if (Character.isHighSurrogate(c) && i + 1 < s.length()
                            && Character.isLowSurrogate(s.charAt(i + 1))) {
                        out.append(c).append(s.charAt(++i));
                    } else if (c < 0x20 || Character.isSurrogate(c) || c == 0xfffe || c == 0xffff) {
                        out.append('\ufffd');
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        return out.toString();
    }

    /** At most two decimals, no trailing zeros, never a locale's decimal comma. */
    static String num(double v) {
        long r = Math.round(v * 100);
        if (r % 100 == 0) {
            return Long.toString(r / 100);
        }
        String s = String.format(Locale.ROOT, "%.2f", r / 100.0);
        return s.endsWith("0") ? s.substring(0, s.length() - 1) : s;
    }

    private static String color(int rgb) {
        return String.format(Locale.ROOT, "#%06x", rgb & 0xffffff);
    }
}
