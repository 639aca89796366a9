package dev.recur.examples.apps.seq2seq;

import java.time.LocalDate;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * Date-normalisation pairs made with {@code java.time}: a date between 1950-01-01 and 2049-12-31 written in one
 * of {@link #FORMATS} (several locales and styles: {@code "Tuesday, 3 March 1998"}, {@code "03/03/98"},
 * {@code "3 mars 1998"}, {@code "1998年3月3日"}, ...) → its ISO form {@code "1998-03-03"}. Every format reads one
 * way only: the numeric ones with a two-digit year put the day first, the one month-first numeric format has a
 * four-digit year, and two-digit years stand for 1950–2049.
 */
public final class DatePairs {
    /** The first date drawn. */
    public static final LocalDate FIRST = LocalDate.of(1950, 1, 1);
    /** The last date drawn. */
    public static final LocalDate LAST = LocalDate.of(2049, 12, 31);

    /** A pattern, the locale it is written in, and their formatter. */
    public record Format(String pattern, Locale locale, DateTimeFormatter formatter) {
        /** The format of a pattern in a locale. */
        public Format(String pattern, Locale locale) {
            this(pattern, locale, DateTimeFormatter.ofPattern(pattern, locale));
        }

        /** The date written in this format. */
        public String format(LocalDate date) {
            return formatter.format(date);
        }

        @Override
        public String toString() {
            return pattern + " (" + locale.toLanguageTag() + ")";
        }
    }

    /** The source formats. */
    public static final List<Format> FORMATS = List.of(
            new Format("EEEE, d MMMM yyyy", Locale.UK),           // Tuesday, 3 March 1998
            new Format("d MMMM yyyy", Locale.UK),                 // 3 March 1998
            new Format("MMMM d, yyyy", Locale.US),                // March 3, 1998
            new Format("EEE, MMM d, yyyy", Locale.US),            // Tue, Mar 3, 1998
            new Format("d MMM yyyy", Locale.UK),                  // 3 Mar 1998
            new Format("dd/MM/yy", Locale.UK),                    // 03/03/98
            new Format("M/d/yyyy", Locale.US),                    // 3/3/1998
            new Format("yyyy-MM-dd", Locale.ROOT),                // 1998-03-03 (already ISO)
            new Format("yyyyMMdd", Locale.ROOT),                  // 19980303
            new Format("d MMMM yyyy", Locale.FRANCE),             // 3 mars 1998
            new Format("EEEE d MMMM yyyy", Locale.FRANCE),        // mardi 3 mars 1998
            new Format("EEEE, d. MMMM yyyy", Locale.GERMANY),     // Dienstag, 3. März 1998
            new Format("dd.MM.yyyy", Locale.GERMANY),             // 03.03.1998
            new Format("d 'de' MMMM 'de' yyyy", Locale.forLanguageTag("es-ES")), // 3 de marzo de 1998
            new Format("d MMMM yyyy", Locale.ITALY),              // 3 marzo 1998
            new Format("d MMMM yyyy", Locale.forLanguageTag("ru-RU")), // 3 марта 1998
            new Format("yyyy年M月d日", Locale.CHINA),              // 1998年3月3日
            new Format("yyyy年M月d日(E)", Locale.JAPAN),           // 1998年3月3日(火)
            new Format("yyyy년 M월 d일", Locale.KOREA));           // 1998년 3월 3일

    /** The ISO form of the target. */
    static final DateTimeFormatter ISO = DateTimeFormatter.ISO_LOCAL_DATE;

    private DatePairs() {
    }

    /** A source and its ISO target. */
    public static Seq2SeqExample.Pair pair(LocalDate date, Format format) {
        return new Seq2SeqExample.Pair(format.format(date), ISO.format(date));
    }

    /**
     * {@code n} pairs with distinct sources: a uniformly drawn date in {@link #FIRST}..{@link #LAST} and a
     * uniformly drawn format, from the seed.
     */
    public static List<Seq2SeqExample.Pair> generate(int n, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        long days = LAST.toEpochDay() - FIRST.toEpochDay() + 1;
        Set<String> seen = new HashSet<>();
        List<Seq2SeqExample.Pair> out = new ArrayList<>(n);
        while (out.size() < n) {
            LocalDate date = LocalDate.ofEpochDay(FIRST.toEpochDay() + random.nextLong(days));
            Format format = FORMATS.get(random.nextInt(FORMATS.size()));
            Seq2SeqExample.Pair p = pair(date, format);
            if (seen.add(p.source())) {
                out.add(p);
            }
        }
        return out;
    }
}
