package dev.recur.examples.apps.music;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The rule corpus: seeded, in key, on the bar grid, starting and ending on the tonic, over all twelve keys. */
class MelodyCorpusTest {
    @Test
    void sameSeedSameMelodiesOtherSeedOthers() {
        assertEquals(MelodyCorpus.generate(50, 7), MelodyCorpus.generate(50, 7));
        assertNotEquals(MelodyCorpus.generate(50, 7), MelodyCorpus.generate(50, 8));
    }

    @Test
    void melodiesFollowTheRules() {
        List<MelodyCorpus.Melody> all = MelodyCorpus.generate(300, 3);
        Set<Integer> keys = new HashSet<>();
        Set<Integer> durations = new HashSet<>();
        int rests = 0;
        for (MelodyCorpus.Melody m : all) {
            keys.add(m.tonic() % 12);
            List<Note> notes = m.notes();
            assertEquals(m.tonic(), notes.get(0).pitch(), "starts on the tonic: " + notes);
            Note last = notes.get(notes.size() - 1);
            assertEquals(0, Math.floorMod(last.pitch() - m.tonic(), 12), "ends on the tonic: " + notes);
            int total = 0;
            for (Note n : notes) {
                total += n.sixteenths();
                durations.add(n.sixteenths());
                if (n.isRest()) {
                    rests++;
                    continue;
                }
                assertTrue(MelodyCorpus.inMajorScale(n.pitch(), m.tonic()), n + " in " + notes);
                assertTrue(n.pitch() >= m.tonic() - 8 && n.pitch() <= m.tonic() + 19, n + " in range");
                assertTrue(Arrays.stream(Note.DURATIONS).anyMatch(d -> d == n.sixteenths()), n + " duration");
            }
            assertEquals(4 * 16, total, "four bars of 4/4: " + notes);
            assertTrue(notes.size() >= 4, "at least 4 notes: " + notes);
        }
        assertEquals(12, keys.size(), "all twelve keys");
        assertTrue(durations.size() >= 4, "several rhythms: " + durations);
        assertTrue(rests > 0, "some rests");
        assertThrows(IllegalArgumentException.class, () -> MelodyCorpus.generate(0, 1));
    }

    @Test
    void scaleMembershipAndTokens() {
        assertTrue(MelodyCorpus.inMajorScale(64, 60));
        assertTrue(MelodyCorpus.inMajorScale(47, 60));
        assertTrue(!MelodyCorpus.inMajorScale(61, 60));
        assertTrue(MelodyCorpus.inMajorScale(66, 55)); // F# in G major
        assertEquals(new Note(60, 4), Note.ofToken(new Note(60, 4).token()));
        assertEquals(Note.rest(2), Note.ofToken("R:2"));
        assertEquals("C4 1/4", new Note(60, 4).toString());
        assertEquals("Bb3 1/8", new Note(58, 2).toString());
        assertEquals(4, Note.quantizeDuration(4.4));
        assertEquals(16, Note.quantizeDuration(40));
        assertEquals(1, Note.quantizeDuration(0.2));
    }
}
