package dev.recur.examples.apps;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.recur.backend.Backends;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The forecasting pipeline on a synthetic weekly series: parsing, the calendar, training, chart and report. */
class ForecastExampleTest {
    @Test
    void parsesTheCsvAndRejectsGapsAndOtherFiles() throws IOException {
        String csv = "year,month,date_of_month,day_of_week,births\n2000,1,1,6,9083\n2000,1,2,7,8006\n";
        List<ForecastExample.Day> days = ForecastExample.parse(csv);
        assertEquals(List.of(new ForecastExample.Day(LocalDate.of(2000, 1, 1), 9083),
                new ForecastExample.Day(LocalDate.of(2000, 1, 2), 8006)), days);
        IOException gap = assertThrows(IOException.class,
                () -> ForecastExample.parse(csv + "2000,1,4,2,13032\n"));
        assertTrue(gap.getMessage().contains("2000-01-04 does not follow 2000-01-02"), gap.getMessage());
        assertThrows(IOException.class, () -> ForecastExample.parse("a,b\n1,2\n"));
    }

    @Test
    void holidaysFollowTheCalendar() {
        assertTrue(ForecastExample.holiday(LocalDate.of(2014, 11, 27)), "Thanksgiving 2014");
        assertTrue(ForecastExample.holiday(LocalDate.of(2014, 11, 28)), "the Friday after");
        assertTrue(ForecastExample.holiday(LocalDate.of(2014, 5, 26)), "Memorial Day 2014");
        assertTrue(ForecastExample.holiday(LocalDate.of(2014, 9, 1)), "Labor Day 2014");
        assertTrue(ForecastExample.holiday(LocalDate.of(2014, 12, 25)));
        assertTrue(ForecastExample.holiday(LocalDate.of(2015, 7, 3)), "July 4 2015 is a Saturday: observed Friday");
        assertFalse(ForecastExample.holiday(LocalDate.of(2014, 11, 20)));
        assertFalse(ForecastExample.holiday(LocalDate.of(2014, 7, 3)), "a Thursday");
    }

    @Test
    void trainsOnASyntheticSeriesAndWritesChartAndSummary(@TempDir Path dir) throws IOException {
        // Two and a half years of a weekly pattern with a slow trend and noise.
        double[] week = {1.1, 1.15, 1.12, 1.1, 1.08, 0.75, 0.7};
        SplittableRandom random = new SplittableRandom(5);
        List<ForecastExample.Day> days = new ArrayList<>();
        LocalDate d = LocalDate.of(2001, 1, 1);
        for (int i = 0; i < 900; i++, d = d.plusDays(1)) {
            double level = 10_000 + 2 * i;
            days.add(new ForecastExample.Day(d, Math.round(level * week[d.getDayOfWeek().getValue() - 1]
                    + 150 * random.nextGaussian())));
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ForecastExample.Result r;
        try (PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8)) {
            r = ForecastExample.train(Backends.get("cpu"), days, 56, 56,
                    new ForecastExample.Config(14, 16, 32, 6, 1e-2, 1.0, 2), dir, out);
        }
        assertEquals(56, r.testDays());
        assertTrue(Double.isFinite(r.mae()) && r.mae() > 0, "mae " + r.mae());
        assertTrue(r.mae() < 1500, "the forecast follows the weekly pattern: mae " + r.mae());
        assertTrue(r.seasonalNaiveMae() > 0);
        for (String f : List.of("forecast.png", "forecast.svg", "forecast_last_8_weeks.png", "forecast.csv",
                "training.csv", "model.safetensors")) {
            assertTrue(Files.size(dir.resolve(f)) > 100, f);
        }
        assertEquals(57, Files.readAllLines(dir.resolve("forecast.csv")).size(), "header + 56 days");
        String[] lines = bytes.toString(StandardCharsets.UTF_8).strip().split("\n");
        String last = lines[lines.length - 1];
        assertTrue(last.startsWith("forecast: MAE on the last year (") && last.contains("vs seasonal naive"), last);
    }
}
