package dev.recur.bench.report;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * What the report says about the run besides the numbers: the machine, the backend, the settings, the peers'
 * runs. {@code BenchMain} fills it and keeps it beside the results as {@value #FILE}, so the report can be
 * written again from the folder alone.
 */
public final class RunInfo {
    /** The file name in the report folder. */
    public static final String FILE = "run-info.json";

    public String started = "";
    public String finished = "";
    public double seconds;
    /** Seconds spent waiting for another JMH run on the machine to release its lock (part of {@link #seconds}). */
    public double lockWaitSeconds;
    public String command = "";
    public boolean quick;
    public String backend = "cpu";
    /** {@code Backends.describe()} with the backend requested. */
    public String backendDescription = "";
    public String cpuModel = "";
    public int logicalCpus;
    public String memory = "";
    public String os = "";
    public String java = "";
    public String loadBefore = "";
    public String loadAfter = "";
    public String commit = "";
    /** One line per family: the JMH settings it ran with. */
    public List<String> settings = new ArrayList<>();
    /** The peer jars run (empty: none found). */
    public List<PeerRun> peers = new ArrayList<>();

    /** One peer jar's run. */
    public static final class PeerRun {
        public String name = "";
        public String jar = "";
        public int exitCode;
        public double seconds;
    /** Seconds spent waiting for another JMH run on the machine to release its lock (part of {@link #seconds}). */
    public double lockWaitSeconds;
        public String json = "";
        public String log = "";
        public String note = "";

        public PeerRun() {
        }

        public PeerRun(String name, String jar, int exitCode, double seconds, String json, String log, String note) {
            this.name = name;
            this.jar = jar;
            this.exitCode = exitCode;
            this.seconds = seconds;
            this.json = json;
            this.log = log;
            this.note = note;
        }
    }

    private static Gson gson() {
        return new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().create();
    }

    /** Writes {@value #FILE} in the folder. */
    public void save(Path dir) throws IOException {
        Files.writeString(dir.resolve(FILE), gson().toJson(this), StandardCharsets.UTF_8);
    }

    /** Reads {@value #FILE} from the folder, or an empty description when it is missing. */
    public static RunInfo load(Path dir) throws IOException {
        Path f = dir.resolve(FILE);
        if (!Files.exists(f)) {
            return new RunInfo();
        }
        return gson().fromJson(Files.readString(f), RunInfo.class);
    }

    /** Fills the machine fields from /proc, the JVM and git (what is unavailable stays empty). */
    public RunInfo describeMachine(Path repoRoot) {
        List<String> cpu = lines(Path.of("/proc/cpuinfo"));
        for (String l : cpu) {
            if (l.startsWith("model name")) {
                cpuModel = l.substring(l.indexOf(':') + 1).trim();
                break;
            }
        }
        int processors = (int) cpu.stream().filter(l -> l.startsWith("processor")).count();
        logicalCpus = processors > 0 ? processors : Runtime.getRuntime().availableProcessors();
        if (Runtime.getRuntime().availableProcessors() != logicalCpus) {
            cpuModel += " (" + Runtime.getRuntime().availableProcessors() + " available to the JVM)";
        }
        for (String l : lines(Path.of("/proc/meminfo"))) {
            if (l.startsWith("MemTotal:")) {
                long kb = Long.parseLong(l.replaceAll("[^0-9]", ""));
                memory = String.format(Locale.ROOT, "%.1f GiB", kb / 1024.0 / 1024.0);
            }
        }
        if (memory.isEmpty()) {
            memory = String.format(Locale.ROOT, "%.1f GiB (JVM max heap)",
                    Runtime.getRuntime().maxMemory() / Math.pow(1024, 3));
        }
        os = System.getProperty("os.name") + " " + System.getProperty("os.version") + " "
                + System.getProperty("os.arch");
        java = System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version", "")
                + " (" + System.getProperty("java.vendor") + ")";
        commit = git(repoRoot);
        return this;
    }

    /** The 1-, 5- and 15-minute load averages. */
    public static String loadAverage() {
        List<String> l = lines(Path.of("/proc/loadavg"));
        if (l.isEmpty()) {
            double d = ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
            return d < 0 ? "" : String.format(Locale.ROOT, "%.2f", d);
        }
        String[] p = l.get(0).split("\\s+");
        return p.length >= 3 ? p[0] + " " + p[1] + " " + p[2] : l.get(0);
    }

    private static List<String> lines(Path p) {
        try {
            return Files.readAllLines(p);
        } catch (IOException | RuntimeException e) {
            return List.of();
        }
    }

    private static String git(Path root) {
        try {
            String head = run(root, "git", "rev-parse", "--short=12", "HEAD");
            if (head.isEmpty()) {
                return "";
            }
            String dirty = run(root, "git", "status", "--porcelain", "--untracked-files=no");
            return head + (dirty.isEmpty() ? "" : " with uncommitted changes");
        } catch (IOException e) {
            return "";
        }
    }

    private static String run(Path dir, String... cmd) throws IOException {
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(false).start();
        try {
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            if (!p.waitFor(20, TimeUnit.SECONDS) || p.exitValue() != 0) {
                return "";
            }
            return out;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "";
        } finally {
            p.destroy();
        }
    }
}
