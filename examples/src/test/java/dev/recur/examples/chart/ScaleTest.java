package dev.recur.examples.chart;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ScaleTest {
    private static List<String> labels(Scale s) {
        return s.majors().stream().map(Tick::label).toList();
    }

    @Test
    void linearTicksAreNiceAndCoverTheData() {
        assertEquals(List.of("0", "2", "4", "6", "8", "10"), labels(Scale.linear(0.13, 9.7, 6, false)));
        assertEquals(List.of("-0.3", "-0.2", "-0.1", "0", "0.1", "0.2", "0.3"),
                labels(Scale.linear(-0.25, 0.3, 6, false)));
        assertEquals(List.of("0", "200", "400", "600", "800", "1000"), labels(Scale.linear(35, 1000, 6, true)));
        assertEquals(List.of("1.2e-5", "1.4e-5", "1.6e-5"), labels(Scale.linear(1.2e-5, 1.6e-5, 3, false)));
        assertEquals(List.of("0.0012", "0.0014", "0.0016"), labels(Scale.linear(1.2e-3, 1.6e-3, 3, false)));
        assertEquals(List.of("1e-7", "2e-7", "3e-7"), labels(Scale.linear(1.0e-7, 3e-7, 3, false)));
        assertEquals(List.of("0", "5e7", "1e8", "1.5e8"), labels(Scale.linear(0, 1.5e8, 4, false)));
        Scale constant = Scale.linear(5, 5, 5, false);
        assertTrue(constant.lo < 5 && constant.hi > 5);
        Scale zeros = Scale.linear(0, 0, 5, true);
        assertEquals(0, zeros.lo);
        assertTrue(zeros.hi > 0);
    }

    @Test
    void logTicksArePowersOfTenThinnedWhenMany() {
        assertEquals(List.of("1", "10", "100", "1000"), labels(Scale.log10(1, 1000, 10)));
        assertEquals(List.of("0.001", "0.01", "0.1"), labels(Scale.log10(0.0009, 0.2, 10)));
        List<String> wide = labels(Scale.log10(1e-10, 1e10, 6));
        assertTrue(wide.size() <= 6 && wide.size() >= 3, wide.toString());
        for (String l : wide) {
            assertTrue(l.matches("1(e-?\\d+)?|10+|0\\.0*1"), l);
        }
        Scale s = Scale.log10(16, 4096, 10);
        assertEquals(List.of("100", "1000"), labels(s));
        assertTrue(s.ticks.size() > 10, "minor ticks at 2..9 x 10^k");
        assertEquals(0.0, s.frac(s.lo), 1e-12);
        assertEquals(1.0, s.frac(s.hi), 1e-12);
        assertEquals(0.5, s.frac(Math.sqrt(s.lo * s.hi)), 1e-12);
    }

    @Test
    void narrowLogRangesLabelMultiplesToo() {
        assertEquals(List.of("20", "50", "100"), labels(Scale.log10(20, 90, 10)));
        assertEquals(List.of("3", "4"), labels(Scale.log10(3.1, 3.3, 10)));
        assertEquals(List.of("1e5", "2e5", "5e5"), labels(Scale.log10(1.1e5, 6e5, 10)));
        // Two powers of ten over less than 2.5 decades: 2x and 5x labelled, unless there is no room.
        assertEquals(List.of("0.005", "0.01", "0.02", "0.05", "0.1", "0.2"), labels(Scale.log10(0.003, 0.17, 10)));
        assertEquals(List.of("0.01", "0.1"), labels(Scale.log10(0.003, 0.17, 4)));
    }
}
