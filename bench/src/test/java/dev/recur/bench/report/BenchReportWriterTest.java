package dev.recur.bench.report;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The report generator on synthetic JMH files: sentences follow the data, charts are written, ratios are right. */
class BenchReportWriterTest {
    private static final double[] TS = {16, 64, 256, 1024};

    /** Forward rows at H = 128, width sizing, B = 32, for the LSTM and the transformer. */
    private static JmhJson forward(double[] lstm, double[] transformer) {
        JmhJson j = new JmhJson();
        for (int i = 0; i < TS.length; i++) {
            String t = Integer.toString((int) TS[i]);
            j.recur("ForwardBench.forward", lstm[i], "batch", "32", "hidden", "128", "match", "width", "model",
                    "lstm", "steps", t);
            j.recur("ForwardBench.forward", transformer[i], "batch", "32", "hidden", "128", "match", "width", "model",
                    "transformer", "steps", t);
        }
        return j;
    }

    /** Training, generation, varlen, peer-shape and ceiling rows shared by the runs. */
    private static void otherFamilies(Path dir) throws IOException {
        JmhJson train = new JmhJson();
        double[] lstm = {3, 12, 48, 192};
        double[] tr = {2, 10, 60, 250};
        for (int i = 0; i < TS.length; i++) {
            String t = Integer.toString((int) TS[i]);
            train.recur("TrainBench.step", lstm[i], "batch", "32", "hidden", "128", "match", "width", "model", "lstm",
                    "steps", t);
            train.recur("TrainBench.step", tr[i], "batch", "32", "hidden", "128", "match", "width", "model",
                    "transformer", "steps", t);
        }
        train.write(dir.resolve("recur-train.json"));

        JmhJson gen = new JmhJson();
        int[] ctx = {16, 256, 1024};
        double[] genLstm = {50, 50, 50};
        double[] genTr = {40, 60, 120};
        for (int i = 0; i < ctx.length; i++) {
            for (String m : List.of("lstm", "transformer")) {
                gen.add("dev.recur.bench.GenerationBench.token", "ss", "us/op",
                        m.equals("lstm") ? genLstm[i] : genTr[i], "batch", "1", "context",
                        Integer.toString(ctx[i]), "hidden", "128", "layers", "1", "model", m);
            }
        }
        gen.write(dir.resolve("recur-generation.json"));

        new JmhJson()
                .recur("VarlenBench.forward", 11, "batch", "32", "hidden", "128", "layout", "varlen", "model", "lstm",
                        "steps", "128")
                .recur("VarlenBench.forward", 10, "batch", "32", "hidden", "128", "layout", "dense_half", "model",
                        "lstm", "steps", "128")
                .recur("VarlenBench.forward", 20, "batch", "32", "hidden", "128", "layout", "dense_full", "model",
                        "lstm", "steps", "128")
                .write(dir.resolve("recur-varlen.json"));

        new JmhJson()
                .recur("PeerShapesBench.run", 50, "model", "lstm", "mode", "forward", "shape", "S2")
                .recur("PeerShapesBench.run", 300, "model", "lstm", "mode", "train", "shape", "S2")
                .write(dir.resolve("recur-peer-shapes.json"));
        new JmhJson()
                .recur("GemmCeilingBench.gemms", 20, "model", "lstm", "shape", "S2")
                .write(dir.resolve("recur-ceiling.json"));
    }

    private static String report(Path dir, JmhJson forward) throws IOException {
        forward.write(dir.resolve("recur-forward.json"));
        otherFamilies(dir);
        RunInfo info = new RunInfo();
        info.backend = "cpu";
        info.quick = true;
        info.cpuModel = "Test CPU";
        info.backendDescription = "cpu: test backend";
        return Files.readString(BenchReportWriter.write(dir, info));
    }

    @Test
    void crossoverSentencesFollowTheData(@TempDir Path a, @TempDir Path b) throws IOException {
        double[] lstm = {1, 4, 16, 64};
        // Run a: the transformer is faster from T = 64 on; run b: only from T = 256 on.
        String ra = report(a, forward(lstm, new double[] {2, 3, 10, 40}));
        String rb = report(b, forward(lstm, new double[] {2, 5, 10, 40}));

        assertTrue(ra.contains("the transformer layer's forward overtakes the LSTM's at T ≥ 64 "
                + "(3.00 ms vs 4.00 ms at T = 64; 2.00 ms vs 1.00 ms at T = 16)"), ra);
        assertTrue(rb.contains("the transformer layer's forward overtakes the LSTM's at T ≥ 256 "
                + "(10.0 ms vs 16.0 ms at T = 256; 5.00 ms vs 4.00 ms at T = 64)"), rb);
        assertFalse(ra.contains("overtakes the LSTM's at T ≥ 256"), ra);
        assertFalse(rb.contains("overtakes the LSTM's at T ≥ 64"), rb);
        assertNotEquals(summary(ra), summary(rb));
        assertTrue(summary(ra).contains("Forward, B = 32, matched width 128: the transformer layer's forward "
                + "overtakes the LSTM's at T ≥ 64"), summary(ra));
        assertTrue(ra.contains("| transformer vs LSTM | transformer faster from T ≥ 64 |"), ra);
        assertTrue(rb.contains("| transformer vs LSTM | transformer faster from T ≥ 256 |"), rb);

        // The other families' sentences, from the same numbers in both runs.
        for (String r : List.of(ra, rb)) {
            assertTrue(r.contains("the LSTM's training step overtakes the transformer layer's at T ≥ 256 "
                    + "(48.0 ms vs 60.0 ms at T = 256; 12.0 ms vs 10.0 ms at T = 64)"), r);
            assertTrue(r.contains("the LSTM's token overtakes the transformer's at T ≥ 256 (50.0 µs vs 60.0 µs at "
                    + "T = 256; 50.0 µs vs 40.0 µs at T = 16)"), r);
            assertTrue(r.contains("at T = 1024 the transformer's token costs 2.40× the LSTM's"), r);
            assertTrue(r.contains("an LSTM step costs 50.0 µs at every context (16–1024); a transformer decode costs "
                    + "40.0 µs at T = 16 and 120 µs at T = 1024 (a slope of +79.4 µs per 1,000 tokens of context)"), r);
            assertTrue(r.contains("it took 0.55× the time of the dense 32 × 128 batch (ideal 0.50: half the steps "
                    + "are real) and 1.10× the dense 16 × 128 batch with the same real steps"), r);
            assertTrue(r.contains("sgemm ceiling: Recur runs at 20 % (LSTM train S2) to 40 % (LSTM forward S2)"), r);
        }
    }

    @Test
    void lstmOvertakingAndNoCrossoverAreReported(@TempDir Path a, @TempDir Path b) throws IOException {
        double[] lstm = {1, 4, 16, 64};
        String ra = report(a, forward(lstm, new double[] {0.5, 2, 20, 100}));
        String rb = report(b, forward(lstm, new double[] {2, 8, 32, 128}));
        assertTrue(ra.contains("the LSTM's forward overtakes the transformer layer's at T ≥ 256 "
                + "(16.0 ms vs 20.0 ms at T = 256; 4.00 ms vs 2.00 ms at T = 64)"), ra);
        assertTrue(rb.contains("the LSTM's forward is faster than the transformer layer's at every T measured "
                + "(T = 16–1024; 2.00× faster at T = 16, 2.00× at T = 1024): no crossover in this range"), rb);
    }

    @Test
    void chartsAreWrittenAsPngAndSvg(@TempDir Path dir) throws IOException {
        String r = report(dir, forward(new double[] {1, 4, 16, 64}, new double[] {2, 3, 10, 40}));
        for (String base : List.of("forward-b32-width-h128", "train-b32-width-h128", "generation-0", "varlen",
                "peers-forward")) {
            Path png = dir.resolve(base + ".png");
            Path svg = dir.resolve(base + ".svg");
            if (base.equals("peers-forward")) {
                assertFalse(Files.exists(png), "no peers, no peer chart");
                continue;
            }
            assertTrue(Files.size(png) > 1000, base);
            byte[] head = new byte[4];
            System.arraycopy(Files.readAllBytes(png), 0, head, 0, 4);
            assertArrayEquals(new byte[] {(byte) 0x89, 'P', 'N', 'G'}, head, base);
            assertTrue(Files.readString(svg).contains("<svg"), base);
            assertTrue(r.contains("](" + base + ".png)"), base);
        }
    }

    @Test
    void peersTableRatiosComeFromTheGivenNumbers(@TempDir Path dir) throws IOException {
        new JmhJson()
                .add("dev.recur.peers.torch.TorchBench.run", "avgt", "ms/op", 20, "model", "lstm", "mode", "forward",
                        "shape", "S2")
                .add("dev.recur.peers.torch.TorchBench.run", "avgt", "ms/op", 60, "model", "lstm", "mode", "train",
                        "shape", "S2")
                .write(dir.resolve("peer-torch.json"));
        new JmhJson()
                .add("dev.recur.peers.ort.OrtBench.run", "avgt", "us/op", 25_000, "model", "lstm", "mode", "forward",
                        "shape", "S2")
                .write(dir.resolve("peer-ort.json"));
        String r = report(dir, forward(new double[] {1, 4, 16, 64}, new double[] {2, 3, 10, 40}));
        // Recur 50 ms forward, 300 ms train at S2 (otherFamilies).
        assertTrue(r.contains("LSTM forward S2: Recur's 50.0 ms is 2.50× libtorch's 20.0 ms, 2.00× ONNX Runtime's "
                + "25.0 ms; fastest: libtorch."), r);
        assertTrue(r.contains("LSTM train S2: Recur's 300 ms is 5.00× libtorch's 60.0 ms; fastest: libtorch."), r);
        assertTrue(r.contains("| LSTM forward S2 | 4.29 | 50.0 (85.9) | 20.0 (215), **2.50×** | 25.0 (172), "
                + "**2.00×** |"), r);
        assertTrue(summary(r).contains("Peers (same run): Recur is the fastest in 0 of the 2 cases where a peer ran "
                + "beside it; Recur's time is 2.50× (LSTM forward S2) to 5.00× (LSTM train S2) libtorch's over 2 cases; "
                + "2.00× ONNX Runtime's (LSTM forward S2)."), summary(r));
        assertTrue(r.contains("Not in this run: DL4J (" + BenchReportWriter.PEERS_NOT_RUN + ")"), r);
        assertFalse(r.contains("\n" + BenchReportWriter.PEERS_NOT_RUN), r);
        assertTrue(Files.size(dir.resolve("peers-forward.png")) > 1000);
    }

    @Test
    void missingPeerFilesGiveThePeersNotRunNote(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("peer-torch.json"), ""); // a peer stopped before JMH wrote anything
        String r = report(dir, forward(new double[] {1, 4, 16, 64}, new double[] {2, 3, 10, 40}));
        assertTrue(r.contains("peer-torch.json (unreadable"), r);
        assertTrue(r.contains(BenchReportWriter.PEERS_NOT_RUN), r);
        assertTrue(summary(r).contains("Peers: " + BenchReportWriter.PEERS_NOT_RUN), r);
        assertEquals("peers not run: build them with `mvn -B -Ppeers package -DskipTests`",
                BenchReportWriter.PEERS_NOT_RUN);
    }

    @Test
    void peerNamesComeFromThePackage() {
        assertEquals("torch", BenchReportWriter.peerOf("dev.recur.peers.torch.TorchBench.lstm"));
        assertEquals("dl4j", BenchReportWriter.peerOf("dev.recur.peers.dl4j.Dl4jBench.run"));
        assertEquals(null, BenchReportWriter.peerOf("dev.recur.bench.PeerShapesBench.run"));
    }

    private static String summary(String report) {
        int s = report.indexOf("## Summary");
        return report.substring(s, report.indexOf("\n## ", s + 5));
    }
}
