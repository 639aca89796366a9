package dev.recur.report;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ProgressBarTest {
    private static final long SECOND = 1_000_000_000L;

    private final AtomicLong clock = new AtomicLong(123 * SECOND);
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);

    private String output() {
        return bytes.toString(StandardCharsets.UTF_8);
    }

    private ProgressBar bar(String label, long total, boolean terminal) {
        return ProgressBar.builder(label, total).out(out).terminal(terminal).interval(Duration.ofSeconds(10))
                .nanoTime(clock::get).build();
    }

    @Test
    void terminalLineShowsCountPercentElapsedEtaRateAndMetrics() {
        ProgressBar bar = bar("train lstm T=100", 100, true);
        for (int i = 0; i < 10; i++) {
            clock.addAndGet(SECOND / 2);
            Map<String, Double> m = new LinkedHashMap<>();
            m.put("loss", 0.5 + i);
            m.put("gnorm", 0.0123456);
            bar.step(m);
        }
        // 10 steps in 5 s: 2 it/s; 90 left at 2 it/s: 45 s.
        String line = bar.line();
        assertTrue(line.startsWith("train lstm T=100 ["), line);
        assertTrue(line.contains(" 10/100 "), line);
        assertTrue(line.contains(" 10.0%"), line);
        assertTrue(line.contains("elapsed 0:05"), line);
        assertTrue(line.contains("eta 0:45"), line);
        assertTrue(line.contains("2.00 it/s"), line);
        assertTrue(line.endsWith("loss=9.5 gnorm=0.01235"), line);
        assertTrue(line.contains("[##..................]"), line);

        String text = output();
        assertTrue(text.startsWith("\r"), text);
        assertFalse(text.contains("\n"), "no newline before close: " + text);
        // The clock moved 0.5 s between steps, more than the 100 ms redraw throttle: every step was drawn.
        assertEquals(10, text.chars().filter(c -> c == '\r').count(), text);

        bar.close();
        String all = output();
        assertTrue(all.endsWith("\n"), all);
        String last = all.substring(all.lastIndexOf('\r') + 1).strip();
        assertTrue(last.contains(" 10/100 "), last);
        assertFalse(last.contains("eta"), "the final line has no ETA: " + last);
    }

    @Test
    void terminalRedrawsAreThrottledAndShorterLinesArePadded() {
        ProgressBar bar = bar("x", 1000, true);
        bar.step("a-long-metrics-text");
        for (int i = 0; i < 50; i++) {
            bar.step("short"); // no time passes: not redrawn
        }
        assertEquals(1, output().chars().filter(c -> c == '\r').count());
        clock.addAndGet(SECOND);
        bar.step("short");
        String text = output();
        String second = text.substring(text.lastIndexOf('\r') + 1);
        String first = text.substring(1, text.lastIndexOf('\r'));
        assertEquals(first.length(), second.length(), "the shorter line is padded to erase the longer one");
        assertTrue(second.contains(" 52/1000 "), second);
        assertTrue(second.contains("52.00 it/s"), second);
    }

    @Test
    void nonTerminalPrintsPlainLinesAtMostEveryInterval() {
        ProgressBar bar = bar("train gru", 100, false);
        assertFalse(bar.terminal());
        for (int i = 0; i < 100; i++) {
            clock.addAndGet(SECOND);
            bar.step(Map.of("loss", 1.0 / (i + 1)));
        }
        String text = output();
        assertFalse(text.contains("\r"), "plain lines only: " + text);
        String[] lines = text.split("\n");
        // The first step (t = 1 s) and then every 10 s: t = 11, 21, ..., 91.
        assertEquals(10, lines.length, text);
        assertTrue(lines[0].contains("  1/100 "), lines[0]);
        assertTrue(lines[1].contains(" 11/100 "), lines[1]);
        assertTrue(lines[1].contains(" 11.0%"), lines[1]);
        assertTrue(lines[1].contains("elapsed 0:11"), lines[1]);
        assertTrue(lines[1].contains("1.00 it/s"), lines[1]);
        assertTrue(lines[1].contains("eta 1:29"), lines[1]);
        assertFalse(lines[1].contains("[#"), "no bar in plain mode: " + lines[1]);

        bar.close();
        bar.close(); // idempotent
        String[] all = output().split("\n");
        assertEquals(11, all.length);
        assertTrue(all[10].contains("100/100 100.0% elapsed 1:40 1.00 it/s loss=0.01"), all[10]);
        assertThrows(IllegalStateException.class, bar::step);
    }

    @Test
    void slowLoopsShowSecondsPerIterationAndLongEtasShowHours() {
        ProgressBar bar = bar("epoch", 1000, false);
        clock.addAndGet(4 * SECOND);
        bar.step();
        String line = bar.line();
        assertTrue(line.contains("4.00 s/it"), line);
        // 999 left at 4 s each: 3996 s = 1:06:36.
        assertTrue(line.contains("eta 1:06:36"), line);
        assertTrue(line.contains("  0.1%"), line);
    }

    @Test
    void beforeAnyStepTheEtaAndRateAreUnknown() {
        ProgressBar bar = bar("warm-up", 10, false);
        String line = bar.line();
        assertTrue(line.contains(" 0/10 "), line);
        assertTrue(line.contains("eta ?"), line);
        assertTrue(line.contains("? it/s"), line);
    }

    @Test
    void unknownTotalShowsCountAndRateOnly() {
        ProgressBar bar = bar("stream", 0, false);
        clock.addAndGet(SECOND);
        bar.step("tokens=12");
        clock.addAndGet(SECOND);
        bar.step("tokens=24");
        String line = bar.line();
        assertEquals("stream  2 elapsed 0:02 1.00 it/s tokens=24", line);
        assertThrows(IllegalArgumentException.class, () -> ProgressBar.builder("bad", -1));
    }

    @Test
    void formatsNumbersDurationsAndRates() {
        assertEquals("0:00", ProgressBar.duration(0.4));
        assertEquals("1:05", ProgressBar.duration(65.9));
        assertEquals("1:02:05", ProgressBar.duration(3725));
        assertEquals("?", ProgressBar.duration(Double.NaN));
        assertEquals("1234 it/s", ProgressBar.rate(1234.4));
        assertEquals("123.4 it/s", ProgressBar.rate(123.44));
        assertEquals("2.00 s/it", ProgressBar.rate(0.5));
        assertEquals("3", Numbers.compact(3.0));
        assertEquals("0.01235", Numbers.compact(0.0123456));
        assertEquals("1.000e-05", Numbers.compact(1e-5));
        assertEquals("NaN", Numbers.compact(Double.NaN));
        assertEquals("-inf", Numbers.compact(Double.NEGATIVE_INFINITY));
    }
}
