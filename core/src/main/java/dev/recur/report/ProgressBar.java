package dev.recur.report;

import java.io.PrintStream;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * Progress of a long loop: count/total, percent, elapsed time, ETA, rate and the latest metrics.
 *
 * <pre>{@code
 * try (ProgressBar bar = new ProgressBar("train lstm T=100", steps)) {
 *     for (int i = 0; i < steps; i++) {
 *         double loss = trainStep();
 *         bar.step(Map.of("loss", loss));
 *     }
 * }
 * }</pre>
 *
 * <p>On a terminal ({@code System.console() != null}) it keeps one line up to date, redrawn with {@code '\r'} at
 * most every 100 ms:
 * <pre>train lstm T=100 [#########...........]  450/1000  45.0% elapsed 0:12 eta 0:15 37.50 it/s loss=0.0123</pre>
 * Elsewhere (CI logs, files, pipes) it prints a plain line on the first step and then at most once every
 * {@linkplain Builder#interval interval} (10 s by default), so that logs stay short (the same line without the bar):
 * <pre>train lstm T=100  450/1000  45.0% elapsed 0:12 eta 0:15 37.50 it/s loss=0.0123</pre>
 * {@link #close()} prints the final line with a newline (elapsed and rate over the whole run, no ETA).
 *
 * <p>The rate is the mean over the whole run (count / elapsed); below 1 it/s it is shown as seconds per
 * iteration. A total of 0 means unknown: no percent, bar or ETA. Thread-safe; steps after {@code close()} throw.
 */
public final class ProgressBar implements AutoCloseable {
    /** Terminal redraws are throttled to this, so that a tight loop does not spend its time printing. */
    private static final long REDRAW_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
    private static final int BAR_WIDTH = 20;

    private final String label;
    private final long total;
    private final PrintStream out;
    private final boolean terminal;
    private final long intervalNanos;
    private final LongSupplier nanoTime;
    private final long startNanos;

    private long count;
    private String metrics = "";
    private boolean printedAny;
    private long lastPrintNanos;
    private int lastWidth;
    private boolean closed;

    /**
     * A bar on {@code System.err}, drawn in place when there is a console, else as plain lines every 10 s.
     *
     * @param label what the loop does, shown first on each line
     * @param total the number of steps expected; 0 when unknown
     */
    public ProgressBar(String label, long total) {
        this(builder(label, total));
    }

    private ProgressBar(Builder b) {
        this.label = b.label;
        this.total = b.total;
        this.out = b.out;
        this.terminal = b.terminal != null ? b.terminal
                : System.console() != null && (b.out == System.err || b.out == System.out);
        this.intervalNanos = b.interval.toNanos();
        this.nanoTime = b.nanoTime;
        this.startNanos = nanoTime.getAsLong();
        this.lastPrintNanos = startNanos;
    }

    /** A builder for a bar with a different stream, mode, interval or clock. */
    public static Builder builder(String label, long total) {
        return new Builder(label, total);
    }

    /** One step done, no metrics (the latest metrics given stay shown). */
    public synchronized void step() {
        advance(1);
    }

    /** One step done; {@code metrics} (in its iteration order) replace those shown. */
    public synchronized void step(Map<String, ? extends Number> metrics) {
        Objects.requireNonNull(metrics, "metrics");
        this.metrics = Numbers.keyValues(metrics);
        advance(1);
    }

    /** One step done; {@code metricsText} replaces the metrics shown. */
    public synchronized void step(String metricsText) {
        this.metrics = metricsText == null ? "" : metricsText.replace('\n', ' ').replace('\r', ' ');
        advance(1);
    }

    /** Steps done so far. */
    public synchronized long count() {
        return count;
    }

    /** True when the bar redraws one line in place, false when it prints throttled plain lines. */
    public boolean terminal() {
        return terminal;
    }

    /** The line as it would be printed now (without {@code '\r'} or newline). */
    public synchronized String line() {
        return render(nanoTime.getAsLong(), false);
    }

    /** Prints the final line and a newline. Idempotent; does not close the stream. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        String line = render(nanoTime.getAsLong(), true);
        if (terminal) {
            out.print('\r' + pad(line) + '\n');
        } else {
            out.println(line);
        }
        out.flush();
    }

    private void advance(long n) {
        if (closed) {
            throw new IllegalStateException("progress bar \"" + label + "\": step() after close()");
        }
        count += n;
        long now = nanoTime.getAsLong();
        if (terminal) {
            if (!printedAny || now - lastPrintNanos >= REDRAW_NANOS) {
                out.print('\r' + pad(render(now, false)));
                out.flush();
                printedAny = true;
                lastPrintNanos = now;
            }
        } else if (!printedAny || now - lastPrintNanos >= intervalNanos) {
            out.println(render(now, false));
            out.flush();
            printedAny = true;
            lastPrintNanos = now;
        }
    }

    /** Pads with spaces so that a shorter line fully overwrites the previous one on a terminal. */
    private String pad(String line) {
        int width = line.length();
        String padded = width < lastWidth ? line + " ".repeat(lastWidth - width) : line;
        lastWidth = width;
        return padded;
    }

    private String render(long now, boolean last) {
        double elapsed = Math.max(0, now - startNanos) / 1e9;
        double rate = elapsed > 0 ? count / elapsed : Double.NaN;
        StringBuilder sb = new StringBuilder(label);
        if (total > 0) {
            double frac = (double) count / total;
            if (terminal) {
                int filled = (int) Math.min(BAR_WIDTH, Math.floor(frac * BAR_WIDTH));
                sb.append(" [").append("#".repeat(filled)).append(".".repeat(BAR_WIDTH - filled)).append(']');
            }
            String totalText = Long.toString(total);
            String countText = Long.toString(count);
            sb.append("  ").append(" ".repeat(Math.max(0, totalText.length() - countText.length())))
                    .append(countText).append('/').append(totalText);
            sb.append(String.format(Locale.ROOT, " %5.1f%%", 100 * frac));
        } else {
            sb.append("  ").append(count);
        }
        sb.append(" elapsed ").append(duration(elapsed));
        if (!last && total > 0) {
            sb.append(" eta ");
            if (count >= total) {
                sb.append(duration(0));
            } else if (count > 0 && rate > 0) {
                sb.append(duration((total - count) / rate));
            } else {
                sb.append('?');
            }
        }
        sb.append(' ').append(rate(rate));
        if (!metrics.isEmpty()) {
            sb.append(' ').append(metrics);
        }
        return sb.toString();
    }

    /** {@code 37.50 it/s}; {@code 2.50 s/it} below 1 it/s; {@code ? it/s} before any time has passed. */
    static String rate(double perSecond) {
        if (Double.isNaN(perSecond) || Double.isInfinite(perSecond)) {
            return "? it/s";
        }
        if (perSecond >= 1 || perSecond == 0) {
            String f = perSecond >= 1000 ? "%.0f it/s" : perSecond >= 100 ? "%.1f it/s" : "%.2f it/s";
            return String.format(Locale.ROOT, f, perSecond);
        }
        return String.format(Locale.ROOT, "%.2f s/it", 1 / perSecond);
    }

    /** {@code m:ss} under an hour, else {@code h:mm:ss}; rounds down to whole seconds. */
    static String duration(double seconds) {
        if (!(seconds >= 0) || Double.isInfinite(seconds) || seconds > 1e9) {
            return "?";
        }
        long s = (long) Math.floor(seconds);
        long h = s / 3600;
        long m = (s % 3600) / 60;
        long sec = s % 60;
        return h > 0 ? String.format(Locale.ROOT, "%d:%02d:%02d", h, m, sec)
                : String.format(Locale.ROOT, "%d:%02d", m, sec);
    }

    /** Options for a {@link ProgressBar}; every one has a default. */
    public static final class Builder {
        private final String label;
        private final long total;
        private PrintStream out = System.err;
        private Boolean terminal;
        private Duration interval = Duration.ofSeconds(10);
        private LongSupplier nanoTime = System::nanoTime;

        private Builder(String label, long total) {
            this.label = Objects.requireNonNull(label, "label");
            if (total < 0) {
                throw new IllegalArgumentException("progress bar \"" + label
                        + "\": total must be >= 0 (0 = unknown), got " + total);
            }
            this.total = total;
        }

        /** Where lines go; {@code System.err} by default. */
        public Builder out(PrintStream out) {
            this.out = Objects.requireNonNull(out, "out");
            return this;
        }

        /**
         * Forces the mode: {@code true} redraws one line with {@code '\r'}, {@code false} prints throttled plain
         * lines. By default: terminal when there is a console and the stream is {@code System.err} or
         * {@code System.out}.
         */
        public Builder terminal(boolean terminal) {
            this.terminal = terminal;
            return this;
        }

        /** The least time between two plain lines when not on a terminal; 10 s by default. */
        public Builder interval(Duration interval) {
            if (interval.isNegative()) {
                throw new IllegalArgumentException("progress bar \"" + label + "\": interval must be >= 0, got "
                        + interval);
            }
            this.interval = interval;
            return this;
        }

        /** The clock, in nanoseconds ({@code System::nanoTime} by default); tests pass a fake one. */
        public Builder nanoTime(LongSupplier nanoTime) {
            this.nanoTime = Objects.requireNonNull(nanoTime, "nanoTime");
            return this;
        }

        /** The bar; its clock starts now. */
        public ProgressBar build() {
            return new ProgressBar(this);
        }
    }
}
