package dev.recur.bench.report;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A peer run stopped before JMH wrote its JSON keeps the configurations its log shows as finished. */
class JmhLogSalvageTest {
    private static final String LOG = """
            # JMH version: 1.37
            # Benchmark mode: Average time, time/op
            # Benchmark: dev.recur.peers.ort.OrtBench.run
            # Parameters: (mode = forward, model = lstm, shape = S1)

            # Fork: 1 of 1
            # Warmup Iteration   1: 12.069 ms/op
            Iteration   1: 12.111 ms/op
            Iteration   2: 11.903 ms/op
            Iteration   3: 13.993 ms/op


            Result "dev.recur.peers.ort.OrtBench.run":
              12.669 ±(99.9%) 1.898 ms/op [Average]

            # Benchmark mode: Average time, time/op
            # Benchmark: dev.recur.peers.ort.OrtBench.run
            # Parameters: (mode = forward, model = lstm, shape = S2)

            # Fork: 1 of 1
            # Warmup Iteration   1: 1,195.571 ms/op
            Iteration   1: 1,245.143 ms/op
            """;

    @Test
    void finishedConfigurationsAreKept(@TempDir Path dir) throws IOException {
        Path log = dir.resolve("peer-ort.log");
        Files.writeString(log, LOG);
        Path json = dir.resolve("peer-ort.json");
        assertEquals(1, JmhLogSalvage.salvage(log, json));
        List<JmhResult> rows = JmhResult.read(json);
        assertEquals(1, rows.size());
        JmhResult r = rows.get(0);
        assertEquals("dev.recur.peers.ort.OrtBench.run", r.benchmark());
        assertEquals("S1", r.param("shape"));
        assertEquals("lstm", r.param("model"));
        assertEquals(12.111, r.medianMs(), 1e-9);
        assertEquals(11.903, r.minMs(), 1e-9);
        assertEquals(13.993, r.maxMs(), 1e-9);
        assertEquals(3, r.samples());
    }

    @Test
    void anEmptyLogWritesNothing(@TempDir Path dir) throws IOException {
        Path log = dir.resolve("x.log");
        Files.writeString(log, "# JMH version: 1.37\n");
        assertEquals(0, JmhLogSalvage.salvage(log, dir.resolve("x.json")));
        assertEquals(false, Files.exists(dir.resolve("x.json")));
    }
}
