package dev.recur.examples.experiment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.recur.backend.Backends;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A tiny run of the memory experiment: every model trains, and the tables, charts and summary are written. */
class MemoryExperimentTest {
    @Test
    void tinyRunWritesTablesChartsAndSummary(@TempDir Path dir) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        MemoryExperiment.Config config = new MemoryExperiment.Config(new int[] {4, 6}, 30, 8, 8, 1e-2, 1.0, 32, 3);
        List<MemoryExperiment.Result> results;
        try (PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8)) {
            results = new MemoryExperiment(Backends.get("cpu"), config, dir, out).run();
        }
        assertEquals(8, results.size(), "4 models x 2 lengths");
        for (MemoryExperiment.Result r : results) {
            assertTrue(Double.isFinite(r.testMse()) && r.testMse() >= 0, r.toString());
            assertEquals(r.steps(), r.normsAtInit().length);
            assertTrue(r.normsAtInit()[0] > 0, "the last step's state gets a gradient: " + r.model());
        }
        for (String f : List.of("results.csv", "grad_norms.csv", "training.csv", "test_mse.png", "test_mse.svg",
                "grad_norms.png", "grad_norms.svg")) {
            assertTrue(Files.size(dir.resolve(f)) > 100, f + " missing or empty");
        }
        assertEquals(9, Files.readAllLines(dir.resolve("results.csv")).size(), "header + 8 rows");
        String[] lines = bytes.toString(StandardCharsets.UTF_8).split("\n");
        String last = lines[lines.length - 1];
        assertTrue(last.startsWith("memory: at T=6 the LSTM reaches test MSE "), last);
    }
}
