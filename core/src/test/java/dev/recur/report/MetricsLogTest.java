package dev.recur.report;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Marker;
import org.slf4j.event.Level;
import org.slf4j.helpers.LegacyAbstractLogger;
import org.slf4j.helpers.MessageFormatter;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MetricsLogTest {
    @TempDir
    Path dir;

    private static Map<String, Number> metrics(Object... kv) {
        Map<String, Number> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put((String) kv[i], (Number) kv[i + 1]);
        }
        return m;
    }

    private static List<String> lines(Path p) throws IOException {
        return Files.readAllLines(p, StandardCharsets.UTF_8);
    }

    @Test
    void csvAndJsonLinesHoldEveryRecordWhileTheLogIsStillOpen() throws IOException {
        Path csv = dir.resolve("run/metrics.csv");
        Path jsonl = dir.resolve("run/metrics.jsonl");
        try (MetricsLog log = MetricsLog.builder().csv(csv).jsonLines(jsonl).build()) {
            log.log(0, metrics("loss", 2.5, "acc", 0.1f, "tokens", 128));
            // Read while open: each record was flushed.
            assertEquals(List.of("step,loss,acc,tokens", "0,2.5,0.1,128"), lines(csv));
            assertEquals(1, lines(jsonl).size());

            log.log(10, metrics("loss", 1.0E-5, "acc", 0.5f, "tokens", 256L));
            log.log(20, metrics("loss", Double.NaN)); // acc and tokens missing: empty cells
            assertEquals(List.of("step,loss,acc,tokens", "0,2.5,0.1,128", "10,1.0E-5,0.5,256", "20,NaN,,"),
                    lines(csv));
            assertEquals(List.of("loss", "acc", "tokens"), log.csvColumns());

            List<String> json = lines(jsonl);
            assertEquals(3, json.size());
            assertEquals("{\"step\":0,\"loss\":2.5,\"acc\":0.1,\"tokens\":128}", json.get(0));
            JsonObject second = JsonParser.parseString(json.get(1)).getAsJsonObject();
            assertEquals(10, second.get("step").getAsLong());
            assertEquals(1.0E-5, second.get("loss").getAsDouble());
            assertEquals(256, second.get("tokens").getAsLong());
            assertEquals("{\"step\":20,\"loss\":NaN}", json.get(2));
            assertTrue(Double.isNaN(JsonParser.parseString(json.get(2)).getAsJsonObject().get("loss")
                    .getAsDouble()));
        }
    }

    @Test
    void aNewKeyAfterTheFirstRecordIsRejectedByNameAndWritesNothing() throws IOException {
        Path csv = dir.resolve("m.csv");
        Path jsonl = dir.resolve("m.jsonl");
        try (MetricsLog log = MetricsLog.builder().csv(csv).jsonLines(jsonl).build()) {
            log.log(1, metrics("loss", 1.0));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> log.log(2, metrics("loss", 0.9, "grad_norm", 3.0)));
            assertTrue(e.getMessage().contains("\"grad_norm\""), e.getMessage());
            assertTrue(e.getMessage().contains("step, loss"), e.getMessage());
            assertEquals(2, lines(csv).size());
            assertEquals(1, lines(jsonl).size(), "a rejected record is written nowhere");
            log.log(3, metrics("loss", 0.8));
            assertEquals("3,0.8", lines(csv).get(2));
        }
    }

    @Test
    void jsonLinesAloneAcceptsChangingKeys() throws IOException {
        Path jsonl = dir.resolve("only.jsonl");
        try (MetricsLog log = MetricsLog.builder().jsonLines(jsonl).build()) {
            log.log(1, metrics("loss", 1.0));
            log.log(2, metrics("val_loss", 2.0));
        }
        assertEquals(List.of("{\"step\":1,\"loss\":1.0}", "{\"step\":2,\"val_loss\":2.0}"), lines(jsonl));
    }

    @Test
    void rejectsReservedNullAndBlankKeysAndLogAfterClose() throws IOException {
        MetricsLog log = MetricsLog.builder().csv(dir.resolve("r.csv")).build();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> log.log(1, metrics("step", 1)));
        assertTrue(e.getMessage().contains("\"step\""), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> log.log(1, metrics(" ", 1)));
        Map<String, Number> withNull = new LinkedHashMap<>();
        withNull.put("loss", null);
        assertTrue(assertThrows(IllegalArgumentException.class, () -> log.log(1, withNull)).getMessage()
                .contains("\"loss\""));
        log.close();
        assertThrows(IllegalStateException.class, () -> log.log(2, metrics("loss", 1.0)));
        assertEquals(0, Files.size(dir.resolve("r.csv")));
    }

    @Test
    void quotesCsvHeadersThatNeedIt() throws IOException {
        Path csv = dir.resolve("q.csv");
        try (MetricsLog log = MetricsLog.builder().csv(csv).build()) {
            log.log(5, metrics("loss,train", 1, "say \"hi\"", 2));
        }
        assertEquals("step,\"loss,train\",\"say \"\"hi\"\"\"", lines(csv).get(0));
        assertEquals(List.of("step", "loss,train", "say \"hi\""), MetricsLog.parseCsvLine(lines(csv).get(0)));
    }

    @Test
    void appendKeepsTheExistingHeaderAndItsColumns() throws IOException {
        Path csv = dir.resolve("a.csv");
        try (MetricsLog log = MetricsLog.builder().csv(csv).build()) {
            log.log(1, metrics("loss", 1.0, "lr", 0.1));
        }
        try (MetricsLog log = MetricsLog.builder().csv(csv).append(true).build()) {
            assertEquals(List.of("loss", "lr"), log.csvColumns());
            log.log(2, metrics("lr", 0.05, "loss", 0.5)); // order of the map does not matter, the header's does
            assertThrows(IllegalArgumentException.class, () -> log.log(3, metrics("acc", 1.0)));
        }
        assertEquals(List.of("step,loss,lr", "1,1.0,0.1", "2,0.5,0.05"), lines(csv));
        // Without append the file starts over.
        try (MetricsLog log = MetricsLog.builder().csv(csv).build()) {
            log.log(1, metrics("acc", 1.0));
        }
        assertEquals(List.of("step,acc", "1,1.0"), lines(csv));
    }

    @Test
    void slf4jGetsOneInfoLinePerRecord() throws IOException {
        CapturingLogger logger = new CapturingLogger();
        try (MetricsLog log = MetricsLog.builder().slf4j(logger).build()) {
            log.log(120, metrics("loss", 0.0123456, "grad_norm", 1.5, "tokens", 4096));
            log.log(121, metrics());
        }
        assertEquals(List.of("INFO step=120 loss=0.01235 grad_norm=1.5 tokens=4096", "INFO step=121"),
                logger.lines);
        assertFalse(MetricsLog.builder().slf4j(false).build().csvColumns().iterator().hasNext());
    }

    /** Records formatted messages. */
    private static final class CapturingLogger extends LegacyAbstractLogger {
        final List<String> lines = new ArrayList<>();

        @Override
        protected String getFullyQualifiedCallerName() {
            return null;
        }

        @Override
        protected void handleNormalizedLoggingCall(Level level, Marker marker, String msg, Object[] args,
                Throwable throwable) {
            lines.add(level + " " + MessageFormatter.basicArrayFormat(msg, args));
        }

        @Override
        public boolean isTraceEnabled() {
            return true;
        }

        @Override
        public boolean isDebugEnabled() {
            return true;
        }

        @Override
        public boolean isInfoEnabled() {
            return true;
        }

        @Override
        public boolean isWarnEnabled() {
            return true;
        }

        @Override
        public boolean isErrorEnabled() {
            return true;
        }
    }
}
