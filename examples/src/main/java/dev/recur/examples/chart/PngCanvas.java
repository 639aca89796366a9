package dev.recur.examples.chart;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.AffineTransform;
import java.awt.geom.Ellipse2D;
import java.awt.geom.Line2D;
import java.awt.geom.Path2D;
import java.awt.geom.Rectangle2D;

/** Paints on a {@link Graphics2D} with antialiasing; anchors text with the real font metrics. */
final class PngCanvas implements Canvas {
    private final Graphics2D g;

    PngCanvas(Graphics2D g) {
        this.g = g;
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_STROKE_CONTROL, RenderingHints.VALUE_STROKE_PURE);
        g.setRenderingHint(RenderingHints.KEY_RENDERING, RenderingHints.VALUE_RENDER_QUALITY);
        g.setRenderingHint(RenderingHints.KEY_FRACTIONALMETRICS, RenderingHints.VALUE_FRACTIONALMETRICS_ON);
    }

    @Override
    public void rect(double x, double y, double w, double h, int fill, int stroke, double strokeWidth, String cls) {
        Rectangle2D r = new Rectangle2D.Double(x, y, w, h);
        g.setColor(new Color(fill));
        g.fill(r);
        if (stroke >= 0) {
            g.setColor(new Color(stroke));
            g.setStroke(new BasicStroke((float) strokeWidth));
            g.draw(r);
        }
    }

    @Override
    public void line(double x1, double y1, double x2, double y2, int color, double width, String cls) {
        g.setColor(new Color(color));
        g.setStroke(new BasicStroke((float) width, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER));
        g.draw(new Line2D.Double(x1, y1, x2, y2));
    }

    @Override
    public void polyline(double[] xs, double[] ys, int color, double width, String cls) {
        if (xs.length == 0) {
            return;
        }
        Path2D.Double p = new Path2D.Double();
        p.moveTo(xs[0], ys[0]);
        for (int i = 1; i < xs.length; i++) {
            p.lineTo(xs[i], ys[i]);
        }
        g.setColor(new Color(color));
        g.setStroke(new BasicStroke((float) width, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND));
        g.draw(p);
    }

    @Override
    public void marker(double x, double y, double r, int shape, int color, String cls) {
        g.setColor(new Color(color));
        if (shape == 0) {
            g.fill(new Ellipse2D.Double(x - r, y - r, 2 * r, 2 * r));
            return;
        }
        double[][] pts = Markers.polygon(x, y, r, shape);
        Path2D.Double p = new Path2D.Double();
        p.moveTo(pts[0][0], pts[1][0]);
        for (int i = 1; i < pts[0].length; i++) {
            p.lineTo(pts[0][i], pts[1][i]);
        }
        p.closePath();
        g.fill(p);
    }

    @Override
    public void text(double x, double y, String s, double size, boolean bold, Anchor anchor, double degrees,
            int color, String cls) {
        String clean = s.replaceAll("\\p{Cntrl}", " ");
        Font font = new Font(Font.SANS_SERIF, bold ? Font.BOLD : Font.PLAIN, 12).deriveFont((float) size);
        g.setFont(font);
        FontMetrics fm = g.getFontMetrics();
        double width = fm.getStringBounds(clean, g).getWidth();
        double dx = switch (anchor) {
            case START -> 0;
            case MIDDLE -> -width / 2;
            case END -> -width;
        };
        AffineTransform saved = g.getTransform();
        g.translate(x, y);
        if (degrees != 0) {
            g.rotate(Math.toRadians(degrees));
        }
        g.setColor(new Color(color));
        g.drawString(clean, (float) dx, 0f);
        g.setTransform(saved);
    }

    @Override
    public void beginGroup(String cls, String title) {
    }

    @Override
    public void endGroup() {
    }
}
