package dev.recur.bench;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Turns a JMH JSON result file ({@code -rf json -rff FILE}) of these benchmarks into a Markdown table with
 * the FLOP count and GFLOP/s of each row, computed from the measured mean time:
 * {@code java -cp bench/target/benchmarks.jar dev.recur.bench.BenchReport FILE}.
 *
 * <p>FLOPs: LSTM forward {@code 2 T B 4H (I + H)}, forward + backward 3x that (PERFORMANCE.md's count);
 * sgemm {@code 2 M N K}.
 */
public final class BenchReport {
    private BenchReport() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length != 1) {
            System.err.println("usage: BenchReport JMH_RESULT.json");
            System.exit(2);
        }
        JsonArray results = JsonParser.parseString(Files.readString(Path.of(args[0]))).getAsJsonArray();
        System.out.println("| benchmark | params | mean ± 99.9% CI (ms/op) | median of iterations (ms/op) "
                + "| min–max of iterations (ms/op) | FLOPs/op | GFLOP/s (mean) |");
        System.out.println("|---|---|---|---|---|---|---|");
        for (JsonElement e : results) {
            JsonObject r = e.getAsJsonObject();
            String bench = r.get("benchmark").getAsString();
            String shortName = bench.substring(bench.lastIndexOf('.', bench.lastIndexOf('.') - 1) + 1);
            String shape = r.has("params") && r.getAsJsonObject("params").has("shape")
                    ? r.getAsJsonObject("params").get("shape").getAsString() : "";
            JsonObject pm = r.getAsJsonObject("primaryMetric");
            if (!pm.get("scoreUnit").getAsString().equals("ms/op")) {
                throw new IllegalArgumentException("expected ms/op, got " + pm.get("scoreUnit") + " for " + bench);
            }
            double score = pm.get("score").getAsDouble();
            double error = pm.get("scoreError").getAsDouble();
            JsonObject pct = pm.getAsJsonObject("scorePercentiles");
            double median = pct.get("50.0").getAsDouble();
            double min = pct.get("0.0").getAsDouble();
            double max = pct.get("100.0").getAsDouble();
            double flops = flops(shortName, shape);
            System.out.printf(Locale.ROOT, "| %s | %s | %s ± %s | %s | %s–%s | %.4g | %.1f |%n", shortName, shape,
                    fmt(score), Double.isNaN(error) ? "NaN" : fmt(error), fmt(median), fmt(min), fmt(max), flops,
                    flops / (score * 1e-3) / 1e9);
        }
    }

    /** FLOPs of one op of a benchmark ({@code Class.method}) at a shape parameter. */
    static double flops(String benchmark, String shape) {
        switch (benchmark) {
            case "LstmForwardBench.forward" -> {
                int[] s = BenchShapes.lstm(shape);
                return BenchShapes.lstmForwardFlops(s[0], s[1], s[2], s[3]);
            }
            case "LstmForwardBench.forwardBackward" -> {
                int[] s = BenchShapes.lstm(shape);
                return 3 * BenchShapes.lstmForwardFlops(s[0], s[1], s[2], s[3]);
            }
            case "SgemmBench.gemm" -> {
                int[] s = SgemmBench.mnk(shape);
                return 2.0 * s[0] * s[1] * s[2];
            }
            default -> {
                if (benchmark.startsWith("MemoryRepresentationBench.")) {
                    return 2.0 * MemoryRepresentationBench.M * MemoryRepresentationBench.N
                            * MemoryRepresentationBench.K;
                }
                throw new IllegalArgumentException("no FLOP count for " + benchmark);
            }
        }
    }

    /** Four significant digits, without exponent notation for the ranges here. */
    private static String fmt(double ms) {
        if (ms >= 100) {
            return String.format(Locale.ROOT, "%.1f", ms);
        }
        if (ms >= 1) {
            return String.format(Locale.ROOT, "%.3f", ms);
        }
        return String.format(Locale.ROOT, "%.4g", ms);
    }
}
