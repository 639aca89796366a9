package dev.recur.examples.apps.seq2seq;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.time.LocalDate;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The date pairs: the formats the issue names, distinct and reproducible draws, and one reading per source. */
class DatePairsTest {
    static String in(String pattern, Locale locale) {
        for (DatePairs.Format f : DatePairs.FORMATS) {
            if (f.pattern().equals(pattern) && f.locale().equals(locale)) {
                return DatePairs.pair(LocalDate.of(1998, 3, 3), f).source();
            }
        }
        throw new AssertionError("no format " + pattern + " " + locale);
    }

    @Test
    void writesTheDateInSeveralLocalesAndFormats() {
        assertEquals("Tuesday, 3 March 1998", in("EEEE, d MMMM yyyy", Locale.UK));
        assertEquals("03/03/98", in("dd/MM/yy", Locale.UK));
        assertEquals("3 mars 1998", in("d MMMM yyyy", Locale.FRANCE));
        assertEquals("1998年3月3日", in("yyyy年M月d日", Locale.CHINA));
        assertEquals("1998-03-03", DatePairs.pair(LocalDate.of(1998, 3, 3), DatePairs.FORMATS.get(0)).target());
    }

    @Test
    void drawsDistinctSourcesReproducibly() {
        List<Seq2SeqExample.Pair> a = DatePairs.generate(500, 7);
        assertEquals(a, DatePairs.generate(500, 7));
        Set<String> sources = new HashSet<>();
        for (Seq2SeqExample.Pair p : a) {
            sources.add(p.source());
            LocalDate d = LocalDate.parse(p.target());
            assertEquals(false, d.isBefore(DatePairs.FIRST) || d.isAfter(DatePairs.LAST), p.toString());
        }
        assertEquals(500, sources.size());
    }

    @Test
    void everySourceReadsOneWay() {
        Map<String, String> seen = new HashMap<>();
        for (LocalDate d = DatePairs.FIRST; !d.isAfter(DatePairs.LAST); d = d.plusDays(1)) {
            for (DatePairs.Format f : DatePairs.FORMATS) {
                Seq2SeqExample.Pair p = DatePairs.pair(d, f);
                String before = seen.putIfAbsent(p.source(), p.target());
                if (before != null && !before.equals(p.target())) {
                    assertNull(before, p.source() + " reads as " + before + " and " + p.target());
                }
            }
        }
    }
}
