package dev.recur.examples.apps.music;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.recur.backend.Backends;
import dev.recur.data.Vocabulary;
import dev.recur.examples.apps.Examples;
import dev.recur.io.Safetensors;
import dev.recur.io.SafetensorsFile;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Tiny end-to-end runs: the rule corpus through train(), a MIDI folder through the command line. */
class MusicExampleTest {
    @Test
    void learnsTheRuleCorpusGeneratesAndSaves(@TempDir Path dir) throws IOException {
        MusicExample.Config config = new MusicExample.Config(300, 16, 48, 1, 16, 8, 2e-2, 5.0, 64, 2, 24, 0.9, 1);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        MusicExample.Result r;
        try (PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8)) {
            r = MusicExample.train(Backends.get("cpu"), MusicExample.ruleCorpus(config), config, dir, out);
        }
        assertTrue(r.bitsPerToken() < r.unigramBitsPerToken() - 0.3, r.bitsPerToken() + " vs "
                + r.unigramBitsPerToken());
        assertTrue(r.accuracy() > r.unigramAccuracy(), r.accuracy() + " vs " + r.unigramAccuracy());
        assertTrue(r.validationTokens() > 200);
        assertEquals(12 * 2, r.melodies().size(), "two melodies per key");
        for (MusicExample.Generated g : r.melodies()) {
            assertEquals(g.seed(), g.notes().get(0));
            assertTrue(g.notes().size() <= 24);
        }
        assertTrue(r.randomInScale() > 0.5 && r.randomInScale() < 0.65, "random " + r.randomInScale());
        assertTrue(r.inScale() >= 0 && r.inScale() <= 1 && r.unigramInScale() >= 0, "in scale " + r.inScale());
        for (String f : List.of("model.safetensors", "vocabulary.json", "training.csv", "generated.txt",
                "all_melodies.mid", "corpus_examples.mid", "melody_01_G3.mid", "in_scale.png", "validation.svg")) {
            assertTrue(Files.size(dir.resolve(f)) > 20, f);
        }
        // The generated files read back as the melodies listed.
        MidiFiles.Piece first = MidiFiles.read(dir.resolve("melody_01_G3.mid"));
        assertEquals(pitched(r.melodies().get(0).notes()), pitched(first.notes()));
        assertEquals(MusicExample.RULE_BPM, first.bpm(), 1e-3);
        // The model reloads with its vocabulary.
        Vocabulary vocab = Vocabulary.load(dir.resolve("vocabulary.json"));
        SafetensorsFile st = Safetensors.read(dir.resolve("model.safetensors"));
        assertEquals(MusicExample.FORMAT, st.metadata().get("format"));
        assertEquals(Integer.toString(vocab.size()), st.metadata().get("vocab_size"));
        try (MusicExample.Model m = new MusicExample.Model(Backends.get("cpu"), vocab.size(), 16, 48, 1, 99)) {
            m.load(dir.resolve("model.safetensors"));
        }
        String text = Files.readString(dir.resolve("generated.txt"));
        assertTrue(text.contains("#1 seed G3") && text.contains("key of G major"), text);
        String[] lines = bytes.toString(StandardCharsets.UTF_8).strip().split("\n");
        String last = lines[lines.length - 1];
        assertTrue(last.startsWith("music: validation next-note accuracy ") && last.contains(" vs unigram baseline ")
                && last.contains("uniformly random notes"), last);
    }

    @Test
    void trainsOnAMidiFolderFromTheCommandLine(@TempDir Path dir) throws IOException {
        Path midi = Files.createDirectories(dir.resolve("midi"));
        List<MelodyCorpus.Melody> melodies = MelodyCorpus.generate(6, 8, 5);
        for (int i = 0; i < melodies.size(); i++) {
            MidiFiles.write(midi.resolve("song" + i + ".mid"), melodies.get(i).notes(), 90, "song " + i);
        }
        Path out = dir.resolve("out");
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ByteArrayOutputStream errBytes = new ByteArrayOutputStream();
        int status;
        try (PrintStream o = new PrintStream(bytes, true, StandardCharsets.UTF_8);
             PrintStream e = new PrintStream(errBytes, true, StandardCharsets.UTF_8)) {
            status = Examples.example(new String[] {"music", "--quick", "--epochs", "2", "--backend", "cpu", "--midi",
                midi.toString(), "--out", out.toString()}, o, e);
        }
        String log = bytes.toString(StandardCharsets.UTF_8);
        assertEquals(0, status, log + errBytes.toString(StandardCharsets.UTF_8));
        assertTrue(log.contains("6 MIDI file(s) under"), log);
        String[] lines = log.strip().split("\n");
        String last = lines[lines.length - 1];
        assertTrue(last.startsWith("music: validation next-note accuracy ") && !last.contains("random"), last);
        assertTrue(Files.size(out.resolve("model.safetensors")) > 1000);
        try (var files = Files.list(out)) {
            assertTrue(files.anyMatch(f -> f.getFileName().toString().startsWith("melody_01_")), log);
        }
        assertEquals(90, MidiFiles.read(out.resolve("all_melodies.mid")).bpm(), 1e-3);
    }

    @Test
    void missingOrCorruptMidiInputIsAClearCommandLineError(@TempDir Path dir) throws IOException {
        String err = runExpectingFailure("--midi", dir.resolve("absent").toString());
        assertTrue(err.contains("recur: example music: midi: the folder") && err.contains("does not exist"), err);
        Path bad = Files.createDirectories(dir.resolve("bad"));
        Files.write(bad.resolve("broken.mid"), new byte[] {'M', 'T', 'h', 'd', 0, 0, 0, 6, 0, 1});
        err = runExpectingFailure("--midi", bad.toString());
        assertTrue(err.contains("broken.mid") && err.contains("not a readable standard MIDI file"), err);
    }

    private static String runExpectingFailure(String... extra) {
        List<String> args = new ArrayList<>(List.of("music", "--quick"));
        args.addAll(List.of(extra));
        ByteArrayOutputStream errBytes = new ByteArrayOutputStream();
        int status;
        try (PrintStream o = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
             PrintStream e = new PrintStream(errBytes, true, StandardCharsets.UTF_8)) {
            status = Examples.example(args.toArray(String[]::new), o, e);
        }
        assertEquals(1, status);
        return errBytes.toString(StandardCharsets.UTF_8);
    }

    /** The notes without rests (adjacent rests read back merged, a trailing rest not at all). */
    private static List<Note> pitched(List<Note> notes) {
        return notes.stream().filter(n -> !n.isRest()).toList();
    }
}
