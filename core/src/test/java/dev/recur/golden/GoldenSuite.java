package dev.recur.golden;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.recur.backend.Backend;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * The golden suite: every {@code .safetensors} file in {@code -Dgolden.dir} (default {@code ../shared/golden}
 * from the repository root) on every backend {@link #backends()} returns, as one dynamic test per case and
 * backend. Prints one {@code case tensor maxdiff} line per compared tensor. A case whose op is not supported
 * yet is reported skipped (never passed); a directory without cases fails. Backend modules subclass this
 * with a class whose name ends in {@code GoldenTest}.
 */
public abstract class GoldenSuite {
    /** The backends to run every case on. */
    protected abstract List<Backend> backends();

    /** The golden directory: {@code -Dgolden.dir}, else {@code ../shared/golden} relative to the repository. */
    public static Path goldenDir() {
        String dir = System.getProperty("golden.dir");
        if (dir != null) {
            return Path.of(dir);
        }
        // Tests run in the module folder; the repository root is one up, shared/ sits beside it.
        return Path.of("..", "..", "shared", "golden");
    }

    @TestFactory
    Stream<DynamicTest> goldenCases() throws IOException {
        Path dir = goldenDir().toAbsolutePath().normalize();
        assertTrue(Files.isDirectory(dir), "golden.dir must be a directory of .safetensors cases, got " + dir);
        List<Path> files;
        try (Stream<Path> s = Files.list(dir)) {
            files = s.filter(p -> p.toString().endsWith(".safetensors")).sorted().collect(Collectors.toList());
        }
        assertFalse(files.isEmpty(), "golden.dir must hold at least one .safetensors case, found none in " + dir);
        List<Backend> backends = backends();
        assertFalse(backends.isEmpty(), "no backend to run the golden cases on");
        List<DynamicTest> tests = new ArrayList<>();
        for (Backend be : backends) {
            for (Path f : files) {
                tests.add(DynamicTest.dynamicTest(be.name() + " " + f.getFileName(), () -> runCase(f, be)));
            }
        }
        return tests.stream();
    }

    private static void runCase(Path file, Backend be) throws IOException {
        GoldenCase c = GoldenCase.read(file);
        String op = c.op();
        boolean recurrent = RecurrentGoldenRunner.OPS.contains(op);
        Assumptions.assumeTrue(recurrent || AttentionGoldenRunner.OPS.contains(op),
                () -> c.name() + ": op " + op + " is not supported yet, skipped");
        List<Comparison> results = recurrent ? RecurrentGoldenRunner.run(c, be) : AttentionGoldenRunner.run(c, be);
        assertFalse(results.isEmpty(), c.name() + ": the case lists no outputs or gradients");
        StringBuilder failures = new StringBuilder();
        for (Comparison r : results) {
            System.out.println("[" + be.name() + "] " + r.line());
            if (!r.passed()) {
                failures.append('\n').append(r.line());
            }
        }
        assertTrue(failures.length() == 0, "golden mismatch on " + be.name() + ":" + failures);
    }
}
