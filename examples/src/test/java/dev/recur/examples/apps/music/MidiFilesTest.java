package dev.recur.examples.apps.music;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import javax.sound.midi.InvalidMidiDataException;
import javax.sound.midi.MetaMessage;
import javax.sound.midi.MidiEvent;
import javax.sound.midi.MidiSystem;
import javax.sound.midi.Sequence;
import javax.sound.midi.ShortMessage;
import javax.sound.midi.Track;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** MIDI out and in: round trip, other people's files (drums, chords, type 0, other resolutions), clear errors. */
class MidiFilesTest {
    static final List<Note> TUNE = List.of(new Note(60, 4), new Note(62, 2), new Note(64, 2), Note.rest(4),
            new Note(67, 6), new Note(65, 2), new Note(72, 16), new Note(59, 1), new Note(60, 12));

    @Test
    void writeThenReadGivesTheSameNotesDurationsAndTempo(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("tune.mid");
        MidiFiles.write(f, TUNE, 96, "a tune");
        // Standard: javax.sound.midi reads it back as a type-1 file with a conductor and a melody track.
        assertEquals(1, MidiSystem.getMidiFileFormat(f.toFile()).getType());
        Sequence seq = MidiSystem.getSequence(f.toFile());
        assertEquals(2, seq.getTracks().length);
        assertEquals(MidiFiles.RESOLUTION, seq.getResolution());
        MidiFiles.Piece p = MidiFiles.read(f);
        assertEquals(TUNE, p.notes());
        assertEquals(96, p.bpm(), 1e-6);
        assertEquals(0, p.drumNotesSkipped());
        assertEquals(0, p.chordNotesDropped());
        assertEquals("tune.mid", p.name());
    }

    @Test
    void readsAFolderSkippingDrumsAndKeepingTheTopNoteOfChords(@TempDir Path dir) throws Exception {
        // File 1, type 1 at 96 ticks per quarter (24 per sixteenth): a melody track on channel 1 with a
        // C-major chord under its first note, and a drum track on channel 10.
        Sequence band = new Sequence(Sequence.PPQ, 96);
        Track tempo = band.createTrack();
        tempo.add(new MidiEvent(new MetaMessage(0x51, new byte[] {0x09, 0x27, (byte) 0xC0}, 3), 0)); // 100 bpm
        Track melody = band.createTrack();
        note(melody, 0, 72, 0, 96);      // C5 quarter, the top of the chord
        note(melody, 0, 60, 0, 96);      // C4 ┐ the chord's other notes, dropped
        note(melody, 0, 64, 0, 96);      // E4 ┘
        note(melody, 0, 74, 96, 48);     // D5 eighth
        note(melody, 0, 76, 144, 48);    // E5 eighth
        note(melody, 0, 79, 240, 192);   // an eighth of silence (192 to 240): a rest, then G5 half
        Track drums = band.createTrack();
        for (int t = 0; t < 384; t += 48) {
            note(drums, MidiFiles.DRUM_CHANNEL, 36, t, 24);   // bass drum every eighth: skipped
        }
        MidiSystem.write(band, 1, dir.resolve("band.mid").toFile());
        // File 2, type 0 at 480 ticks per quarter with slightly humanised timing, in a subfolder, with
        // note-on velocity 0 as note-off; no tempo event (120 bpm).
        Sequence solo = new Sequence(Sequence.PPQ, 480);
        Track t0 = solo.createTrack();
        t0.add(new MidiEvent(new ShortMessage(ShortMessage.NOTE_ON, 2, 67, 90), 5));
        t0.add(new MidiEvent(new ShortMessage(ShortMessage.NOTE_ON, 2, 67, 0), 470));
        t0.add(new MidiEvent(new ShortMessage(ShortMessage.NOTE_ON, 2, 69, 90), 478));
        t0.add(new MidiEvent(new ShortMessage(ShortMessage.NOTE_ON, 2, 69, 0), 1440));
        Files.createDirectories(dir.resolve("more"));
        MidiSystem.write(solo, 0, dir.resolve("more/solo.midi").toFile());
        Files.writeString(dir.resolve("readme.txt"), "not MIDI, ignored");

        List<MidiFiles.Piece> pieces = MidiFiles.readFolder(dir);
        assertEquals(2, pieces.size());
        MidiFiles.Piece p = pieces.get(0);
        assertEquals("band.mid", p.name());
        assertEquals(List.of(new Note(72, 4), new Note(74, 2), new Note(76, 2), Note.rest(2), new Note(79, 8)),
                p.notes());
        assertEquals(100, p.bpm(), 0.01);
        assertEquals(8, p.drumNotesSkipped());
        assertEquals(2, p.chordNotesDropped());
        MidiFiles.Piece q = pieces.get(1);
        assertEquals(Path.of("more", "solo.midi").toString(), q.name());
        assertEquals(List.of(new Note(67, 4), new Note(69, 8)), q.notes());
        assertEquals(120, q.bpm(), 1e-9);
    }

    @Test
    void drumsOnlyFileHasNoNotes(@TempDir Path dir) throws Exception {
        Sequence s = new Sequence(Sequence.PPQ, 96);
        Track t = s.createTrack();
        note(t, MidiFiles.DRUM_CHANNEL, 38, 0, 24);
        note(t, MidiFiles.DRUM_CHANNEL, 42, 48, 24);
        MidiSystem.write(s, 0, dir.resolve("beat.mid").toFile());
        MidiFiles.Piece p = MidiFiles.read(dir.resolve("beat.mid"));
        assertTrue(p.notes().isEmpty());
        assertEquals(2, p.drumNotesSkipped());
    }

    @Test
    void clearErrorsForMissingEmptyAndCorruptInput(@TempDir Path dir) throws Exception {
        IOException missing = assertThrows(IOException.class, () -> MidiFiles.readFolder(dir.resolve("nope")));
        assertTrue(missing.getMessage().contains("nope") && missing.getMessage().contains("does not exist"),
                missing.getMessage());
        Path empty = Files.createDirectories(dir.resolve("empty"));
        Files.writeString(empty.resolve("notes.txt"), "C D E");
        IOException none = assertThrows(IOException.class, () -> MidiFiles.readFolder(empty));
        assertTrue(none.getMessage().contains("holds no .mid or .midi files"), none.getMessage());
        Path file = Files.writeString(dir.resolve("file.mid"), "x");
        IOException notDir = assertThrows(IOException.class, () -> MidiFiles.readFolder(file));
        assertTrue(notDir.getMessage().contains("is not a folder"), notDir.getMessage());

        Path bad = Files.createDirectories(dir.resolve("bad"));
        MidiFiles.write(bad.resolve("a_good.mid"), MidiFilesTest.TUNE, 120, "good");
        Files.write(bad.resolve("b_garbage.mid"), "this is not a MIDI file at all".getBytes());
        IOException garbage = assertThrows(IOException.class, () -> MidiFiles.readFolder(bad));
        assertTrue(garbage.getMessage().contains("b_garbage.mid")
                && garbage.getMessage().contains("is not a readable standard MIDI file"), garbage.getMessage());

        Path cut = Files.createDirectories(dir.resolve("cut"));
        byte[] whole = MidiFiles.toBytes(TUNE, 120, "cut");
        Files.write(cut.resolve("truncated.mid"), Arrays.copyOf(whole, whole.length - 20));
        IOException truncated = assertThrows(IOException.class, () -> MidiFiles.readFolder(cut));
        assertTrue(truncated.getMessage().contains("truncated.mid")
                && truncated.getMessage().contains("truncated"), truncated.getMessage());
        Path empty2 = Files.createDirectories(dir.resolve("empty2"));
        Files.write(empty2.resolve("zero.mid"), new byte[0]);
        IOException zero = assertThrows(IOException.class, () -> MidiFiles.readFolder(empty2));
        assertTrue(zero.getMessage().contains("zero.mid") && zero.getMessage().contains("the file is empty"),
                zero.getMessage());
    }

    static void note(Track t, int channel, int pitch, long at, long length) throws InvalidMidiDataException {
        t.add(new MidiEvent(new ShortMessage(ShortMessage.NOTE_ON, channel, pitch, 100), at));
        t.add(new MidiEvent(new ShortMessage(ShortMessage.NOTE_OFF, channel, pitch, 0), at + length));
    }
}
