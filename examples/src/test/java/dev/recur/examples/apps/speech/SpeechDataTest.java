package dev.recur.examples.apps.speech;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The split by voice variant, the synthesis plan, and parsing espeak-ng's variant list. */
class SpeechDataTest {
    static List<String> variants(int n) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add("v" + i);
        }
        return out;
    }

    @Test
    void splitIsDisjointCompleteSeededAndSized() {
        List<String> all = variants(100);
        SpeechData.Split s = SpeechData.Split.of(all, 0.2, 0.1, 5);
        assertEquals(70, s.train().size());
        assertEquals(10, s.validation().size());
        assertEquals(20, s.test().size());
        Set<String> union = new HashSet<>(s.train());
        union.addAll(s.validation());
        union.addAll(s.test());
        assertEquals(new HashSet<>(all), union);
        assertEquals(s, SpeechData.Split.of(all, 0.2, 0.1, 5));
        assertNotEquals(s.test(), SpeechData.Split.of(all, 0.2, 0.1, 6).test());
        assertEquals(SpeechData.TEST, s.setOf(s.test().get(0)));
        assertEquals(SpeechData.TRAIN, s.setOf(s.train().get(0)));
        assertThrows(IllegalArgumentException.class, () -> SpeechData.Split.of(variants(2), 0.2, 0.1, 1));
        assertThrows(IllegalArgumentException.class, () -> new SpeechData.Split(List.of("a"), List.of("b"),
                List.of("a")));
        SpeechData.Split tiny = SpeechData.Split.of(variants(3), 0.2, 0.1, 1);
        assertEquals(1, tiny.test().size());
        assertEquals(1, tiny.train().size());
    }

    @Test
    void noVoiceIsInTwoSetsAndThePlanIsDeterministic() {
        SpeechData.Split split = SpeechData.Split.of(variants(30), 0.2, 0.1, 9);
        SpeechData.Plan plan = SpeechData.Plan.quick();
        List<DigitSynth.Utterance> u = SpeechData.utterances(SpeechData.ACCENTS, split, plan, 9);
        assertEquals(30 * 2 * 10, u.size());
        assertEquals(u, SpeechData.utterances(SpeechData.ACCENTS, split, plan, 9));
        Map<String, String> setOfVoice = new HashMap<>();
        Map<String, Integer> perVoice = new HashMap<>();
        for (DigitSynth.Utterance x : u) {
            String set = split.setOf(x.variant());
            String before = setOfVoice.put(x.voice(), set);
            assertTrue(before == null || before.equals(set), x.voice() + " is in " + before + " and " + set);
            perVoice.merge(x.voice(), 1, Integer::sum);
            assertTrue(x.speed() >= plan.minSpeed() && x.speed() <= plan.maxSpeed());
            assertTrue(x.pitch() >= plan.minPitch() && x.pitch() <= plan.maxPitch());
            assertTrue(SpeechData.ACCENTS.contains(x.accent()));
        }
        assertEquals(60, perVoice.size());
        perVoice.values().forEach(n -> assertEquals(10, n)); // each voice says every digit once
        // The full plan: every accent for every variant.
        List<DigitSynth.Utterance> full = SpeechData.utterances(List.of("en-us", "en-gb"), split,
                SpeechData.Plan.full(), 1);
        assertEquals(30 * 2 * 10, full.size());
    }

    @Test
    void fileNamesAreSafeAndDistinct() {
        DigitSynth.Utterance a = new DigitSynth.Utterance("en-gb-x-rp", "m3", 7, 175, 50);
        assertEquals("en-gb-x-rp+m3", a.voice());
        assertEquals("seven", a.word());
        assertEquals("en-gb-x-rp_m3_s175_p50_seven.wav", a.fileName());
        assertNotEquals(a.fileName(), new DigitSynth.Utterance("en-gb-x-rp", "m3", 7, 175, 51).fileName());
    }

    @Test
    void parsesEspeakNgVariantListing() {
        String listing = """
                Pty Language       Age/Gender VoiceName          File                 Other Languages
                 5  variant         --/M      Adam               !v/adam             \s
                 5  variant         --/M      Mr_Serious         !v/Mr serious       \s
                 5  variant         --/M      Storm              !v/Storm             (en-us 5)
                 5  variant         --/F      female2            !v/f2               \s
                """;
        assertEquals(List.of("Storm", "adam", "f2"), DigitSynth.parseVariants(listing));
    }
}
