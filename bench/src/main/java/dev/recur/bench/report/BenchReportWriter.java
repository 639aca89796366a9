package dev.recur.bench.report;

import dev.recur.bench.BenchShapes;
import dev.recur.examples.chart.BarChart;
import dev.recur.examples.chart.Chart;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * Writes {@code report.md} and its charts (PNG and SVG) from the JMH JSON files in a report folder: Recur's
 * rows ({@code dev.recur.bench.*}, any {@code *.json}) and the peers' ({@code dev.recur.peers.<peer>.*}, by
 * convention in {@code peer-<peer>.json}), plus {@link RunInfo}. Every number and every comparison sentence is
 * computed from those files: times are medians of the measurement iterations, ratios compare medians of the
 * same run, crossovers come from {@link Crossover}.
 *
 * <pre>java -cp bench/target/benchmarks.jar dev.recur.bench.report.BenchReportWriter DIR</pre>
 */
public final class BenchReportWriter {
    /** The note when no peer results are in the folder. */
    public static final String PEERS_NOT_RUN =
            "peers not run: build them with `mvn -B -Ppeers package -DskipTests`";
    /** The peers this project benchmarks, by package name. */
    public static final List<String> KNOWN_PEERS = List.of("torch", "dl4j", "ort");
    private static final Map<String, String> PEER_NAMES = Map.of("torch", "libtorch", "dl4j", "DL4J", "ort",
            "ONNX Runtime");
    private static final int PNG_W = 900;
    private static final int PNG_H = 600;

    private final Path dir;
    private final RunInfo info;
    private final List<JmhResult> recur = new ArrayList<>();
    private final Map<String, List<JmhResult>> peers = new TreeMap<>();
    private final List<String> files = new ArrayList<>();
    private final List<String> summary = new ArrayList<>();
    private final List<String> chartFiles = new ArrayList<>();
    private final StringBuilder body = new StringBuilder();

    private BenchReportWriter(Path dir, RunInfo info) {
        this.dir = dir;
        this.info = info;
    }

    /** Regenerates the report of a folder: {@code BenchReportWriter DIR}. */
    public static void main(String[] args) throws IOException {
        if (args.length != 1) {
            System.err.println("usage: BenchReportWriter REPORT_DIR");
            System.exit(2);
        }
        Path dir = Path.of(args[0]);
        System.out.println(write(dir, RunInfo.load(dir)));
    }

    /**
     * Reads every JMH JSON file of {@code dir} and writes {@code dir/report.md} and the charts.
     *
     * @return the report's path
     */
    public static Path write(Path dir, RunInfo info) throws IOException {
        BenchReportWriter w = new BenchReportWriter(dir, info);
        w.read();
        return w.writeReport();
    }

    // ---------------------------------------------------------------- reading

    private void read() throws IOException {
        List<Path> jsons = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, "*.json")) {
            ds.forEach(jsons::add);
        }
        jsons.sort(Comparator.comparing(Path::toString));
        for (Path p : jsons) {
            if (p.getFileName().toString().equals(RunInfo.FILE)) {
                continue;
            }
            List<JmhResult> rows;
            try {
                rows = JmhResult.read(p);
            } catch (IOException | RuntimeException e) {
                files.add(p.getFileName() + " (unreadable: " + e.getMessage() + ")");
                continue;
            }
            files.add(p.getFileName() + " (" + rows.size() + (rows.size() == 1 ? " result)" : " results)"));
            for (JmhResult r : rows) {
                String peer = peerOf(r.benchmark());
                if (peer != null) {
                    peers.computeIfAbsent(peer, k -> new ArrayList<>()).add(r);
                } else if (r.benchmark().startsWith("dev.recur.bench.")) {
                    recur.add(r);
                }
            }
        }
    }

    /** The peer of {@code dev.recur.peers.<peer>.<Peer>Bench.method}, or null. */
    static String peerOf(String benchmark) {
        String prefix = "dev.recur.peers.";
        if (!benchmark.startsWith(prefix)) {
            return null;
        }
        int dot = benchmark.indexOf('.', prefix.length());
        return dot < 0 ? null : benchmark.substring(prefix.length(), dot);
    }

    static String peerName(String peer) {
        return PEER_NAMES.getOrDefault(peer, peer);
    }

    private List<JmhResult> rows(String className, String method) {
        return recur.stream().filter(r -> r.className().equals(className) && r.method().equals(method))
                .collect(Collectors.toList());
    }

    // ---------------------------------------------------------------- writing

    private Path writeReport() throws IOException {
        Files.createDirectories(dir);
        sequenceFamily("ForwardBench", "forward", "1. Full-sequence forward", "forward", "Forward");
        throughput();
        sequenceFamily("TrainBench", "step", "2. Training step (forward, backward, Adam update)", "training step",
                "Training step");
        generation();
        varlen();
        peerTable();
        ceiling();
        parameterCounts();
        appendix();

        StringBuilder md = new StringBuilder();
        md.append("# Recur benchmark report\n\n");
        header(md);
        md.append("## Summary\n\n");
        md.append("Every sentence here and below is computed from this run's results: times are medians of the "
                + "measurement iterations, ratios compare medians from the same run.\n\n");
        if (summary.isEmpty()) {
            md.append("- No results in this folder.\n");
        }
        for (String s : summary) {
            md.append("- ").append(s).append('\n');
        }
        md.append('\n').append(body);
        Path report = dir.resolve("report.md");
        Files.writeString(report, md.toString(), StandardCharsets.UTF_8);
        return report;
    }

    private void header(StringBuilder md) {
        String when = info.started.isEmpty() ? "" : info.started;
        md.append(String.format(Locale.ROOT, "Run %s%s, %s mode%s. Backend: **%s**.%n%n", when,
                info.seconds > 0 ? String.format(Locale.ROOT, " (%s%s)", duration(info.seconds),
                        info.lockWaitSeconds >= 1 ? ", of which " + duration(info.lockWaitSeconds)
                                + " waiting for another JMH run to finish" : "") : "",
                info.quick ? "quick" : "full",
                info.command.isEmpty() ? "" : " (`" + info.command + "`)", info.backend));
        md.append("| machine | |\n|---|---|\n");
        row(md, "CPU", info.cpuModel + (info.logicalCpus > 0 ? ", " + info.logicalCpus + " logical CPUs" : ""));
        row(md, "memory", info.memory);
        row(md, "OS", info.os);
        row(md, "Java", info.java);
        row(md, "load average (1, 5, 15 min)", (info.loadBefore.isEmpty() ? "" : "before: " + info.loadBefore)
                + (info.loadAfter.isEmpty() ? "" : "; after: " + info.loadAfter));
        row(md, "commit", info.commit);
        for (String s : info.settings) {
            int colon = s.indexOf(':');
            row(md, colon > 0 ? s.substring(0, colon) : "JMH", colon > 0 ? s.substring(colon + 1).trim() : s);
        }
        md.append('\n');
        if (!info.backendDescription.isBlank()) {
            md.append("Backend (`Backends.describe()`):\n\n```\n").append(info.backendDescription.strip())
                    .append("\n```\n\n");
        }
        md.append("The machine may be shared: only ratios within this run mean much. Spreads (min–max of the "
                + "iterations) are in the appendix.\n\n");
        if (info.quick) {
            md.append("Quick mode: fewer shapes, short warm-up and iterations — it checks the whole pipeline and gives "
                    + "orders of magnitude; rankings within about 2× can flip between quick runs. `./recur bench` "
                    + "(full) measures every shape with longer iterations.\n\n");
        }
    }

    private static void row(StringBuilder md, String k, String v) {
        if (v != null && !v.isBlank()) {
            md.append("| ").append(k).append(" | ").append(v.replace("|", "\\|")).append(" |\n");
        }
    }

    // ---------------------------------------------------------------- families 1 and 2

    private record Group(int hidden, String match, int batch) {
    }

    /** Times of one sequence family: group → model → T → median ms. */
    private Map<Group, Map<String, TreeMap<Integer, Double>>> sequenceData(String cls, String method) {
        Map<Group, Map<String, TreeMap<Integer, Double>>> data = new TreeMap<>(Comparator
                .comparingInt(Group::hidden).thenComparing(Group::match, Comparator.reverseOrder())
                .thenComparingInt(Group::batch));
        for (JmhResult r : rows(cls, method)) {
            Group g = new Group(r.intParam("hidden"), r.param("match"), r.intParam("batch"));
            data.computeIfAbsent(g, k -> new LinkedHashMap<>())
                    .computeIfAbsent(r.param("model"), k -> new TreeMap<>()).put(r.intParam("steps"), r.medianMs());
        }
        // The LSTM is the reference of the "params" sizing: it is the same model as at "width".
        for (Map.Entry<Group, Map<String, TreeMap<Integer, Double>>> e : data.entrySet()) {
            Group g = e.getKey();
            if (g.match().equals("params") && !e.getValue().containsKey("lstm")) {
                Map<String, TreeMap<Integer, Double>> width = data.get(new Group(g.hidden(), "width", g.batch()));
                if (width != null && width.containsKey("lstm")) {
                    e.getValue().put("lstm", width.get("lstm"));
                }
            }
        }
        return data;
    }

    private void sequenceFamily(String cls, String method, String title, String what, String whatCap)
            throws IOException {
        body.append("## ").append(title).append("\n\n");
        Map<Group, Map<String, TreeMap<Integer, Double>>> data = sequenceData(cls, method);
        if (data.isEmpty()) {
            body.append("No results in this run.\n\n");
            summary.add(whatCap + ": no results in this run.");
            return;
        }
        body.append(cls.equals("ForwardBench")
                ? "One inference call over a dense batch of B sequences of T steps (grad mode off). "
                : "One step: zero the gradients, forward on a tape, MSE loss against a fixed target, backward, "
                        + "one Adam update. ");
        body.append("Models: tanh RNN, LSTM and GRU (one layer, I = H = w), one transformer encoder layer (d_model = "
                + "w, 4 heads, feed-forward 4w, dropout 0, post-norm) and multi-head attention alone (E = w, 4 heads). "
                + "Sizing: *width* — every model at w = H; *params* — every model at the width whose parameter "
                + "count is closest to the LSTM's at H (8H² + 8H), multiples of 4 for the attention models "
                + "(widths and counts in the parameter table below). Median ms per op.\n\n");
        List<String[]> crossRows = new ArrayList<>();
        List<String> crossHeads = new ArrayList<>();
        for (Map.Entry<Group, Map<String, TreeMap<Integer, Double>>> e : data.entrySet()) {
            Group g = e.getKey();
            Map<String, TreeMap<Integer, Double>> byModel = e.getValue();
            List<String> models = BenchShapes.MODELS.stream().filter(byModel::containsKey).toList();
            TreeSet<Integer> ts = new TreeSet<>();
            byModel.values().forEach(m -> ts.addAll(m.keySet()));
            String groupName = String.format(Locale.ROOT, "B = %d, %s", g.batch(), sizing(g.match(), g.hidden()));
            body.append("### ").append(whatCap).append(", ").append(groupName).append("\n\n");
            body.append("| T |");
            for (String m : models) {
                body.append(' ').append(label(m)).append(" (w=").append(BenchShapes.width(m, g.match(), g.hidden()))
                        .append(") |");
            }
            body.append("\n|---|").append("---|".repeat(models.size())).append('\n');
            for (int t : ts) {
                body.append("| ").append(t).append(" |");
                for (String m : models) {
                    Double v = byModel.get(m).get(t);
                    body.append(' ').append(v == null ? "—" : ms(v)).append(" |");
                }
                body.append('\n');
            }
            body.append('\n');
            String base = String.format(Locale.ROOT, "%s-b%d-%s-h%d", cls.equals("ForwardBench") ? "forward" : "train",
                    g.batch(), g.match(), g.hidden());
            Chart chart = Chart.line(whatCap + " latency vs T, " + groupName).xLabel("T (steps)").yLabel("ms (median)")
                    .logX().logY().markers();
            for (String m : models) {
                TreeMap<Integer, Double> s = byModel.get(m);
                chart.series(label(m) + " (w=" + BenchShapes.width(m, g.match(), g.hidden()) + ")",
                        s.keySet().stream().mapToDouble(Integer::doubleValue).toArray(),
                        s.values().stream().mapToDouble(Double::doubleValue).toArray());
            }
            chart(chart, base, "latency vs T, log-log");

            // Crossovers: every recurrent model against each attention model.
            crossHeads.add(groupName);
            int col = crossHeads.size() - 1;
            for (String rm : List.of("lstm", "gru", "rnn")) {
                for (String am : List.of("transformer", "attention")) {
                    String key = label(am) + " vs " + label(rm);
                    String[] rowCells = crossRows.stream().filter(r -> r[0].equals(key)).findFirst().orElse(null);
                    if (rowCells == null) {
                        rowCells = new String[1 + data.size()];
                        java.util.Arrays.fill(rowCells, "—");
                        rowCells[0] = key;
                        crossRows.add(rowCells);
                    }
                    if (!byModel.containsKey(rm) || !byModel.containsKey(am)) {
                        continue;
                    }
                    Crossover c = cross(byModel.get(am), byModel.get(rm));
                    rowCells[1 + col] = c.cell(label(am), label(rm), "T");
                    if (rm.equals("lstm")) {
                        String s = capitalize(groupName) + ": " + c.sentence(possessive(am) + " " + what,
                                possessive(am), possessive(rm) + " " + what, possessive(rm), "T",
                                BenchReportWriter::msUnit) + ".";
                        body.append(s).append("\n\n");
                        if (am.equals("transformer")) {
                            summary.add(whatCap + ", " + s);
                        }
                    }
                }
            }
        }
        body.append("Where each attention model is faster than each recurrent one (").append(what)
                .append(", by T):\n\n| pair |");
        crossHeads.forEach(h -> body.append(' ').append(h).append(" |"));
        body.append("\n|---|").append("---|".repeat(crossHeads.size())).append('\n');
        for (String[] r : crossRows) {
            body.append("| ").append(String.join(" | ", r)).append(" |\n");
        }
        body.append('\n');
    }

    private static Crossover cross(TreeMap<Integer, Double> a, TreeMap<Integer, Double> b) {
        TreeSet<Integer> xs = new TreeSet<>(a.keySet());
        xs.addAll(b.keySet());
        int[] x = xs.stream().mapToInt(Integer::intValue).toArray();
        double[] av = new double[x.length];
        double[] bv = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            av[i] = a.getOrDefault(x[i], Double.NaN);
            bv[i] = b.getOrDefault(x[i], Double.NaN);
        }
        return Crossover.of(x, av, bv);
    }

    // ---------------------------------------------------------------- throughput vs batch

    private void throughput() throws IOException {
        Map<Group, Map<String, TreeMap<Integer, Double>>> data = sequenceData("ForwardBench", "forward");
        // hidden -> model -> T -> B -> ms (width sizing)
        Map<Integer, Map<String, TreeMap<Integer, TreeMap<Integer, Double>>>> by = new TreeMap<>();
        data.forEach((g, models) -> {
            if (!g.match().equals("width")) {
                return;
            }
            models.forEach((m, ts) -> ts.forEach((t, v) -> by.computeIfAbsent(g.hidden(), k -> new LinkedHashMap<>())
                    .computeIfAbsent(m, k -> new TreeMap<>()).computeIfAbsent(t, k -> new TreeMap<>())
                    .put(g.batch(), v)));
        });
        body.append("## Throughput vs batch (forward)\n\n");
        boolean any = false;
        for (Map.Entry<Integer, Map<String, TreeMap<Integer, TreeMap<Integer, Double>>>> e : by.entrySet()) {
            int h = e.getKey();
            Map<String, TreeMap<Integer, TreeMap<Integer, Double>>> models = e.getValue();
            // The largest T at which every model has at least two batch sizes.
            Integer tStar = null;
            TreeSet<Integer> candidates = new TreeSet<>(Comparator.reverseOrder());
            models.values().forEach(m -> candidates.addAll(m.keySet()));
            for (int t : candidates) {
                boolean ok = models.values().stream().allMatch(m -> m.containsKey(t) && m.get(t).size() >= 2);
                if (ok) {
                    tStar = t;
                    break;
                }
            }
            if (tStar == null) {
                continue;
            }
            any = true;
            int t = tStar;
            TreeSet<Integer> bs = new TreeSet<>();
            models.values().forEach(m -> bs.addAll(m.get(t).keySet()));
            body.append(String.format(Locale.ROOT, "Tokens per second (B·T / median time) at T = %d, width %d:%n%n",
                    t, h));
            body.append("| model |");
            bs.forEach(b -> body.append(" B = ").append(b).append(" |"));
            body.append(" gain |\n|---|").append("---|".repeat(bs.size() + 1)).append('\n');
            Chart chart = Chart.line(String.format(Locale.ROOT, "Forward throughput vs batch, T = %d, width %d", t, h))
                    .xLabel("B (sequences per batch)").yLabel("tokens / s").logX().logY().markers();
            List<String> gains = new ArrayList<>();
            for (String m : BenchShapes.MODELS) {
                if (!models.containsKey(m)) {
                    continue;
                }
                TreeMap<Integer, Double> byB = models.get(m).get(t);
                double[] xs = new double[byB.size()];
                double[] ys = new double[byB.size()];
                int i = 0;
                body.append("| ").append(label(m)).append(" |");
                for (int b : bs) {
                    Double v = byB.get(b);
                    body.append(' ').append(v == null ? "—" : sig3(tokensPerSecond(b, t, v))).append(" |");
                }
                for (Map.Entry<Integer, Double> p : byB.entrySet()) {
                    xs[i] = p.getKey();
                    ys[i++] = tokensPerSecond(p.getKey(), t, p.getValue());
                }
                int bLo = byB.firstKey();
                int bHi = byB.lastKey();
                double gain = tokensPerSecond(bHi, t, byB.get(bHi)) / tokensPerSecond(bLo, t, byB.get(bLo));
                body.append(String.format(Locale.ROOT, " %.1f× |%n", gain));
                gains.add(String.format(Locale.ROOT, "%s %.1f×", label(m), gain));
                chart.series(label(m), xs, ys);
            }
            body.append('\n');
            chart(chart, String.format(Locale.ROOT, "throughput-t%d-h%d", t, h), "throughput vs batch, log-log");
            String s = String.format(Locale.ROOT, "Throughput at T = %d, width %d: going from B = %d to B = %d "
                    + "multiplies tokens per second by %s.", t, h, bs.first(), bs.last(), String.join(", ", gains));
            body.append(s).append("\n\n");
            summary.add(s);
        }
        if (!any) {
            body.append("Not enough data: the forward family needs two batch sizes at a common T.\n\n");
        }
    }

    private static double tokensPerSecond(int batch, int steps, double ms) {
        return batch * (double) steps / (ms / 1e3);
    }

    // ---------------------------------------------------------------- family 3

    private void generation() throws IOException {
        body.append("## 3. Autoregressive generation: the cost of one new token\n\n");
        List<JmhResult> rows = rows("GenerationBench", "token");
        if (rows.isEmpty()) {
            body.append("No results in this run.\n\n");
            summary.add("Generation: no results in this run.");
            return;
        }
        body.append("The T-th token of B sequences: an LSTM `step` from the state after T-1 tokens vs a causal "
                + "transformer encoder `decode` against KV caches holding T-1 tokens (the query attends to T keys). "
                + "Each measurement iteration first generates the T-1 tokens through the same calls (not timed), "
                + "then times one token (JMH single shot); median over the shots.\n\n");
        // (hidden, batch) -> "model/layers" -> context -> ms
        Map<String, Map<String, TreeMap<Integer, Double>>> data = new TreeMap<>();
        for (JmhResult r : rows) {
            String key = String.format(Locale.ROOT, "B = %d, H = d = %d", r.intParam("batch"), r.intParam("hidden"));
            data.computeIfAbsent(key, k -> new TreeMap<>())
                    .computeIfAbsent(r.param("model") + "/" + r.intParam("layers"), k -> new TreeMap<>())
                    .put(r.intParam("context"), r.medianMs());
        }
        int n = 0;
        for (Map.Entry<String, Map<String, TreeMap<Integer, Double>>> e : data.entrySet()) {
            Map<String, TreeMap<Integer, Double>> series = e.getValue();
            TreeSet<Integer> ctx = new TreeSet<>();
            series.values().forEach(s -> ctx.addAll(s.keySet()));
            body.append("### ").append(e.getKey()).append("\n\n| context T |");
            List<String> keys = new ArrayList<>(series.keySet());
            keys.forEach(k -> body.append(' ').append(genLabel(k)).append(" |"));
            body.append("\n|---|").append("---|".repeat(keys.size())).append('\n');
            for (int t : ctx) {
                body.append("| ").append(t).append(" |");
                for (String k : keys) {
                    Double v = series.get(k).get(t);
                    body.append(' ').append(v == null ? "—" : us(v)).append(" |");
                }
                body.append('\n');
            }
            body.append('\n');
            Chart chart = Chart.line("Cost of one new token vs context length, " + e.getKey())
                    .xLabel("context T (tokens)").yLabel("µs per token (median)").logX().logY().markers();
            for (String k : keys) {
                TreeMap<Integer, Double> s = series.get(k);
                chart.series(genLabel(k), s.keySet().stream().mapToDouble(Integer::doubleValue).toArray(),
                        s.values().stream().mapToDouble(v -> v * 1e3).toArray());
            }
            chart(chart, "generation-" + (n++), "per-token cost vs context, log-log");
            for (String k : keys) {
                if (!k.startsWith("transformer/")) {
                    continue;
                }
                String layers = k.substring(k.indexOf('/') + 1);
                TreeMap<Integer, Double> tr = series.get(k);
                TreeMap<Integer, Double> ls = series.get("lstm/" + layers);
                StringBuilder s = new StringBuilder("Generation, ").append(e.getKey()).append(", ").append(layers)
                        .append(layers.equals("1") ? " layer: " : " layers: ");
                if (ls != null) {
                    double lo = ls.values().stream().mapToDouble(Double::doubleValue).min().orElse(Double.NaN);
                    double hi = ls.values().stream().mapToDouble(Double::doubleValue).max().orElse(Double.NaN);
                    s.append(us(lo).equals(us(hi))
                            ? String.format(Locale.ROOT, "an LSTM step costs %s at every context (%d–%d); ", us(lo),
                                    ls.firstKey(), ls.lastKey())
                            : String.format(Locale.ROOT, "an LSTM step costs %s to %s over context %d–%d; ", us(lo),
                                    us(hi), ls.firstKey(), ls.lastKey()));
                }
                s.append(String.format(Locale.ROOT, "a transformer decode costs %s at T = %d and %s at T = %d",
                        us(tr.firstEntry().getValue()), tr.firstKey(), us(tr.lastEntry().getValue()), tr.lastKey()));
                if (tr.size() >= 2) {
                    double slope = (tr.lastEntry().getValue() - tr.firstEntry().getValue())
                            / (tr.lastKey() - tr.firstKey());
                    s.append(String.format(Locale.ROOT, " (a slope of %s%s per 1,000 tokens of context)",
                            slope >= 0 ? "+" : "−", us(Math.abs(slope) * 1000)));
                }
                if (ls != null) {
                    Crossover c = cross(tr, ls);
                    s.append("; ").append(c.sentence("the transformer's token", "the transformer's",
                            "the LSTM's token", "the LSTM's", "T", BenchReportWriter::us));
                    Integer last = c.xs().length > 0 ? c.xs()[c.xs().length - 1] : null;
                    if (last != null) {
                        s.append(String.format(Locale.ROOT, "; at T = %d the transformer's token costs %.2f× the "
                                + "LSTM's", last, tr.get(last) / ls.get(last)));
                    }
                }
                s.append('.');
                body.append(s).append("\n\n");
                summary.add(s.toString());
            }
        }
    }

    private static String genLabel(String key) {
        String[] p = key.split("/");
        return (p[0].equals("lstm") ? "LSTM step" : "transformer decode") + ", " + p[1]
                + (p[1].equals("1") ? " layer" : " layers");
    }

    // ---------------------------------------------------------------- family 4

    private void varlen() throws IOException {
        body.append("## 4. Variable-length vs dense batches (forward)\n\n");
        List<JmhResult> rows = rows("VarlenBench", "forward");
        if (rows.isEmpty()) {
            body.append("No results in this run.\n\n");
            summary.add("Variable-length batches: no results in this run.");
            return;
        }
        body.append("*varlen*: B sequences padded to T with lengths spread evenly over [1, T] (unsorted), summing "
                + "to B·T/2 real steps (recurrent layers get the lengths, the transformer a key-padding mask); "
                + "*dense half*: B/2 full sequences — the same real steps; *dense full*: B full sequences — the "
                + "padded size. A cost that follows the real steps gives varlen/dense full = 0.50 and varlen/dense "
                + "half = 1.00.\n\n");
        // (model, T, B, H) -> layout -> ms
        Map<String, Map<String, Double>> data = new LinkedHashMap<>();
        rows.sort(Comparator.comparing((JmhResult r) -> BenchShapes.MODELS.indexOf(r.param("model")))
                .thenComparingInt(r -> r.intParam("steps")));
        for (JmhResult r : rows) {
            String key = String.format(Locale.ROOT, "%s|%d|%d|%d", r.param("model"), r.intParam("steps"),
                    r.intParam("batch"), r.intParam("hidden"));
            data.computeIfAbsent(key, k -> new LinkedHashMap<>()).put(r.param("layout"), r.medianMs());
        }
        body.append("| model | T | B | H | varlen | dense half | dense full | varlen / dense full | "
                + "varlen / dense half |\n|---|---|---|---|---|---|---|---|---|\n");
        List<String> cats = new ArrayList<>();
        List<double[]> vals = new ArrayList<>();
        List<String> sentences = new ArrayList<>();
        for (Map.Entry<String, Map<String, Double>> e : data.entrySet()) {
            String[] k = e.getKey().split("\\|");
            Map<String, Double> v = e.getValue();
            Double vl = v.get("varlen");
            Double dh = v.get("dense_half");
            Double df = v.get("dense_full");
            body.append(String.format(Locale.ROOT, "| %s | %s | %s | %s | %s | %s | %s | %s | %s |%n", label(k[0]),
                    k[1], k[2], k[3], vl == null ? "—" : ms(vl), dh == null ? "—" : ms(dh),
                    df == null ? "—" : ms(df), vl != null && df != null ? String.format(Locale.ROOT, "%.2f", vl / df)
                            : "—", vl != null && dh != null ? String.format(Locale.ROOT, "%.2f", vl / dh) : "—"));
            if (vl != null && dh != null && df != null) {
                cats.add(label(k[0]) + " T=" + k[1]);
                vals.add(new double[] {vl, dh, df});
                String s = String.format(Locale.ROOT, "Variable-length batch, %s, T = %s, B = %s: it took %.2f× the "
                        + "time of the dense %s × %s batch (ideal 0.50: half the steps are real) and %.2f× the dense "
                        + "%d × %s batch with the same real steps (ideal 1.00).", label(k[0]), k[1], k[2], vl / df,
                        k[2], k[1], vl / dh, Integer.parseInt(k[2]) / 2, k[1]);
                sentences.add(s);
                summary.add(s);
            }
        }
        body.append('\n');
        for (String s : sentences) {
            body.append(s).append("\n\n");
        }
        if (!cats.isEmpty()) {
            BarChart bar = BarChart.grouped("Variable-length vs dense batches (forward, median ms)").xLabel("model, T")
                    .yLabel("ms (median)").categories(cats);
            String[] names = {"varlen (B·T/2 real steps)", "dense B/2 × T", "dense B × T"};
            for (int s = 0; s < 3; s++) {
                int si = s;
                bar.series(names[s], vals.stream().mapToDouble(v -> v[si]).toArray());
            }
            barChart(bar, "varlen", "variable-length vs dense");
        }
    }

    // ---------------------------------------------------------------- peers

    private record Case(String model, String mode, String shape) {
        String label() {
            return (model.equals("transformer") ? "Transformer layer" : BenchReportWriter.label(model)) + " " + mode + " " + shape;
        }
    }

    private static final Comparator<Case> CASE_ORDER = Comparator
            .comparing((Case c) -> List.of("lstm", "gru", "transformer").indexOf(c.model()))
            .thenComparing(Case::mode).thenComparing(Case::shape);

    private static Case caseOf(JmhResult r) {
        String model = r.param("model");
        String mode = r.param("mode");
        String shape = r.param("shape");
        if (model == null || mode == null || shape == null) {
            return null;
        }
        return new Case(model.toLowerCase(Locale.ROOT), mode.toLowerCase(Locale.ROOT), shape.toUpperCase(Locale.ROOT));
    }

    private double caseFlops(Case c) {
        try {
            int[] s = BenchShapes.peerCase(c.model(), c.shape());
            double f = BenchShapes.forwardFlops(c.model(), s[0], s[1], s[2]);
            return c.mode().equals("train") ? 3 * f : f;
        } catch (IllegalArgumentException e) {
            return Double.NaN;
        }
    }

    private void peerTable() throws IOException {
        body.append("## Peers at the same shapes (same run)\n\n");
        Map<Case, Double> mine = new TreeMap<>(CASE_ORDER);
        for (JmhResult r : rows("PeerShapesBench", "run")) {
            Case c = caseOf(r);
            if (c != null) {
                mine.put(c, r.medianMs());
            }
        }
        // peer -> case -> best median, and the method that gave it
        Map<String, Map<Case, Double>> theirs = new TreeMap<>(Comparator.comparingInt((String p) -> {
            int i = KNOWN_PEERS.indexOf(p);
            return i < 0 ? KNOWN_PEERS.size() : i;
        }).thenComparing(p -> p));
        Map<String, Map<Case, String>> methods = new LinkedHashMap<>();
        Map<String, Map<Case, String>> sources = new LinkedHashMap<>();
        List<String> notes = new ArrayList<>();
        for (Map.Entry<String, List<JmhResult>> e : peers.entrySet()) {
            for (JmhResult r : e.getValue()) {
                Case c = caseOf(r);
                if (c == null) {
                    notes.add(String.format(Locale.ROOT, "%s: %s has no (model, mode, shape) parameters; left out.",
                            peerName(e.getKey()), r.shortName()));
                    continue;
                }
                if (c.model().equals("transformer") && !c.shape().equals(BenchShapes.TRANSFORMER_PEER_SHAPE)) {
                    notes.add(String.format(Locale.ROOT, "%s's transformer row labelled %s is the single transformer "
                            + "case (B32/T128/d256) and is compared under %s.", peerName(e.getKey()), c.shape(),
                            BenchShapes.TRANSFORMER_PEER_SHAPE));
                    c = new Case(c.model(), c.mode(), BenchShapes.TRANSFORMER_PEER_SHAPE);
                }
                Map<Case, Double> m = theirs.computeIfAbsent(e.getKey(), k -> new TreeMap<>(CASE_ORDER));
                Double old = m.get(c);
                if (old == null || r.medianMs() < old) {
                    m.put(c, r.medianMs());
                    methods.computeIfAbsent(e.getKey(), k -> new LinkedHashMap<>()).put(c, r.method());
                    sources.computeIfAbsent(e.getKey(), k -> new LinkedHashMap<>()).put(c, r.file());
                }
            }
        }
        List<String> missing = KNOWN_PEERS.stream().filter(p -> !theirs.containsKey(p)).toList();
        if (theirs.isEmpty()) {
            body.append(PEERS_NOT_RUN).append(".\n\n");
            summary.add("Peers: " + PEERS_NOT_RUN + ".");
        } else if (!missing.isEmpty()) {
            body.append("Not in this run: ").append(missing.stream().map(BenchReportWriter::peerName)
                    .collect(Collectors.joining(", "))).append(" (").append(PEERS_NOT_RUN).append(").\n\n");
        }
        if (!info.peers.isEmpty()) {
            body.append("Peer runs:\n\n");
            for (RunInfo.PeerRun p : info.peers) {
                body.append(String.format(Locale.ROOT, "- %s (`%s`): exit code %d after %s%s; log `%s`.%n",
                        p.name, p.jar, p.exitCode, duration(p.seconds), p.note.isEmpty() ? "" : ", " + p.note,
                        p.log));
            }
            body.append('\n');
        }
        TreeSet<Case> cases = new TreeSet<>(CASE_ORDER);
        cases.addAll(mine.keySet());
        theirs.values().forEach(m -> cases.addAll(m.keySet()));
        if (cases.isEmpty()) {
            body.append("No peer-shape results in this run.\n\n");
            return;
        }
        body.append("Cases (PERFORMANCE.md): S1 = B1/T128/H128, S2 = B32/T128/H256, S3 = B64/T256/H512 (I = H); the "
                + "transformer layer is one case, d = 256, 4 heads, ff 1024, B = 32, T = 128, labelled S2. *train* = "
                + "forward, backward and optimizer update as each library does it. Each cell: median ms (GFLOP/s, "
                + "FLOPs as PERFORMANCE.md counts them); a peer's cell adds **Recur's time ÷ the peer's** (above 1: "
                + "Recur is slower).\n\n");
        body.append("| case | GFLOP | Recur |");
        theirs.keySet().forEach(p -> body.append(' ').append(peerName(p)).append(" |"));
        body.append("\n|---|---|---|").append("---|".repeat(theirs.size())).append('\n');
        List<String> sentences = new ArrayList<>();
        int recurFastest = 0;
        int compared = 0;
        for (Case c : cases) {
            double flops = caseFlops(c);
            Double r = mine.get(c);
            body.append("| ").append(c.label()).append(" | ")
                    .append(Double.isNaN(flops) ? "—" : String.format(Locale.ROOT, "%.3g", flops / 1e9)).append(" | ")
                    .append(r == null ? "—" : ms(r) + gflops(flops, r)).append(" |");
            List<String> parts = new ArrayList<>();
            String fastest = r == null ? null : "Recur";
            double best = r == null ? Double.POSITIVE_INFINITY : r;
            for (Map.Entry<String, Map<Case, Double>> p : theirs.entrySet()) {
                Double v = p.getValue().get(c);
                if (v == null) {
                    body.append(" — |");
                    continue;
                }
                body.append(' ').append(ms(v)).append(gflops(flops, v));
                if (r != null) {
                    body.append(String.format(Locale.ROOT, ", **%.2f×**", r / v));
                    parts.add(String.format(Locale.ROOT, "%.2f× %s's %s", r / v, peerName(p.getKey()), msUnit(v)));
                }
                body.append(" |");
                if (v < best) {
                    best = v;
                    fastest = peerName(p.getKey());
                }
            }
            body.append('\n');
            if (r != null && !parts.isEmpty()) {
                compared++;
                if ("Recur".equals(fastest)) {
                    recurFastest++;
                }
                sentences.add(String.format(Locale.ROOT, "%s: Recur's %s is %s; fastest: %s.", c.label(), msUnit(r),
                        String.join(", ", parts), fastest));
            }
        }
        body.append('\n');
        for (String s : sentences) {
            body.append("- ").append(s).append('\n');
        }
        if (!sentences.isEmpty()) {
            body.append('\n');
            List<String> ranges = new ArrayList<>();
            for (Map.Entry<String, Map<Case, Double>> p : theirs.entrySet()) {
                double lo = Double.POSITIVE_INFINITY;
                double hi = 0;
                String loCase = "";
                String hiCase = "";
                int n = 0;
                for (Map.Entry<Case, Double> c : p.getValue().entrySet()) {
                    Double r = mine.get(c.getKey());
                    if (r == null) {
                        continue;
                    }
                    n++;
                    double ratio = r / c.getValue();
                    if (ratio < lo) {
                        lo = ratio;
                        loCase = c.getKey().label();
                    }
                    if (ratio > hi) {
                        hi = ratio;
                        hiCase = c.getKey().label();
                    }
                }
                if (n == 1) {
                    ranges.add(String.format(Locale.ROOT, "%.2f× %s's (%s)", lo, peerName(p.getKey()), loCase));
                } else if (n > 1) {
                    ranges.add(String.format(Locale.ROOT, "%.2f× (%s) to %.2f× (%s) %s's over %d cases", lo, loCase,
                            hi, hiCase, peerName(p.getKey()), n));
                }
            }
            summary.add(String.format(Locale.ROOT, "Peers (same run): Recur is the fastest in %d of the %d cases where "
                    + "a peer ran beside it; Recur's time is %s.", recurFastest, compared, String.join("; ", ranges)));
        } else if (!theirs.isEmpty()) {
            summary.add("Peers: no case measured by both Recur and a peer in this run.");
        }
        for (String n : notes.stream().distinct().toList()) {
            body.append("Note: ").append(n).append("\n\n");
        }
        for (Map.Entry<String, Map<Case, String>> m : sources.entrySet()) {
            TreeSet<String> all = peers.get(m.getKey()).stream().map(JmhResult::file)
                    .collect(Collectors.toCollection(TreeSet::new));
            if (all.size() > 1) {
                Map<String, Long> wins = m.getValue().values().stream()
                        .collect(Collectors.groupingBy(f -> f, TreeMap::new, Collectors.counting()));
                body.append(String.format(Locale.ROOT, "%s: each cell is the faster of the runs in %s (cases won: "
                        + "%s).%n%n", peerName(m.getKey()), String.join(", ", all), wins.entrySet().stream()
                        .map(w -> w.getKey() + " " + w.getValue()).collect(Collectors.joining(", "))));
            }
        }
        for (Map.Entry<String, Map<Case, String>> m : methods.entrySet()) {
            TreeSet<String> names = new TreeSet<>(m.getValue().values());
            if (names.size() > 1) {
                body.append(String.format(Locale.ROOT, "%s: each cell is the faster of its benchmark methods %s.%n%n",
                        peerName(m.getKey()), String.join(", ", names)));
            }
        }
        for (String mode : List.of("forward", "train")) {
            // Recur's cases of this mode that some peer measured too.
            List<Case> cs = mine.keySet().stream().filter(c -> c.mode().equals(mode))
                    .filter(c -> theirs.values().stream().anyMatch(m -> m.containsKey(c))).toList();
            if (cs.isEmpty() || theirs.isEmpty()) {
                continue;
            }
            List<String> charted = new ArrayList<>();
            List<String> left = new ArrayList<>();
            for (Map.Entry<String, Map<Case, Double>> p : theirs.entrySet()) {
                boolean has = p.getValue().keySet().stream().anyMatch(c -> c.mode().equals(mode));
                if (!has) {
                    continue;
                }
                (p.getValue().keySet().containsAll(cs) ? charted : left).add(p.getKey());
            }
            if (charted.isEmpty()) {
                continue;
            }
            BarChart bar = BarChart.grouped("Recur vs peers, " + mode + " (median ms, log scale)").xLabel("case")
                    .yLabel("ms (median)").logY().categories(cs.stream().map(Case::label).toList());
            bar.series("Recur", cs.stream().mapToDouble(mine::get).toArray());
            for (String p : charted) {
                bar.series(peerName(p), cs.stream().mapToDouble(c -> theirs.get(p).get(c)).toArray());
            }
            barChart(bar, "peers-" + mode, "Recur vs peers, " + mode);
            if (!left.isEmpty()) {
                body.append("Not charted (missing some of these cases; see the table): ")
                        .append(left.stream().map(BenchReportWriter::peerName).collect(Collectors.joining(", ")))
                        .append(".\n\n");
            }
        }
    }

    private static String gflops(double flops, double ms) {
        return Double.isNaN(flops) ? "" : String.format(Locale.ROOT, " (%s)", sig3(flops / (ms * 1e-3) / 1e9));
    }

    // ---------------------------------------------------------------- sgemm ceiling

    private void ceiling() {
        body.append("## Percentage of the sgemm ceiling\n\n");
        Map<Case, Double> gemm = new TreeMap<>(CASE_ORDER);
        for (JmhResult r : rows("GemmCeilingBench", "gemms")) {
            gemm.put(new Case(r.param("model"), "forward", r.param("shape")), r.medianMs());
        }
        if (gemm.isEmpty()) {
            body.append("No results in this run.\n\n");
            return;
        }
        Map<Case, Double> mine = new TreeMap<>(CASE_ORDER);
        for (JmhResult r : rows("PeerShapesBench", "run")) {
            Case c = caseOf(r);
            if (c != null) {
                mine.put(c, r.medianMs());
            }
        }
        body.append("The ceiling of a case is the time of exactly its forward's GEMMs — same shapes, same count — "
                + "through the backend's `gemm` (OpenBLAS sgemm on cpu) and nothing else (`GemmCeilingBench`); a "
                + "training step's ceiling is 3× the forward's, as its FLOPs are counted. Percentage = ceiling time "
                + "÷ Recur's time. Above 100 % Recur beats the GEMM calls themselves (a GEMV or fused kernel for "
                + "small steps, or a noisy measurement).\n\n");
        body.append("| case | GEMMs | sgemm ceiling | Recur | % of ceiling |\n|---|---|---|---|---|\n");
        double lo = Double.POSITIVE_INFINITY;
        double hi = Double.NEGATIVE_INFINITY;
        String loCase = "";
        String hiCase = "";
        TreeSet<Case> cases = new TreeSet<>(CASE_ORDER);
        cases.addAll(mine.keySet());
        gemm.keySet().forEach(c -> cases.add(new Case(c.model(), "train", c.shape())));
        cases.addAll(gemm.keySet());
        for (Case c : cases) {
            Double g = gemm.get(new Case(c.model(), "forward", c.shape()));
            if (g == null) {
                continue;
            }
            double ceil = c.mode().equals("train") ? 3 * g : g;
            double flops = caseFlops(c);
            Double r = mine.get(c);
            String gemms;
            try {
                int[] s = BenchShapes.peerCase(c.model(), c.shape());
                gemms = BenchShapes.gemms(c.model(), s[0], s[1], s[2]).stream().map(Object::toString)
                        .collect(Collectors.joining("; "));
            } catch (IllegalArgumentException e) {
                gemms = "—";
            }
            body.append(String.format(Locale.ROOT, "| %s | %s | %s%s | %s | %s |%n", c.label(),
                    c.mode().equals("train") ? "3 × forward's" : gemms, ms(ceil), gflops(flops, ceil),
                    r == null ? "—" : ms(r) + gflops(flops, r),
                    r == null ? "—" : String.format(Locale.ROOT, "%.0f %%", 100 * ceil / r)));
            if (r != null) {
                double pct = 100 * ceil / r;
                if (pct < lo) {
                    lo = pct;
                    loCase = c.label();
                }
                if (pct > hi) {
                    hi = pct;
                    hiCase = c.label();
                }
            }
        }
        body.append('\n');
        if (hi >= lo) {
            String s = loCase.equals(hiCase)
                    ? String.format(Locale.ROOT, "sgemm ceiling: Recur runs at %.0f %% (%s) of the speed its GEMM "
                            + "shapes allow on this backend.", lo, loCase)
                    : String.format(Locale.ROOT, "sgemm ceiling: Recur runs at %.0f %% (%s) to %.0f %% (%s) of the "
                            + "speed its GEMM shapes allow on this backend.", lo, loCase, hi, hiCase);
            body.append(s).append("\n\n");
            summary.add(s);
        }
    }

    // ---------------------------------------------------------------- parameters

    private void parameterCounts() {
        TreeSet<Integer> hs = new TreeSet<>();
        recur.stream().filter(r -> r.className().equals("ForwardBench") || r.className().equals("TrainBench")
                || r.className().equals("GenerationBench") || r.className().equals("VarlenBench"))
                .forEach(r -> hs.add(r.intParam("hidden")));
        body.append("## Parameter counts\n\n");
        body.append("Exact counts of the benchmarked layers (biases included; formulas in `BenchShapes`). *params* "
                + "sizing picks the width whose count is closest to the LSTM's at H.\n\n");
        body.append("| H | model | width (*width*) | parameters | × LSTM | width (*params*) | parameters | × LSTM |\n"
                + "|---|---|---|---|---|---|---|---|\n");
        TreeSet<Integer> all = new TreeSet<>(hs);
        all.addAll(List.of(128, 256, 512));
        for (int h : all) {
            double lstm = BenchShapes.parameters("lstm", h);
            for (String m : BenchShapes.MODELS) {
                int ww = BenchShapes.width(m, "width", h);
                int wp = BenchShapes.width(m, "params", h);
                body.append(String.format(Locale.ROOT, "| %d | %s | %d | %,d | %.2f | %d | %,d | %.2f |%n", h,
                        label(m), ww, BenchShapes.parameters(m, ww), BenchShapes.parameters(m, ww) / lstm, wp,
                        BenchShapes.parameters(m, wp), BenchShapes.parameters(m, wp) / lstm));
            }
        }
        body.append("\nPeer cases: LSTM S1/S2/S3 ").append(String.format(Locale.ROOT, "%,d / %,d / %,d",
                BenchShapes.parameters("lstm", 128), BenchShapes.parameters("lstm", 256),
                BenchShapes.parameters("lstm", 512))).append(", GRU ").append(String.format(Locale.ROOT,
                "%,d / %,d / %,d", BenchShapes.parameters("gru", 128), BenchShapes.parameters("gru", 256),
                BenchShapes.parameters("gru", 512))).append(", transformer layer (d = 256, ff 1024) ")
                .append(String.format(Locale.ROOT, "%,d", BenchShapes.parameters("transformer", 256)))
                .append(".\n\n");
    }

    // ---------------------------------------------------------------- appendix

    private void appendix() {
        body.append("## Appendix: every result\n\n");
        body.append("Charts (PNG, with SVG beside): ").append(chartFiles.isEmpty() ? "none"
                : chartFiles.stream().map(f -> "`" + f + "`").collect(Collectors.joining(", "))).append(".\n\n");
        body.append("Files: ").append(files.isEmpty() ? "none" : String.join(", ", files)).append(".\n\n");
        body.append("| benchmark | parameters | mode | median | min–max | mean ± 99.9 % | n |\n"
                + "|---|---|---|---|---|---|---|\n");
        List<JmhResult> all = new ArrayList<>(recur);
        peers.values().forEach(all::addAll);
        for (JmhResult r : all) {
            String params = r.params().entrySet().stream().map(e -> e.getKey() + "=" + e.getValue())
                    .collect(Collectors.joining(" "));
            body.append(String.format(Locale.ROOT, "| %s | %s | %s | %s | %s–%s | %s ± %s | %d |%n",
                    peerOf(r.benchmark()) != null ? peerOf(r.benchmark()) + ":" + r.shortName() : r.shortName(),
                    params, r.mode(), msUnit(r.medianMs()), ms(r.minMs()), ms(r.maxMs()), ms(r.meanMs()),
                    Double.isNaN(r.errorMs()) ? "?" : ms(r.errorMs()), r.samples()));
        }
        body.append('\n');
    }

    // ---------------------------------------------------------------- charts and formats

    private void chart(Chart c, String base, String alt) throws IOException {
        c.writePng(dir.resolve(base + ".png"), PNG_W, PNG_H).writeSvg(dir.resolve(base + ".svg"), PNG_W, PNG_H);
        embed(base, alt);
    }

    private void barChart(BarChart c, String base, String alt) throws IOException {
        c.writePng(dir.resolve(base + ".png"), PNG_W, PNG_H).writeSvg(dir.resolve(base + ".svg"), PNG_W, PNG_H);
        embed(base, alt);
    }

    private void embed(String base, String alt) {
        chartFiles.add(base + ".png");
        body.append(String.format(Locale.ROOT, "![%s](%s.png) ([SVG](%s.svg))%n%n", alt, base, base));
    }

    private static String sizing(String match, int hidden) {
        return match.equals("params") ? "matched parameters (LSTM H = " + hidden + ")" : "matched width " + hidden;
    }

    static String label(String model) {
        return switch (model) {
            case "rnn" -> "RNN";
            case "lstm" -> "LSTM";
            case "gru" -> "GRU";
            case "transformer" -> "transformer";
            case "attention" -> "attention";
            default -> model;
        };
    }

    private static String possessive(String model) {
        return switch (model) {
            case "rnn" -> "the tanh RNN's";
            case "lstm" -> "the LSTM's";
            case "gru" -> "the GRU's";
            case "transformer" -> "the transformer layer's";
            case "attention" -> "multi-head attention's";
            default -> model + "'s";
        };
    }

    private static String capitalize(String s) {
        return s.isEmpty() ? s : Character.toUpperCase(s.charAt(0)) + s.substring(1);
    }

    /** Three significant digits, no exponent. */
    static String sig3(double v) {
        if (Double.isNaN(v)) {
            return "?";
        }
        double a = Math.abs(v);
        if (a >= 100) {
            return String.format(Locale.ROOT, "%,.0f", v);
        }
        if (a >= 10) {
            return String.format(Locale.ROOT, "%.1f", v);
        }
        if (a >= 1) {
            return String.format(Locale.ROOT, "%.2f", v);
        }
        if (a >= 0.001) {
            return String.format(Locale.ROOT, "%.3g", v);
        }
        return String.format(Locale.ROOT, "%.2e", v);
    }

    /** Milliseconds, no unit. */
    static String ms(double v) {
        return sig3(v);
    }

    /** Milliseconds with the unit. */
    static String msUnit(double v) {
        return sig3(v) + " ms";
    }

    /** Milliseconds shown as microseconds, with the unit. */
    static String us(double msValue) {
        return sig3(msValue * 1e3) + " µs";
    }

    static String duration(double seconds) {
        long s = Math.round(seconds);
        return s >= 60 ? String.format(Locale.ROOT, "%d min %02d s", s / 60, s % 60) : s + " s";
    }
}
