package dev.recur.bench.report;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Rebuilds a JMH JSON result file from JMH's human-readable log when the run was stopped before JMH wrote its
 * JSON (JMH writes it only at the very end): every configuration whose "Result" block was printed is kept,
 * with its measurement iterations as raw data; the unfinished one is dropped. Average-time and single-shot
 * logs only.
 */
public final class JmhLogSalvage {
    private static final Pattern BENCH = Pattern.compile("^# Benchmark: (\\S+)");
    private static final Pattern MODE = Pattern.compile("^# Benchmark mode: (.*)");
    private static final Pattern PARAMS = Pattern.compile("^# Parameters: \\((.*)\\)");
    private static final Pattern ITER = Pattern.compile("^Iteration\\s+\\d+: ([0-9.,]+|≈ 0|NaN) (\\S+/op)");
    private static final Pattern RESULT = Pattern.compile("^Result \"(\\S+)\":");

    private JmhLogSalvage() {
    }

    /**
     * Writes the completed configurations of {@code log} to {@code json} in JMH's JSON format.
     *
     * @return how many configurations were recovered (0: nothing written)
     */
    public static int salvage(Path log, Path json) throws IOException {
        if (!Files.exists(log)) {
            return 0;
        }
        List<String> rows = new ArrayList<>();
        String bench = null;
        String mode = "avgt";
        Map<String, String> params = new LinkedHashMap<>();
        List<Double> iters = new ArrayList<>();
        String unit = null;
        for (String line : Files.readAllLines(log)) {
            Matcher m;
            if ((m = BENCH.matcher(line)).find()) {
                bench = m.group(1);
                iters.clear();
                params.clear();
            } else if ((m = MODE.matcher(line)).find()) {
                mode = m.group(1).startsWith("Single shot") ? "ss" : m.group(1).startsWith("Average") ? "avgt"
                        : m.group(1).startsWith("Sampling") ? "sample" : "thrpt";
            } else if ((m = PARAMS.matcher(line)).find()) {
                params.clear();
                for (String kv : m.group(1).split(",\\s*")) {
                    int eq = kv.indexOf(" = ");
                    if (eq > 0) {
                        params.put(kv.substring(0, eq).trim(), kv.substring(eq + 3).trim());
                    }
                }
            } else if ((m = ITER.matcher(line)).find()) {
                String v = m.group(1).replace(",", "");
                iters.add(v.startsWith("≈") ? 0 : Double.parseDouble(v));
                unit = m.group(2);
            } else if ((m = RESULT.matcher(line)).find() && bench != null && m.group(1).equals(bench)
                    && !iters.isEmpty() && !mode.equals("thrpt")) {
                rows.add(row(bench, mode, params, iters, unit));
                iters.clear();
            }
        }
        if (rows.isEmpty()) {
            return 0;
        }
        Files.writeString(json, "[\n" + String.join(",\n", rows) + "\n]\n");
        return rows.size();
    }

    private static String row(String bench, String mode, Map<String, String> params, List<Double> iters,
                              String unit) {
        double[] v = iters.stream().mapToDouble(Double::doubleValue).toArray();
        double[] sorted = v.clone();
        Arrays.sort(sorted);
        int n = sorted.length;
        double median = n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
        double mean = Arrays.stream(v).average().orElse(Double.NaN);
        StringBuilder ps = new StringBuilder();
        params.forEach((k, val) -> ps.append(ps.length() == 0 ? "" : ", ").append('"').append(k).append("\" : \"")
                .append(val).append('"'));
        StringBuilder raw = new StringBuilder();
        for (double x : v) {
            raw.append(raw.length() == 0 ? "" : ", ").append(num(x));
        }
        return String.format(Locale.ROOT, "  {%n    \"jmhVersion\" : \"1.37\",%n    \"benchmark\" : \"%s\",%n"
                + "    \"mode\" : \"%s\",%n    \"salvagedFromLog\" : true,%n    \"params\" : { %s },%n"
                + "    \"primaryMetric\" : {%n      \"score\" : %s,%n      \"scoreError\" : \"NaN\",%n"
                + "      \"scorePercentiles\" : { \"0.0\" : %s, \"50.0\" : %s, \"100.0\" : %s },%n"
                + "      \"scoreUnit\" : \"%s\",%n      \"rawData\" : [ [ %s ] ]%n    }%n  }", bench, mode, ps,
                num(mean), num(sorted[0]), num(median), num(sorted[n - 1]), unit, raw);
    }

    private static String num(double x) {
        return String.format(Locale.ROOT, "%.6g", x);
    }
}
