package dev.recur.bench.report;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One row of a JMH JSON result file ({@code -rf json}), with every time converted to milliseconds per
 * operation: the mean ({@code score}) and its 99.9 % error, and the median, minimum and maximum of the
 * measurement iterations (JMH's {@code scorePercentiles}). Throughput rows are inverted (ms/op = 1 / (ops/ms)),
 * which swaps minimum and maximum.
 *
 * @param benchmark the full benchmark name, {@code package.Class.method}
 * @param mode      JMH's mode: avgt, ss, sample or thrpt
 * @param params    the {@code @Param} values
 * @param meanMs    the mean
 * @param errorMs   the 99.9 % confidence half-width of the mean (NaN when JMH had too few samples)
 * @param medianMs  the median of the measurement iterations (single shots in ss mode)
 * @param minMs     the fastest iteration
 * @param maxMs     the slowest iteration
 * @param samples   the number of measurement iterations or shots
 * @param file      the file it came from
 */
public record JmhResult(String benchmark, String mode, Map<String, String> params, double meanMs, double errorMs,
                        double medianMs, double minMs, double maxMs, long samples, String file) {

    /** {@code Class.method}. */
    public String shortName() {
        int m = benchmark.lastIndexOf('.');
        int c = benchmark.lastIndexOf('.', m - 1);
        return benchmark.substring(c + 1);
    }

    /** The simple class name. */
    public String className() {
        int m = benchmark.lastIndexOf('.');
        return benchmark.substring(benchmark.lastIndexOf('.', m - 1) + 1, m);
    }

    /** The method name. */
    public String method() {
        return benchmark.substring(benchmark.lastIndexOf('.') + 1);
    }

    /** A parameter's value, or null. */
    public String param(String name) {
        return params.get(name);
    }

    /** A parameter's value as an int. */
    public int intParam(String name) {
        String v = params.get(name);
        if (v == null) {
            throw new IllegalArgumentException(benchmark + " has no parameter " + name + " (has " + params + ")");
        }
        return Integer.parseInt(v.trim());
    }

    /** Every row of a JMH JSON file. */
    public static List<JmhResult> read(Path path) throws IOException {
        JsonElement root = JsonParser.parseString(Files.readString(path));
        List<JmhResult> out = new ArrayList<>();
        if (!root.isJsonArray()) {
            throw new IOException(path + ": expected a JMH JSON array of results");
        }
        for (JsonElement e : root.getAsJsonArray()) {
            out.add(parse(e.getAsJsonObject(), path.getFileName().toString()));
        }
        return out;
    }

    static JmhResult parse(JsonObject r, String file) {
        String bench = r.get("benchmark").getAsString();
        String mode = r.has("mode") ? r.get("mode").getAsString() : "avgt";
        Map<String, String> params = new LinkedHashMap<>();
        if (r.has("params") && r.get("params").isJsonObject()) {
            for (Map.Entry<String, JsonElement> p : r.getAsJsonObject("params").entrySet()) {
                params.put(p.getKey(), p.getValue().getAsString());
            }
        }
        JsonObject pm = r.getAsJsonObject("primaryMetric");
        String unit = pm.get("scoreUnit").getAsString();
        double score = number(pm.get("score"));
        double error = pm.has("scoreError") ? number(pm.get("scoreError")) : Double.NaN;
        double median = score;
        double min = score;
        double max = score;
        if (pm.has("scorePercentiles")) {
            JsonObject pct = pm.getAsJsonObject("scorePercentiles");
            median = pct.has("50.0") ? number(pct.get("50.0")) : score;
            min = pct.has("0.0") ? number(pct.get("0.0")) : score;
            max = pct.has("100.0") ? number(pct.get("100.0")) : score;
        }
        long samples = 0;
        if (pm.has("rawData")) {
            for (JsonElement fork : pm.getAsJsonArray("rawData")) {
                samples += fork.getAsJsonArray().size();
            }
        }
        if (unit.startsWith("ops/")) {
            double perMs = msPer(unit.substring(4), bench);
            // x ops per unit -> 1 / (x / perMs) ms per op
            return new JmhResult(bench, mode, Collections.unmodifiableMap(params), perMs / score,
                    Double.isNaN(error) ? Double.NaN : perMs * error / (score * score), perMs / median, perMs / max,
                    perMs / min, samples, file);
        }
        if (!unit.endsWith("/op")) {
            throw new IllegalArgumentException(bench + ": unsupported score unit " + unit);
        }
        double f = msPer(unit.substring(0, unit.length() - 3), bench);
        return new JmhResult(bench, mode, Collections.unmodifiableMap(params), score * f, error * f, median * f,
                min * f, max * f, samples, file);
    }

    private static double number(JsonElement e) {
        if (e == null || e.isJsonNull()) {
            return Double.NaN;
        }
        String s = e.getAsString();
        return s.equals("NaN") ? Double.NaN : Double.parseDouble(s);
    }

    /** Milliseconds in one time unit as JMH writes it. */
    private static double msPer(String unit, String bench) {
        return switch (unit.toLowerCase(Locale.ROOT)) {
            case "ns" -> 1e-6;
            case "us" -> 1e-3;
            case "ms" -> 1;
            case "s" -> 1e3;
            case "min" -> 60e3;
            default -> throw new IllegalArgumentException(bench + ": unsupported time unit " + unit);
        };
    }
}
