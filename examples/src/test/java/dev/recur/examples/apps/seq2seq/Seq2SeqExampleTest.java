package dev.recur.examples.apps.seq2seq;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.recur.backend.Backend;
import dev.recur.backend.Backends;
import dev.recur.examples.apps.DataFetcher;
import dev.recur.examples.apps.ExampleOptions;
import dev.recur.examples.apps.Examples;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The pipeline on a tiny local task (no network): short words of a few letters → their letters spelled out in
 * capitals with a dash between ("cab" → "C-A-B"). It trains, beats the copy baseline, decodes greedily and with a
 * beam, saves, and the saved model loads back with the same predictions.
 */
class Seq2SeqExampleTest {
    static List<Seq2SeqExample.Pair> pairs(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        List<Seq2SeqExample.Pair> out = new ArrayList<>();
        java.util.Set<String> seen = new java.util.HashSet<>();
        while (out.size() < n) {
            int len = 2 + r.nextInt(3);
            StringBuilder w = new StringBuilder();
            for (int i = 0; i < len; i++) {
                w.append((char) ('a' + r.nextInt(6)));
            }
            String s = w.toString();
            if (seen.add(s)) {
                out.add(new Seq2SeqExample.Pair(s, String.join("-", s.toUpperCase().split(""))));
            }
        }
        return out;
    }

    static Seq2SeqExample.Task task() {
        List<Seq2SeqExample.Pair> all = pairs(700, 3);
        return new Seq2SeqExample.Task("spell", all.subList(100, 700), all.subList(0, 50), all.subList(50, 100),
                false, "copy the source", UnaryOperator.identity());
    }

    @Test
    void trainsBeatsTheBaselineDecodesAndSaves(@TempDir Path dir) throws IOException {
        Backend cpu = Backends.get("cpu");
        Seq2SeqExample.Config config = new Seq2SeqExample.Config(16, 32, 16, 6, 1e-2, 0f, 5.0, 3, 0, 0, 0, 5);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        Seq2SeqExample.Result r;
        try (PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8)) {
            r = Seq2SeqExample.train(cpu, task(), config, dir, out);
        }
        assertEquals(0.0, r.baselineExactMatch());
        assertTrue(r.greedyExactMatch() >= 0.7, "greedy exact match " + r.greedyExactMatch());
        assertTrue(r.beamExactMatch() >= 0.7, "beam exact match " + r.beamExactMatch());
        assertEquals(50, r.testSize());
        for (String f : List.of(Seq2SeqModel.MODEL_FILE, Seq2SeqModel.SOURCE_VOCAB_FILE,
                Seq2SeqModel.TARGET_VOCAB_FILE, "training.csv", "test_predictions.tsv", "validation.svg")) {
            assertTrue(Files.size(dir.resolve(f)) > 20, f);
        }
        List<String> rows = Files.readAllLines(dir.resolve("test_predictions.tsv"));
        assertEquals(51, rows.size());
        assertTrue(rows.get(0).startsWith("source\ttarget\tgreedy\tbeam\tbaseline"), rows.get(0));
        String[] lines = bytes.toString(StandardCharsets.UTF_8).strip().split("\n");
        String last = lines[lines.length - 1];
        assertTrue(last.startsWith("wrote "), last);
        assertTrue(r.line().startsWith("seq2seq spell: test exact match ") && r.line().contains(" vs baseline 0.0000"),
                r.line());

        // The saved model decodes the test sources as the trained one did; a beam of 1 is greedy.
        Seq2SeqExample.Task t = task();
        try (Seq2SeqModel.Loaded loaded = Seq2SeqModel.load(dir, cpu)) {
            assertEquals(Map.of("task", "spell"), Map.of("task", loaded.metadata().get("task")));
            List<long[]> sources = Seq2SeqExample.encodeSources(loaded.source(), t.test());
            int maxLen = Integer.parseInt(loaded.metadata().get("max_target_len"));
            List<String> greedy = Seq2SeqExample.decode(loaded.model(), loaded.target(), t, sources, 0, maxLen);
            List<String> beam1 = Seq2SeqExample.decode(loaded.model(), loaded.target(), t, sources, 1, maxLen);
            assertEquals(greedy, beam1);
            assertEquals(r.greedyExactMatch(), Seq2SeqExample.exactMatch(greedy, t.test()), 1e-12);
            List<String> saved = new ArrayList<>();
            for (String row : rows.subList(1, rows.size())) {
                saved.add(row.split("\t", -1)[2]);
            }
            assertEquals(saved, greedy);
        }
    }

    @Test
    void rejectsAnUnknownTaskAndAMissingModel(@TempDir Path dir) {
        DataFetcher offline = new DataFetcher(dir.resolve("cache"), "http://127.0.0.1:9", System.out,
                Duration.ofMillis(200));
        ExampleOptions options = new ExampleOptions(true, "cpu", 0, dir, 1, Map.of("task", "poems"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Seq2SeqExample.run(options, offline, new PrintStream(new ByteArrayOutputStream())));
        assertTrue(e.getMessage().contains("--task must be dates, g2p or both"), e.getMessage());
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        assertEquals(1, Examples.example(new String[] {"seq2seq", "--quick", "--task", "poems", "--out",
                dir.toString()}, new PrintStream(new ByteArrayOutputStream()), new PrintStream(err, true,
                StandardCharsets.UTF_8)));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("--task must be dates, g2p or both"),
                err.toString(StandardCharsets.UTF_8));
        IOException missing = assertThrows(IOException.class, () -> Seq2SeqModel.load(dir, Backends.get("cpu")));
        assertTrue(missing.getMessage().contains("model.safetensors is missing"), missing.getMessage());
    }
}
