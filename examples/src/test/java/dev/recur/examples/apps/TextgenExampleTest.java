package dev.recur.examples.apps;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.recur.backend.Backends;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The character model on a small repetitive text: it learns (beats the unigram), samples and saves. */
class TextgenExampleTest {
    @Test
    void learnsASmallTextSamplesAndSaves(@TempDir Path dir) throws IOException {
        String text = "Call me Ishmael. The whale swims in the sea and the ship sails on the sea.\n".repeat(60);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        TextgenExample.Result r;
        try (PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8)) {
            r = TextgenExample.train(Backends.get("cpu"), text,
                    new TextgenExample.Config(8, 32, 1, 4, 16, 4, 1e-2, 5.0, 40, 1), dir, out);
        }
        assertTrue(r.unigramBitsPerChar() > 3.0, "unigram " + r.unigramBitsPerChar());
        assertTrue(r.bitsPerChar() < r.unigramBitsPerChar() - 1, r.bitsPerChar() + " vs " + r.unigramBitsPerChar());
        assertTrue(r.validationChars() > 100);
        assertEquals(TextgenExample.TEMPERATURES.length, r.samples().size());
        for (String s : r.samples().values()) {
            assertEquals(40, s.codePointCount(0, s.length()));
        }
        for (String f : List.of("samples.txt", "model.safetensors", "vocabulary.json", "training.csv")) {
            assertTrue(Files.size(dir.resolve(f)) > 20, f);
        }
        assertTrue(Files.readString(dir.resolve("samples.txt")).contains("=== temperature 0.5 ==="));
        String[] lines = bytes.toString(StandardCharsets.UTF_8).strip().split("\n");
        String last = lines[lines.length - 1];
        assertTrue(last.startsWith("textgen: validation ") && last.contains(" vs unigram baseline "), last);
    }
}
