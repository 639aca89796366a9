package dev.recur.report;

import com.google.gson.Strictness;
import com.google.gson.stream.JsonWriter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Per-step metrics of a run, written to any of: SLF4J (one INFO line per record), a CSV file and a JSON-lines
 * file.
 *
 * <pre>{@code
 * try (MetricsLog log = MetricsLog.builder().csv(dir.resolve("metrics.csv"))
 *         .jsonLines(dir.resolve("metrics.jsonl")).slf4j(true).build()) {
 *     log.log(step, Map.of("loss", loss, "grad_norm", norm));
 * }
 * }</pre>
 *
 * <ul>
 *   <li><b>SLF4J</b>: {@code step=120 loss=0.01234 grad_norm=1.5} at INFO on the logger
 *       {@code dev.recur.report.MetricsLog} (or the one given), values shortened to about 4 digits.</li>
 *   <li><b>CSV</b>: the header is {@code step} followed by the first record's keys in its map's iteration order
 *       (pass a {@link java.util.LinkedHashMap} to choose it); the columns are then fixed: a later record may
 *       omit a key (empty cell) but a new key throws {@link IllegalArgumentException} naming it, and nothing of
 *       that record is written anywhere. Fields with a comma, quote or line break are quoted (RFC 4180).</li>
 *   <li><b>JSON lines</b>: one object per line, {@code {"step":120,"loss":0.01234,"grad_norm":1.5}}; keys may
 *       change from record to record.</li>
 * </ul>
 * Values keep full precision in files: integral types as integers, {@code Float} via {@link Float#toString},
 * others via {@link Double#toString} ({@code 1.0E-5}). Non-finite values are written as {@code NaN},
 * {@code Infinity} and {@code -Infinity} in both files (as Python's {@code json} module and pandas read them; a
 * diverged loss stays visible). Both files are flushed after every record, so a killed process keeps every
 * record it logged (they are not fsynced: a power cut may lose the last ones). Files are created with their
 * folders and truncated, unless {@linkplain Builder#append appending}. Thread-safe.
 */
public final class MetricsLog implements AutoCloseable {
    private static final String STEP = "step";

    private final Logger logger;
    private final Path csvPath;
    private final Path jsonPath;
    private Writer csv;
    private Writer json;
    /** The CSV columns after {@code step}, fixed by the first record (or an existing file's header). */
    private List<String> columns;
    private boolean closed;

    private MetricsLog(Builder b) throws IOException {
        this.logger = b.logger;
        this.csvPath = b.csv;
        this.jsonPath = b.json;
        try {
            if (b.csv != null) {
                if (b.append && Files.isRegularFile(b.csv) && Files.size(b.csv) > 0) {
                    this.columns = readHeader(b.csv);
                }
                this.csv = open(b.csv, b.append);
            }
            if (b.json != null) {
                this.json = open(b.json, b.append);
            }
        } catch (IOException | RuntimeException e) {
            closeQuietly(e);
            throw e;
        }
    }

    /** A builder with no output chosen; pick any of {@code csv}, {@code jsonLines} and {@code slf4j}. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Writes one record to every output chosen, then flushes the files.
     *
     * @param step   the training step (or epoch, or any increasing counter), the first field of each record
     * @param values metric name → value, in the order they should appear; no null key or value, no key
     *               {@code "step"}
     * @throws IllegalArgumentException when a key is null, blank or {@code "step"}, a value is null, or (with a
     *                                  CSV file) a key is not one of the columns fixed by the first record
     * @throws IllegalStateException    after {@link #close()}
     * @throws UncheckedIOException     when a file cannot be written
     */
    public synchronized void log(long step, Map<String, ? extends Number> values) {
        Objects.requireNonNull(values, "values");
        if (closed) {
            throw new IllegalStateException("metrics log: log() after close()");
        }
        for (Map.Entry<String, ? extends Number> e : values.entrySet()) {
            String key = e.getKey();
            if (key == null || key.isBlank()) {
                throw new IllegalArgumentException("metrics log, step " + step + ": metric name must not be "
                        + (key == null ? "null" : "blank"));
            }
            if (key.equals(STEP)) {
                throw new IllegalArgumentException("metrics log, step " + step + ": metric name \"step\" is "
                        + "reserved for the step column");
            }
            if (e.getValue() == null) {
                throw new IllegalArgumentException("metrics log, step " + step + ": metric \"" + key
                        + "\" is null");
            }
        }
        if (csv != null && columns != null) {
            for (String key : values.keySet()) {
                if (!columns.contains(key)) {
                    throw new IllegalArgumentException("metrics log, step " + step + ": new metric \"" + key
                            + "\" is not a column of " + csvPath + " (the columns are fixed by the first record: "
                            + STEP + ", " + String.join(", ", columns) + ")");
                }
            }
        }
        if (logger != null && logger.isInfoEnabled()) {
            String kv = Numbers.keyValues(values);
            logger.info("{}={}{}{}", STEP, step, kv.isEmpty() ? "" : " ", kv);
        }
        try {
            if (csv != null) {
                writeCsv(step, values);
            }
            if (json != null) {
                writeJson(step, values);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("metrics log: cannot write step " + step + ": " + e.getMessage(), e);
        }
    }

    /** The CSV columns after {@code step}; empty until the first record (or an appended file's header). */
    public synchronized List<String> csvColumns() {
        return columns == null ? List.of() : Collections.unmodifiableList(columns);
    }

    /** Closes the files. Idempotent. */
    @Override
    public synchronized void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        IOException first = null;
        for (Writer w : new Writer[] {csv, json}) {
            if (w == null) {
                continue;
            }
            try {
                w.close();
            } catch (IOException e) {
                if (first == null) {
                    first = e;
                } else {
                    first.addSuppressed(e);
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }

    private void writeCsv(long step, Map<String, ? extends Number> values) throws IOException {
        StringBuilder sb = new StringBuilder();
        if (columns == null) {
            columns = new ArrayList<>(values.keySet());
            sb.append(STEP);
            for (String c : columns) {
                sb.append(',').append(csvField(c));
            }
            sb.append('\n');
        }
        sb.append(step);
        for (String c : columns) {
            sb.append(',');
            Number v = values.get(c);
            if (v != null) {
                sb.append(Numbers.exact(v));
            }
        }
        sb.append('\n');
        csv.write(sb.toString());
        csv.flush();
    }

    private void writeJson(long step, Map<String, ? extends Number> values) throws IOException {
        StringWriter sw = new StringWriter();
        JsonWriter w = new JsonWriter(sw);
        w.setStrictness(Strictness.LENIENT); // NaN and Infinity, as Python's json module writes and reads them
        w.setHtmlSafe(false);
        w.beginObject().name(STEP).value(step);
        for (Map.Entry<String, ? extends Number> e : values.entrySet()) {
            Number v = e.getValue();
            w.name(e.getKey());
            if (Numbers.isIntegral(v)) {
                w.value(v.longValue());
            } else if (v instanceof Float f) {
                w.jsonValue(Float.toString(f));
            } else if (v instanceof java.math.BigDecimal b) {
                w.jsonValue(b.toString());
            } else {
                w.value(v.doubleValue());
            }
        }
        w.endObject();
        w.flush();
        json.write(sw.toString());
        json.write('\n');
        json.flush();
    }

    static String csvField(String s) {
        if (s.indexOf(',') < 0 && s.indexOf('"') < 0 && s.indexOf('\n') < 0 && s.indexOf('\r') < 0) {
            return s;
        }
        return '"' + s.replace("\"", "\"\"") + '"';
    }

    /** The columns after {@code step} in an existing CSV file's first line. */
    private static List<String> readHeader(Path path) throws IOException {
        String header;
        try (BufferedReader r = Files.newBufferedReader(path, StandardCharsets.UTF_8)) {
            header = r.readLine();
        }
        List<String> fields = parseCsvLine(header == null ? "" : header);
        if (fields.isEmpty() || !fields.get(0).equals(STEP)) {
            throw new IllegalArgumentException("metrics log: cannot append to " + path + ": its first line should "
                    + "be a header starting with \"step\", found \"" + header + "\"");
        }
        return new ArrayList<>(new LinkedHashSet<>(fields.subList(1, fields.size())));
    }

    /** Splits one CSV line (RFC 4180 quoting, no line breaks inside fields). */
    static List<String> parseCsvLine(String line) {
        List<String> out = new ArrayList<>();
        StringBuilder field = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (quoted) {
                if (c == '"') {
                    if (i + 1 < line.length() && line.charAt(i + 1) == '"') {
                        field.append('"');
                        i++;
                    } else {
                        quoted = false;
                    }
                } else {
                    field.append(c);
                }
            } else if (c == '"') {
                quoted = true;
            } else if (c == ',') {
                out.add(field.toString());
                field.setLength(0);
            } else {
                field.append(c);
            }
        }
        out.add(field.toString());
        return out;
    }

    private static Writer open(Path path, boolean append) throws IOException {
        Path parent = path.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        return Files.newBufferedWriter(path, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                StandardOpenOption.WRITE, append ? StandardOpenOption.APPEND : StandardOpenOption.TRUNCATE_EXISTING);
    }

    private void closeQuietly(Exception cause) {
        for (Writer w : new Writer[] {csv, json}) {
            if (w != null) {
                try {
                    w.close();
                } catch (IOException e) {
                    cause.addSuppressed(e);
                }
            }
        }
    }

    /** Options for a {@link MetricsLog}. */
    public static final class Builder {
        private Path csv;
        private Path json;
        private Logger logger;
        private boolean append;

        private Builder() {
        }

        /** Also write a CSV file at {@code path}. */
        public Builder csv(Path path) {
            this.csv = Objects.requireNonNull(path, "path");
            return this;
        }

        /** Also write a JSON-lines file at {@code path}. */
        public Builder jsonLines(Path path) {
            this.json = Objects.requireNonNull(path, "path");
            return this;
        }

        /** Whether to log each record at INFO on the logger {@code dev.recur.report.MetricsLog}; off by default. */
        public Builder slf4j(boolean enabled) {
            this.logger = enabled ? LoggerFactory.getLogger(MetricsLog.class) : null;
            return this;
        }

        /** Log each record at INFO on {@code logger}. */
        public Builder slf4j(Logger logger) {
            this.logger = Objects.requireNonNull(logger, "logger");
            return this;
        }

        /**
         * Append to existing files instead of truncating them (a resumed run); a non-empty CSV file's header
         * fixes the columns. Off by default.
         */
        public Builder append(boolean append) {
            this.append = append;
            return this;
        }

        /**
         * Opens the files. With no output chosen the log accepts records and writes nothing.
         *
         * @throws UncheckedIOException when a file cannot be created
         */
        public MetricsLog build() {
            if (csv != null && json != null && csv.toAbsolutePath().normalize()
                    .equals(json.toAbsolutePath().normalize())) {
                throw new IllegalArgumentException("metrics log: the CSV and JSON-lines files are the same: " + csv);
            }
            try {
                return new MetricsLog(this);
            } catch (IOException e) {
                throw new UncheckedIOException("metrics log: cannot open its files: " + e.getMessage(), e);
            }
        }
    }
}
