package dev.recur.bench;

import dev.recur.backend.Backends;
import dev.recur.bench.report.BenchReportWriter;
import dev.recur.bench.report.JmhLogSalvage;
import dev.recur.bench.report.RunInfo;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.infra.IterationParams;
import org.openjdk.jmh.results.BenchmarkResult;
import org.openjdk.jmh.results.IterationResult;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.results.format.ResultFormatType;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.format.OutputFormat;
import org.openjdk.jmh.runner.format.OutputFormatFactory;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import org.openjdk.jmh.runner.options.VerboseMode;

/**
 * {@code ./recur bench [--quick] [--backend NAME] [--out DIR] [--only FAMILY,...] [--no-peers]} — runs the
 * benchmark families through JMH's Java API (one fork per configuration, warm-up iterations), keeps each
 * family's JSON in the report folder (default {@code reports/bench/<UTC timestamp>/}), then runs every peer
 * benchmark jar it finds ({@code peers/*}{@code /target/*-benchmarks.jar}, one after another, each as
 * {@code java -jar JAR -rf json -rff DIR/peer-<name>.json <options>}), then writes {@code report.md} and its
 * charts ({@link BenchReportWriter}). {@code --report DIR} only rewrites the report of an existing folder.
 *
 * <p>{@code --quick} runs fewer configurations (H = 128, T ≤ 256 for the sequence families, shapes S1 and S2
 * for the peer cases; the peers only their LSTM forward at S1 and S2) with short iterations, so that it
 * finishes within a few minutes on 2 cores while still covering all four families. The JMH log goes to {@code DIR/jmh.log}; the console gets one line per
 * configuration.
 */
public final class BenchMain {
    /** The file names of peer benchmark jars under {@code peers/<name>/target/}. */
    static final String PEER_JAR_GLOB = "*-benchmarks.jar";
    /** Peers that run OpenMP, measured under both wait policies in a full run. */
    static final List<String> OPENMP_PEERS = List.of("torch", "dl4j");
    /** How long to wait for another JMH run's lock. */
    static final int LOCK_WAIT_S = 900;

    private BenchMain() {
    }

    /** JMH settings of one family. */
    record Settings(int warmups, TimeValue warmupTime, int iterations, TimeValue iterationTime, boolean singleShot) {
        String describe() {
            if (singleShot) {
                return String.format(Locale.ROOT, "1 fork; %d warm-up + %d measured single shots", warmups, iterations);
            }
            return String.format(Locale.ROOT, "1 fork; warm-up %d × %s; measurement %d × %s", warmups, warmupTime,
                    iterations, iterationTime);
        }
    }

    /** One JMH run: a benchmark method with explicit parameter values. */
    record Family(String name, String benchmark, Map<String, String[]> params, Settings settings) {
        int configurations() {
            return params.values().stream().mapToInt(v -> v.length).reduce(1, (a, b) -> a * b);
        }
    }

    private static Map<String, String[]> params(String... kv) {
        Map<String, String[]> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put(kv[i], kv[i + 1].split(","));
        }
        return m;
    }

    /** The families of a quick or full run. */
    static List<Family> plan(boolean quick) {
        List<Family> f = new ArrayList<>();
        if (quick) {
            Settings avg = new Settings(3, TimeValue.milliseconds(100), 3, TimeValue.milliseconds(100), false);
            Settings shots = new Settings(3, null, 8, null, true);
            String h = "128";
            String all = "rnn,lstm,gru,transformer,attention";
            f.add(new Family("forward", "ForwardBench.forward", params("model", all, "match", "width",
                    "steps", "16,64,256", "batch", "32", "hidden", h), avg));
            f.add(new Family("forward-b1", "ForwardBench.forward", params("model", "lstm,transformer",
                    "match", "width", "steps", "16,256", "batch", "1", "hidden", h), avg));
            f.add(new Family("forward-b1-others", "ForwardBench.forward", params("model", "rnn,gru,attention",
                    "match", "width", "steps", "256", "batch", "1", "hidden", h), avg));
            f.add(new Family("forward-params", "ForwardBench.forward", params("model", "transformer",
                    "match", "params", "steps", "16,64,256", "batch", "32", "hidden", h), avg));
            f.add(new Family("train", "TrainBench.step", params("model", all, "match", "width",
                    "steps", "16,64", "batch", "32", "hidden", h), avg));
            f.add(new Family("generation", "GenerationBench.token", params("model", "lstm,transformer", "layers", "1",
                    "context", "16,256,1024", "batch", "1", "hidden", h), shots));
            f.add(new Family("varlen", "VarlenBench.forward", params("model", "lstm,transformer", "layout",
                    "varlen,dense_half,dense_full", "steps", "64", "batch", "32", "hidden", h), avg));
            f.add(new Family("peer-shapes", "PeerShapesBench.run", params("model", "lstm,gru", "mode", "forward,train",
                    "shape", "S1,S2"), avg));
            f.add(new Family("peer-shapes-transformer", "PeerShapesBench.run", params("model", "transformer", "mode",
                    "forward,train", "shape", BenchShapes.TRANSFORMER_PEER_SHAPE), avg));
            f.add(new Family("ceiling", "GemmCeilingBench.gemms", params("model", "lstm,gru", "shape", "S1,S2"), avg));
            f.add(new Family("ceiling-transformer", "GemmCeilingBench.gemms", params("model", "transformer", "shape",
                    BenchShapes.TRANSFORMER_PEER_SHAPE), avg));
            return f;
        }
        Settings avg = new Settings(3, TimeValue.seconds(1), 5, TimeValue.seconds(1), false);
        Settings shots = new Settings(10, null, 40, null, true);
        String h = "256";
        String ts = "16,64,256,1024";
        f.add(new Family("forward", "ForwardBench.forward", params("model", "rnn,lstm,gru,transformer,attention",
                "match", "width", "steps", ts, "batch", "1,32", "hidden", h), avg));
        f.add(new Family("forward-params", "ForwardBench.forward", params("model", "rnn,gru,transformer,attention",
                "match", "params", "steps", ts, "batch", "1,32", "hidden", h), avg));
        f.add(new Family("train", "TrainBench.step", params("model", "rnn,lstm,gru,transformer,attention",
                "match", "width", "steps", ts, "batch", "1,32", "hidden", h), avg));
        f.add(new Family("train-params", "TrainBench.step", params("model", "rnn,gru,transformer,attention",
                "match", "params", "steps", ts, "batch", "1,32", "hidden", h), avg));
        f.add(new Family("generation", "GenerationBench.token", params("model", "lstm,transformer", "layers", "1,2",
                "context", ts, "batch", "1", "hidden", h), shots));
        f.add(new Family("varlen", "VarlenBench.forward", params("model", "lstm,gru,transformer", "layout",
                "varlen,dense_half,dense_full", "steps", "64,256", "batch", "32", "hidden", h), avg));
        f.add(new Family("peer-shapes", "PeerShapesBench.run", params("model", "lstm,gru", "mode", "forward,train",
                "shape", "S1,S2,S3"), avg));
        f.add(new Family("peer-shapes-transformer", "PeerShapesBench.run", params("model", "transformer", "mode",
                "forward,train", "shape", BenchShapes.TRANSFORMER_PEER_SHAPE), avg));
        f.add(new Family("ceiling", "GemmCeilingBench.gemms", params("model", "lstm,gru", "shape", "S1,S2,S3"), avg));
        f.add(new Family("ceiling-transformer", "GemmCeilingBench.gemms", params("model", "transformer", "shape",
                BenchShapes.TRANSFORMER_PEER_SHAPE), avg));
        return f;
    }

    /** The JMH options a peer jar gets after {@code -rf json -rff FILE}. */
    static List<String> peerOptions(boolean quick) {
        return quick
                ? List.of("-f", "1", "-wi", "2", "-w", "200ms", "-i", "3", "-r", "200ms", "-p", "model=lstm", "-p",
                        "mode=forward", "-p", "shape=S1,S2")
                : List.of("-f", "1", "-wi", "3", "-w", "1s", "-i", "5", "-r", "1s");
    }

    public static void main(String[] args) {
        try {
            System.exit(run(args, System.out, System.err));
        } catch (IOException | RunnerException e) {
            System.err.println("recur bench: " + e.getMessage());
            System.exit(1);
        }
    }

    static int run(String[] args, PrintStream out, PrintStream err) throws IOException, RunnerException {
        boolean quick = false;
        boolean peers = true;
        String backend = null;
        Path dir = null;
        Path reportOnly = null;
        List<String> only = null;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            switch (a) {
                case "--quick" -> quick = true;
                case "--no-peers" -> peers = false;
                case "--backend", "--out", "--only", "--report" -> {
                    if (i + 1 >= args.length) {
                        err.println("recur bench: " + a + " needs a value");
                        return 2;
                    }
                    String v = args[++i];
                    switch (a) {
                        case "--backend" -> backend = v;
                        case "--out" -> dir = Path.of(v);
                        case "--only" -> only = Arrays.asList(v.split(","));
                        default -> reportOnly = Path.of(v);
                    }
                }
                case "-h", "--help" -> {
                    usage(out);
                    return 0;
                }
                default -> {
                    err.println("recur bench: unknown option " + a);
                    usage(err);
                    return 2;
                }
            }
        }
        if (reportOnly != null) {
            out.println("recur bench: report " + BenchReportWriter.write(reportOnly, RunInfo.load(reportOnly)));
            return 0;
        }
        if (backend == null) {
            backend = Backends.requestedName() == null ? "cpu" : Backends.requestedName();
        }
        System.setProperty(Backends.PROPERTY, backend);
        long t0 = System.nanoTime();
        Instant start = Instant.now();
        if (dir == null) {
            dir = Path.of("reports", "bench", DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH-mm-ss'Z'")
                    .withZone(ZoneOffset.UTC).format(start));
        }
        Files.createDirectories(dir);
        Path root = repoRoot();
        RunInfo info = new RunInfo().describeMachine(root);
        info.started = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss 'UTC'").withZone(ZoneOffset.UTC).format(start);
        info.command = "./recur bench " + String.join(" ", args);
        info.quick = quick;
        info.backend = backend;
        info.loadBefore = RunInfo.loadAverage();
        try {
            info.backendDescription = Backends.describe();
            BenchShapes.backend(); // fail now, not in every fork, if the backend cannot run
        } catch (RuntimeException e) {
            err.println("recur bench: backend " + backend + " cannot run: " + e.getMessage());
            return 1;
        }
        List<Family> plan = plan(quick);
        if (only != null) {
            List<String> names = only;
            plan = plan.stream().filter(f -> names.stream().anyMatch(n -> f.name().startsWith(n))).toList();
        }
        int total = plan.stream().mapToInt(Family::configurations).sum();
        out.printf(Locale.ROOT, "recur bench: %s run, backend %s, %d configurations in %d JMH runs -> %s%n",
                quick ? "quick" : "full", backend, total, plan.size(), dir);
        for (Family f : plan) {
            String line = f.name() + ": " + f.settings().describe();
            if (!info.settings.contains(line)) {
                info.settings.add(line);
            }
        }
        int[] done = {0};
        int failed = 0;
        try (PrintStream log = new PrintStream(Files.newOutputStream(dir.resolve("jmh.log")), true,
                StandardCharsets.UTF_8)) {
            for (Family f : plan) {
                int got = 0;
                try {
                    info.lockWaitSeconds += waitForJmhLock(out);
                    got = runFamily(f, backend, dir, log, out, done, total);
                } catch (RunnerException e) {
                    err.println("recur bench: " + f.name() + ": " + e.getMessage());
                    log.println("recur bench: " + f.name() + " failed: " + e);
                }
                failed += f.configurations() - got;
            }
        }
        if (failed > 0) {
            err.printf(Locale.ROOT, "recur bench: %d configurations gave no result; see %s%n", failed,
                    dir.resolve("jmh.log"));
        }
        if (peers && (only == null || only.contains("peers"))) {
            runPeers(root, dir, quick, info, out);
        }
        info.loadAfter = RunInfo.loadAverage();
        info.seconds = (System.nanoTime() - t0) / 1e9;
        info.finished = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss 'UTC'").withZone(ZoneOffset.UTC)
                .format(Instant.now());
        info.save(dir);
        Path report = BenchReportWriter.write(dir, info);
        out.printf(Locale.ROOT, "recur bench: report %s (%.0f s)%n", report, info.seconds);
        return 0;
    }

    private static void usage(PrintStream s) {
        s.println("usage: recur bench [--quick] [--backend NAME] [--out DIR] [--only FAMILY,...] [--no-peers]");
        s.println("       recur bench --report DIR      (rewrite the report of an existing folder)");
        s.println("  families: forward, train, generation, varlen, peer-shapes, ceiling, peers");
    }

    /** Runs one family; returns how many configurations gave a result. */
    private static int runFamily(Family f, String backend, Path dir, PrintStream log, PrintStream out, int[] done,
                                 int total) throws RunnerException {
        Settings s = f.settings();
        ChainedOptionsBuilder o = new OptionsBuilder()
                .include("^" + Pattern.quote("dev.recur.bench." + f.benchmark()) + "$")
                .forks(1)
                .warmupIterations(s.warmups())
                .measurementIterations(s.iterations())
                // The cpu backend's Vector API kernel (jdk.incubator.vector); without it the plain-Java one runs.
                .jvmArgsAppend("--add-modules=jdk.incubator.vector", "-D" + Backends.PROPERTY + "=" + backend)
                .resultFormat(ResultFormatType.JSON)
                .result(dir.resolve("recur-" + f.name() + ".json").toString())
                .shouldFailOnError(false)
                .timeout(TimeValue.minutes(10));
        if (s.singleShot()) {
            o.warmupBatchSize(1).measurementBatchSize(1);
        } else {
            o.warmupTime(s.warmupTime()).measurementTime(s.iterationTime());
        }
        f.params().forEach(o::param);
        Collection<RunResult> results = new Runner(o.build(), new Progress(log, out, done, total)).run();
        return results.size();
    }

    /**
     * JMH refuses to start while another JMH run on this machine holds {@code java.io.tmpdir/jmh.lock} (two
     * benchmark runs would distort each other): wait for it, saying so, up to {@value #LOCK_WAIT_S} s; after
     * that JMH's own error stops the family. Returns the seconds waited (the report states them).
     */
    static double waitForJmhLock(PrintStream out) {
        long t0 = System.nanoTime();
        Path lock = Path.of(System.getProperty("java.io.tmpdir"), "jmh.lock");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(LOCK_WAIT_S);
        boolean said = false;
        while (System.nanoTime() < deadline) {
            try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(lock,
                    java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.WRITE)) {
                java.nio.channels.FileLock l = ch.tryLock();
                if (l != null) {
                    l.release();
                    break;
                }
            } catch (IOException | java.nio.channels.OverlappingFileLockException e) {
                break; // let JMH report it
            }
            if (!said) {
                out.println("recur bench: another JMH run holds " + lock + "; waiting for it to finish ...");
                said = true;
            }
            try {
                Thread.sleep(2000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        double waited = (System.nanoTime() - t0) / 1e9;
        if (said) {
            out.printf(Locale.ROOT, "recur bench: waited %.0f s for the JMH lock%n", waited);
        }
        return waited;
    }

    /** The repository root: {@code -Drecur.root}, else three levels above {@code bench/target/benchmarks.jar}. */
    static Path repoRoot() {
        String p = System.getProperty("recur.root");
        if (p != null && !p.isBlank()) {
            return Path.of(p);
        }
        try {
            Path code = Path.of(BenchMain.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            // bench/target/benchmarks.jar or bench/target/classes
            Path candidate = code.getParent() == null ? null : code.getParent().getParent();
            if (candidate != null && candidate.getParent() != null
                    && Files.exists(candidate.getParent().resolve("pom.xml"))) {
                return candidate.getParent();
            }
        } catch (URISyntaxException | RuntimeException e) {
            // fall through
        }
        return Path.of("").toAbsolutePath();
    }

    /** The peer jars: {@code peers/<name>/target/*-benchmarks.jar}, by name. */
    static Map<String, Path> peerJars(Path root) throws IOException {
        Map<String, Path> jars = new java.util.TreeMap<>();
        Path peers = root.resolve("peers");
        if (!Files.isDirectory(peers)) {
            return jars;
        }
        try (DirectoryStream<Path> modules = Files.newDirectoryStream(peers, Files::isDirectory)) {
            for (Path m : modules) {
                Path target = m.resolve("target");
                if (!Files.isDirectory(target)) {
                    continue;
                }
                try (DirectoryStream<Path> ds = Files.newDirectoryStream(target, PEER_JAR_GLOB)) {
                    for (Path jar : ds) {
                        jars.put(m.getFileName().toString(), jar);
                    }
                }
            }
        }
        return jars;
    }

    private static void runPeers(Path root, Path dir, boolean quick, RunInfo info, PrintStream out)
            throws IOException {
        Map<String, Path> jars = peerJars(root);
        if (jars.isEmpty()) {
            out.println("recur bench: " + BenchReportWriter.PEERS_NOT_RUN);
            return;
        }
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        long timeout = quick ? 240 : 4 * 3600;
        for (Map.Entry<String, Path> e : jars.entrySet()) {
            // libtorch and ND4J run OpenMP beside OpenBLAS: the full run measures both OpenMP wait policies
            // (PERFORMANCE.md keeps the better per case; so does the report, which merges the files).
            List<String> policies = !quick && OPENMP_PEERS.contains(e.getKey()) ? List.of("", "PASSIVE") : List.of("");
            for (String policy : policies) {
                String name = e.getKey() + (policy.isEmpty() ? "" : "-" + policy.toLowerCase(Locale.ROOT));
                Path json = dir.resolve("peer-" + name + ".json").toAbsolutePath();
                Path logFile = dir.resolve("peer-" + name + ".log").toAbsolutePath();
                List<String> cmd = new ArrayList<>(List.of(java, "-jar", e.getValue().toAbsolutePath().toString(),
                        "-rf", "json", "-rff", json.toString()));
                cmd.addAll(peerOptions(quick));
                ProcessBuilder pb = new ProcessBuilder(cmd).directory(root.toFile()).redirectErrorStream(true)
                        .redirectOutput(logFile.toFile());
                if (!policy.isEmpty()) {
                    pb.environment().put("OMP_WAIT_POLICY", policy);
                }
                out.println("recur bench: peer " + name + ": " + (policy.isEmpty() ? "" : "OMP_WAIT_POLICY=" + policy
                        + " ") + String.join(" ", cmd));
                info.lockWaitSeconds += waitForJmhLock(out);
                long t0 = System.nanoTime();
                Process p = pb.start();
                String note = policy.isEmpty() ? "" : "OMP_WAIT_POLICY=" + policy;
                int code;
                try {
                    if (!p.waitFor(timeout, TimeUnit.SECONDS)) {
                        p.descendants().forEach(ProcessHandle::destroy); // JMH's forked JVM
                        p.destroy();
                        if (!p.waitFor(10, TimeUnit.SECONDS)) {
                            p.destroyForcibly();
                        }
                        note = (note.isEmpty() ? "" : note + "; ") + "stopped after the " + timeout + " s limit";
                    }
                    code = p.waitFor();
                } catch (InterruptedException ex) {
                    Thread.currentThread().interrupt();
                    p.destroyForcibly();
                    code = -1;
                    note = "interrupted";
                }
                double secs = (System.nanoTime() - t0) / 1e9;
                if (!Files.exists(json) || Files.size(json) == 0) {
                    // JMH writes its JSON only at the end: keep the configurations its log shows as finished.
                    int n = JmhLogSalvage.salvage(logFile, json);
                    note = (note.isEmpty() ? "" : note + "; ") + (n > 0
                            ? "no JSON written; the " + n + " finished configurations were read from its log"
                            : "no JSON written");
                }
                out.printf(Locale.ROOT, "recur bench: peer %s: exit %d after %.0f s%s%n", name, code, secs,
                        note.isEmpty() ? "" : " (" + note + ")");
                info.peers.add(new RunInfo.PeerRun(name, root.relativize(e.getValue().toAbsolutePath()).toString(),
                        code, secs, json.getFileName().toString(), logFile.getFileName().toString(), note));
            }
        }
    }

    /** JMH's normal output to the log file; one line per configuration to the console. */
    private static final class Progress implements OutputFormat {
        private final OutputFormat log;
        private final PrintStream out;
        private final int[] done;
        private final int total;
        private long started;

        Progress(PrintStream logStream, PrintStream out, int[] done, int total) {
            this.log = OutputFormatFactory.createFormatInstance(logStream, VerboseMode.NORMAL);
            this.out = out;
            this.done = done;
            this.total = total;
        }

        @Override
        public void iteration(BenchmarkParams benchParams, IterationParams params, int iteration) {
            log.iteration(benchParams, params, iteration);
        }

        @Override
        public void iterationResult(BenchmarkParams benchParams, IterationParams params, int iteration,
                                    IterationResult data) {
            log.iterationResult(benchParams, params, iteration, data);
        }

        @Override
        public void startBenchmark(BenchmarkParams benchParams) {
            started = System.nanoTime();
            log.startBenchmark(benchParams);
            StringBuilder sb = new StringBuilder();
            for (String k : benchParams.getParamsKeys()) {
                sb.append(' ').append(k).append('=').append(benchParams.getParam(k));
            }
            String name = benchParams.getBenchmark();
            name = name.substring(name.lastIndexOf('.', name.lastIndexOf('.') - 1) + 1);
            out.printf(Locale.ROOT, "[%d/%d] %s%s", ++done[0], total, name, sb);
            out.flush();
        }

        @Override
        public void endBenchmark(BenchmarkResult result) {
            log.endBenchmark(result);
            double secs = (System.nanoTime() - started) / 1e9;
            if (result == null || result.getPrimaryResult() == null) {
                out.printf(Locale.ROOT, "  FAILED (%.0f s, see jmh.log)%n", secs);
                return;
            }
            double median = result.getPrimaryResult().getStatistics().getPercentile(50);
            out.printf(Locale.ROOT, "  %.4g %s median (%.0f s)%n", median, result.getScoreUnit(), secs);
        }

        @Override
        public void startRun() {
            log.startRun();
        }

        @Override
        public void endRun(Collection<RunResult> result) {
            log.endRun(result);
        }

        @Override
        public void print(String s) {
            log.print(s);
        }

        @Override
        public void println(String s) {
            log.println(s);
        }

        @Override
        public void flush() {
            log.flush();
            out.flush();
        }

        @Override
        public void close() {
            log.flush();
        }

        @Override
        public void verbosePrintln(String s) {
            log.verbosePrintln(s);
        }

        @Override
        public void write(int b) {
            log.write(b);
        }

        @Override
        public void write(byte[] b) throws IOException {
            log.write(b);
        }
    }
}
