package dev.recur.examples.apps.speech;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.recur.examples.apps.ExampleOptions;
import dev.recur.examples.apps.Examples;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Without espeak-ng: the error names the package and the install script; cached WAVs need no espeak-ng. */
class DigitSynthTest {
    static final String MISSING = "recur-test-no-such-espeak-ng-binary";

    static void assertInstallHint(String message) {
        assertTrue(message.contains("espeak-ng"), message);
        assertTrue(message.contains("apt-get install"), message);
        assertTrue(message.contains("tools/install-espeak-ng.sh"), message);
        assertTrue(message.contains(MISSING), message);
    }

    @Test
    void aMissingBinaryIsAClearError(@TempDir Path dir) {
        DigitSynth synth = new DigitSynth(MISSING);
        EspeakMissingException e = assertThrows(EspeakMissingException.class, synth::version);
        assertInstallHint(e.getMessage());
        assertThrows(EspeakMissingException.class, synth::variants);
        List<DigitSynth.Utterance> one = List.of(new DigitSynth.Utterance("en-us", "m1", 3, 175, 50));
        assertThrows(EspeakMissingException.class, () -> synth.synthesise(one, dir, 2, n -> { }));
    }

    @Test
    void cachedUtterancesNeedNoEspeak(@TempDir Path dir) throws IOException {
        DigitSynth.Utterance u = new DigitSynth.Utterance("en-us", "m1", 3, 175, 50);
        WavFile.write(dir.resolve(u.fileName()), new WavFile.Audio(new float[2000], 22050));
        List<Path> files = new DigitSynth(MISSING).synthesise(List.of(u), dir, 2, n -> { });
        assertEquals(List.of(dir.resolve(u.fileName())), files);
    }

    @Test
    void theExampleFailsBeforeDoingAnythingElse(@TempDir Path dir) {
        String before = System.getProperty(SpeechExample.ESPEAK_PROPERTY);
        System.setProperty(SpeechExample.ESPEAK_PROPERTY, MISSING);
        try {
            ExampleOptions options = new ExampleOptions(true, "cpu", 0, dir.resolve("out"), 1);
            ByteArrayOutputStream log = new ByteArrayOutputStream();
            EspeakMissingException e = assertThrows(EspeakMissingException.class, () -> SpeechExample.run(options,
                    new PrintStream(log, true, StandardCharsets.UTF_8)));
            assertInstallHint(e.getMessage());
            // Through the command line: exit status 1 and the hint on stderr.
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            int status = Examples.example(new String[] {"speech", "--quick", "--out", dir.resolve("cli").toString()},
                    new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true,
                            StandardCharsets.UTF_8));
            assertEquals(1, status);
            String text = err.toString(StandardCharsets.UTF_8);
            assertTrue(text.startsWith("recur: example speech: "), text);
            assertInstallHint(text);
        } finally {
            if (before == null) {
                System.clearProperty(SpeechExample.ESPEAK_PROPERTY);
            } else {
                System.setProperty(SpeechExample.ESPEAK_PROPERTY, before);
            }
        }
    }
}
