package dev.recur.examples.apps.speech;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.recur.backend.Backends;
import dev.recur.io.Safetensors;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The training pipeline on synthetic feature sequences of varying length: digit d is a bump in band d for the
 * first half of its frames and in band 3d+1 (mod 10) for the second; each "voice" adds its own offset to every
 * band, and noise. Held-out voices are read.
 */
class SpeechExampleTest {
    static final int BANDS = 10;

    static List<SpeechData.Sample> synthetic(long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        List<SpeechData.Sample> out = new ArrayList<>();
        for (int v = 0; v < 12; v++) {
            String variant = "v" + v;
            String set = v < 8 ? SpeechData.TRAIN : v < 10 ? SpeechData.VALIDATION : SpeechData.TEST;
            float[] offset = new float[BANDS];
            for (int i = 0; i < BANDS; i++) {
                offset[i] = (float) r.nextGaussian() * 0.3f;
            }
            for (int rep = 0; rep < 3; rep++) {
                for (int d = 0; d < 10; d++) {
                    int len = 4 + r.nextInt(9);
                    float[][] frames = new float[len][BANDS];
                    float[] average = new float[BANDS];
                    for (int t = 0; t < len; t++) {
                        for (int i = 0; i < BANDS; i++) {
                            frames[t][i] = offset[i] + (float) r.nextGaussian() * 0.2f;
                        }
                        frames[t][t < len / 2 ? d : (3 * d + 1) % BANDS] += 2f;
                        for (int i = 0; i < BANDS; i++) {
                            average[i] += frames[t][i] / len;
                        }
                    }
                    out.add(new SpeechData.Sample(frames, average, d, "en+" + variant, variant, set, null));
                }
            }
        }
        return out;
    }

    @Test
    void trainsOnVariableLengthsAndReadsUnheardVoices(@TempDir Path dir) throws IOException {
        SpeechExample.Config config = new SpeechExample.Config(24, 1, 8, 12, 1e-2, 0.1f, 5.0, 1, 3);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        SpeechExample.Result r;
        try (PrintStream log = new PrintStream(bytes, true, StandardCharsets.UTF_8)) {
            r = SpeechExample.train(Backends.get("cpu"), synthetic(4), config, dir, log);
        }
        String text = bytes.toString(StandardCharsets.UTF_8);
        assertEquals(240, r.trainUtterances());
        assertEquals(60, r.testUtterances());
        assertEquals(8, r.trainVoices());
        assertEquals(2, r.testVoices());
        assertTrue(r.testAccuracy() >= 0.8, "held-out-voice accuracy " + r.testAccuracy() + "\n" + text);
        assertEquals(0.1, r.majorityAccuracy(), 1e-9);
        assertTrue(r.bestEpoch() >= 1 && r.bestEpoch() <= 12);
        for (String f : List.of("model.safetensors", "voices.csv", "training.csv", "test_predictions.csv",
                "test_accuracy_by_variant.csv", "test_confusion.csv")) {
            assertTrue(Files.isRegularFile(dir.resolve(f)), f);
        }
        List<String> voices = Files.readAllLines(dir.resolve("voices.csv"));
        assertEquals("voice,variant,set,utterances", voices.get(0));
        assertEquals(13, voices.size());
        assertTrue(voices.contains("en+v10,v10,test,30"), voices.toString());
        assertEquals("recur-example-speech", Safetensors.read(dir.resolve("model.safetensors")).metadata()
                .get("format"));
        assertEquals(61, Files.readAllLines(dir.resolve("test_predictions.csv")).size());
    }

    @Test
    void twoLayersTrainToo(@TempDir Path dir) throws IOException {
        SpeechExample.Config config = new SpeechExample.Config(16, 2, 8, 10, 1e-2, 0f, 5.0, 2, 5);
        SpeechExample.Result r = SpeechExample.train(Backends.get("cpu"), synthetic(8), config, dir,
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
        assertTrue(r.testAccuracy() >= 0.6, "held-out-voice accuracy " + r.testAccuracy());
    }
}
