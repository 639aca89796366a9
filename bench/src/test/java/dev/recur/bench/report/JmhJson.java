package dev.recur.bench.report;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Builds synthetic JMH JSON result files (the fields JMH 1.37 writes that the report reads). */
final class JmhJson {
    private final List<String> rows = new ArrayList<>();

    /** Adds a row whose iterations are all {@code value} ({@code unit}, e.g. ms/op). */
    JmhJson add(String benchmark, String mode, String unit, double value, String... params) {
        Map<String, String> p = new LinkedHashMap<>();
        for (int i = 0; i < params.length; i += 2) {
            p.put(params[i], params[i + 1]);
        }
        StringBuilder ps = new StringBuilder();
        p.forEach((k, v) -> ps.append(ps.length() == 0 ? "" : ", ").append('"').append(k).append("\": \"").append(v)
                .append('"'));
        String v = String.format(Locale.ROOT, "%.6f", value);
        rows.add(String.format(Locale.ROOT, """
                {
                    "jmhVersion" : "1.37",
                    "benchmark" : "%s",
                    "mode" : "%s",
                    "threads" : 1,
                    "forks" : 1,
                    "params" : { %s },
                    "primaryMetric" : {
                        "score" : %s,
                        "scoreError" : 0.0,
                        "scoreConfidence" : [ %s, %s ],
                        "scorePercentiles" : { "0.0" : %s, "50.0" : %s, "90.0" : %s, "100.0" : %s },
                        "scoreUnit" : "%s",
                        "rawData" : [ [ %s, %s, %s ] ]
                    },
                    "secondaryMetrics" : { }
                }""", benchmark, mode, ps, v, v, v, v, v, v, v, unit, v, v, v));
        return this;
    }

    /** A Recur benchmark row in ms/op (AverageTime). */
    JmhJson recur(String classMethod, double ms, String... params) {
        return add("dev.recur.bench." + classMethod, "avgt", "ms/op", ms, params);
    }

    void write(Path file) throws IOException {
        Files.writeString(file, "[\n" + String.join(",\n", rows) + "\n]\n");
    }
}
