/**
 * Charts for reports, pure JDK: {@link dev.recur.examples.chart.Chart} (line and scatter, linear or log10 axes)
 * and {@link dev.recur.examples.chart.BarChart} (grouped bars), each written as hand-written SVG 1.1 and as PNG
 * through {@code java.awt} in headless mode. Both files are written atomically (a temporary file renamed into
 * place). Layout is computed once, with estimated text widths, and drawn onto either output.
 */
package dev.recur.examples.chart;
