package dev.recur.examples.apps;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.recur.backend.Backends;
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

/**
 * The sentiment pipeline on 120 small sentences (40 handwritten, 80 from templates): it trains, beats chance on
 * held-out sentences, saves, and predicts.
 */
class SentimentExampleTest {
    static final String[] POSITIVE = {
        "Great food and great service.", "I love this phone, it works great.", "The movie was wonderful.",
        "Excellent value, I love it.", "What a great place, very friendly staff.", "The acting was excellent.",
        "Good sound and a great battery.", "I really enjoyed this film, wonderful story.",
        "The staff were friendly and the food was good.", "Best purchase ever, excellent quality.",
        "Loved it, great experience.", "Wonderful movie with great actors.", "Very good case, works well.",
        "Friendly service and excellent food.", "I love the screen, it is great.", "A wonderful, enjoyable film.",
        "Great product, works as described.", "The pizza was excellent and the staff friendly.",
        "Highly recommended, good value.", "Beautiful film, I loved the music.",
    };
    static final String[] NEGATIVE = {
        "Terrible food and awful service.", "I hate this phone, it broke.", "The movie was boring.",
        "Waste of money, I hate it.", "What a bad place, very rude staff.", "The acting was awful.",
        "Poor sound and a terrible battery.", "I really disliked this film, boring story.",
        "The staff were rude and the food was bad.", "Worst purchase ever, poor quality.",
        "Hated it, awful experience.", "Boring movie with terrible actors.", "Very bad case, broke quickly.",
        "Rude service and awful food.", "I hate the screen, it is terrible.", "A boring, awful film.",
        "Bad product, does not work.", "The pizza was terrible and the staff rude.",
        "Not recommended, waste of money.", "Awful film, I hated the music.",
    };

    static final String[] NOUNS = {"food", "service", "movie", "phone", "staff", "battery", "story", "pizza",
        "screen", "film"};
    static final String[] GOOD = {"great", "excellent", "wonderful", "good", "amazing"};
    static final String[] BAD = {"awful", "terrible", "bad", "boring", "poor"};
    static final String[] TEMPLATES = {"The %s was %s.", "What a %2$s %1$s!", "I thought the %s was %s.",
        "A really %2$s %1$s."};

    /** The 40 handwritten sentences and 80 more from templates: words recur, so held-out ones can be read. */
    static List<SentimentExample.Sentence> sentences() {
        List<SentimentExample.Sentence> out = new ArrayList<>();
        for (int i = 0; i < POSITIVE.length; i++) {
            out.add(new SentimentExample.Sentence(POSITIVE[i], 1, "hand"));
            out.add(new SentimentExample.Sentence(NEGATIVE[i], 0, "hand"));
        }
        for (int i = 0; i < 40; i++) {
            String noun = NOUNS[i % NOUNS.length];
            String template = TEMPLATES[(i / 3) % TEMPLATES.length];
            out.add(new SentimentExample.Sentence(String.format(template, noun, GOOD[(i * 7) % GOOD.length]), 1,
                    "template"));
            out.add(new SentimentExample.Sentence(String.format(template, noun, BAD[(i * 3) % BAD.length]), 0,
                    "template"));
        }
        return out;
    }

    @Test
    void trainsBeatsChanceSavesAndPredicts(@TempDir Path dir) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        SentimentExample.Config config = new SentimentExample.Config(16, 16, 4, 25, 1e-2, 0.1f, 1, 5.0, 3);
        SentimentExample.Result r;
        try (PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8)) {
            r = SentimentExample.train(Backends.get("cpu"), sentences(), config, dir, out);
        }
        assertEquals(18, r.testSize());
        assertTrue(r.testAccuracy() >= 0.8, "held-out accuracy " + r.testAccuracy() + " should beat chance");
        assertTrue(r.validationAccuracy() > 0.5, "validation accuracy " + r.validationAccuracy());
        for (String f : List.of("model.safetensors", "vocabulary.json", "training.csv", "test_predictions.csv")) {
            assertTrue(Files.size(dir.resolve(f)) > 20, f);
        }
        String[] lines = bytes.toString(StandardCharsets.UTF_8).strip().split("\n");
        String last = lines[lines.length - 1];
        assertTrue(last.startsWith("sentiment: held-out accuracy ") && last.contains(" vs majority-class baseline "),
                last);

        String good = SentimentExample.predict(dir, Backends.get("cpu"), "Great service, I love this place.");
        String bad = SentimentExample.predict(dir, Backends.get("cpu"), "Awful, rude and boring. I hate it.");
        assertTrue(good.startsWith("positive (p = "), good);
        assertTrue(bad.startsWith("negative (p = "), bad);
        assertTrue(SentimentExample.predict(dir, Backends.get("cpu"), "zzz qqq").matches("(positive|negative) "
                + "\\(p = 0\\.\\d{3}\\)"), "unknown words still give a label");
    }

    @Test
    void predictWithoutAModelSaysHowToMakeOne(@TempDir Path dir) {
        IOException e = assertThrows(IOException.class,
                () -> SentimentExample.predict(dir, Backends.get("cpu"), "hello"));
        assertTrue(e.getMessage().contains("./recur example sentiment"), e.getMessage());
    }

    @Test
    void parsesTheFixtureFormatAndSkipsTheEmptyRecord() throws IOException {
        String json = "[{\"text\":\"Good case, Excellent value.\",\"class\":1},{\"text\":\"Crust is not good.  \","
                + "\"class\":0},{\"text\":\"\",\"class\":null}]";
        List<SentimentExample.Sentence> s = SentimentExample.parse(json, "yelp");
        assertEquals(List.of(new SentimentExample.Sentence("Good case, Excellent value.", 1, "yelp"),
                new SentimentExample.Sentence("Crust is not good.", 0, "yelp")), s);
        assertThrows(IOException.class, () -> SentimentExample.parse("{\"not\": \"an array\"}", "x"));
    }

    @Test
    void commandLineErrors() {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8);
        PrintStream o = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
        assertEquals(2, Examples.example(new String[] {}, o, e));
        assertEquals(2, Examples.example(new String[] {"no-such-example"}, o, e));
        assertEquals(2, Examples.example(new String[] {"sentiment", "--epochs", "0"}, o, e));
        assertEquals(2, Examples.example(new String[] {"sentiment", "--bogus"}, o, e));
        assertEquals(2, Examples.predict(new String[] {"sentiment"}, o, e));
        assertEquals(1, Examples.predict(new String[] {"sentiment", "--model", "/nonexistent/dir", "good"}, o, e));
        String text = err.toString(StandardCharsets.UTF_8);
        assertTrue(text.contains("example needs a name: " + String.join(", ", Examples.NAMES)
                + " (got \"no-such-example\")"), text);
        assertTrue(text.contains("--epochs must be >= 1, got 0"), text);
        assertTrue(text.contains("unknown option --bogus"), text);
        assertTrue(text.contains("no trained sentiment model at /nonexistent/dir"), text);
    }
}
