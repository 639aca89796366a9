package dev.recur.examples.apps.music;

import dev.recur.io.AtomicFiles;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import javax.sound.midi.InvalidMidiDataException;
import javax.sound.midi.MetaMessage;
import javax.sound.midi.MidiEvent;
import javax.sound.midi.MidiMessage;
import javax.sound.midi.MidiSystem;
import javax.sound.midi.Sequence;
import javax.sound.midi.ShortMessage;
import javax.sound.midi.Track;

/**
 * Standard MIDI files in and out, with {@code javax.sound.midi}.
 *
 * <p><b>Writing</b>: a type-1 file, 480 ticks per quarter note: a conductor track (tempo, 4/4, title) and one
 * piano track on channel 1 with the melody; rests are gaps.
 *
 * <p><b>Reading</b> turns any standard MIDI file (type 0 or 1, any resolution) into one monophonic melody: the
 * notes of every track and channel except the General MIDI drum channel (channel 10, index 9, skipped and
 * counted) are put on a grid of sixteenth notes; where several notes start on the same sixteenth (a chord, or
 * two tracks at once) the highest is kept (the "skyline", counted as dropped chord notes); a note lasts until
 * its note-off or the next note's onset, whichever comes first, and a silence before the next onset becomes a
 * rest. Durations are quantized to {@link Note#DURATIONS} (longer ones to a whole note); the tempo is the
 * first tempo event's (120 bpm without one).
 */
public final class MidiFiles {
    /** Ticks per quarter note of the files written. */
    public static final int RESOLUTION = 480;
    /** The General MIDI percussion channel (index 9, "channel 10"). */
    public static final int DRUM_CHANNEL = 9;
    private static final int TEMPO = 0x51;
    private static final int TIME_SIGNATURE = 0x58;
    private static final int TRACK_NAME = 0x03;

    /**
     * A melody read from a file.
     *
     * @param name              the file's path relative to the folder read (or its file name)
     * @param notes             the melody (empty when the file has no notes outside the drum channel)
     * @param bpm               the tempo in quarter notes per minute
     * @param drumNotesSkipped  notes on the drum channel, left out
     * @param chordNotesDropped notes that started with a higher one on the same sixteenth, left out
     */
    public record Piece(String name, List<Note> notes, double bpm, int drumNotesSkipped, int chordNotesDropped) {
        /** Copies the notes. */
        public Piece {
            notes = List.copyOf(notes);
        }
    }

    private MidiFiles() {
    }

    /** The bytes of a type-1 standard MIDI file of {@code notes} at {@code bpm}, titled {@code title}. */
    public static byte[] toBytes(List<Note> notes, double bpm, String title) throws IOException {
        try {
            Sequence seq = new Sequence(Sequence.PPQ, RESOLUTION);
            Track conductor = seq.createTrack();
            int mpq = (int) Math.round(60_000_000 / bpm);
            conductor.add(new MidiEvent(new MetaMessage(TEMPO, new byte[] {(byte) (mpq >> 16), (byte) (mpq >> 8),
                (byte) mpq}, 3), 0));
            conductor.add(new MidiEvent(new MetaMessage(TIME_SIGNATURE, new byte[] {4, 2, 24, 8}, 4), 0));
            byte[] name = title.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
            conductor.add(new MidiEvent(new MetaMessage(TRACK_NAME, name, name.length), 0));
            Track melody = seq.createTrack();
            melody.add(new MidiEvent(new ShortMessage(ShortMessage.PROGRAM_CHANGE, 0, 0, 0), 0));
            long tick = 0;
            int sixteenth = RESOLUTION / 4;
            for (Note n : notes) {
                long end = tick + (long) n.sixteenths() * sixteenth;
                if (!n.isRest()) {
                    melody.add(new MidiEvent(new ShortMessage(ShortMessage.NOTE_ON, 0, n.pitch(), 80), tick));
                    melody.add(new MidiEvent(new ShortMessage(ShortMessage.NOTE_OFF, 0, n.pitch(), 0), end));
                }
                tick = end;
            }
            // The end-of-track event goes after the last rest too.
            melody.add(new MidiEvent(new MetaMessage(0x2F, new byte[0], 0), tick));
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            MidiSystem.write(seq, 1, bytes);
            return bytes.toByteArray();
        } catch (InvalidMidiDataException e) {
            throw new IOException("midi: cannot encode \"" + title + "\": " + e.getMessage(), e);
        }
    }

    /** Writes {@link #toBytes} to {@code file} (atomically, creating its folder). */
    public static void write(Path file, List<Note> notes, double bpm, String title) throws IOException {
        if (file.getParent() != null) {
            Files.createDirectories(file.getParent());
        }
        AtomicFiles.write(file, toBytes(notes, bpm, title));
    }

    /**
     * Reads one file as a melody (see the class comment).
     *
     * @throws IOException naming the file and what was wrong when it is not a readable standard MIDI file
     */
    public static Piece read(Path file) throws IOException {
        return read(file, file.getFileName().toString());
    }

    private static Piece read(Path file, String name) throws IOException {
        Sequence seq;
        byte[] data;
        try {
            data = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new IOException(String.format(Locale.ROOT, "midi: cannot read %s (%s)", file, e.getMessage()), e);
        }
        checkChunks(data, file);
        try (InputStream in = new ByteArrayInputStream(data)) {
            seq = MidiSystem.getSequence(in);
        } catch (InvalidMidiDataException e) {
            throw new IOException(String.format(Locale.ROOT, "midi: %s is not a readable standard MIDI file (%s)",
                    file, e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()), e);
        } catch (java.io.EOFException e) {
            throw new IOException(String.format(Locale.ROOT,
                    "midi: %s is not a readable standard MIDI file (truncated: it ends inside a chunk)", file), e);
        } catch (IOException e) {
            throw new IOException(String.format(Locale.ROOT, "midi: cannot read %s (%s)", file, e.getMessage()), e);
        } catch (RuntimeException e) {
            throw new IOException(String.format(Locale.ROOT, "midi: %s is not a readable standard MIDI file (%s)",
                    file, e), e);
        }
        return melody(seq, name);
    }

    /**
     * Checks the chunk structure of a standard MIDI file, which {@code javax.sound.midi} does not fully do (it
     * reads a file cut short without complaint): an {@code MThd} header, then as many chunks as it announces,
     * each as long as its length field says.
     */
    static void checkChunks(byte[] data, Path file) throws IOException {
        if (data.length >= 4 && data[0] == 'R' && data[1] == 'I' && data[2] == 'F' && data[3] == 'F') {
            return; // RIFF-wrapped (RMID): left to javax.sound.midi
        }
        String what = null;
        if (data.length == 0) {
            what = "the file is empty";
        } else if (data.length < 14 || data[0] != 'M' || data[1] != 'T' || data[2] != 'h' || data[3] != 'd') {
            what = "it does not start with an MThd header";
        } else {
            long headerLength = u32(data, 4);
            int tracks = ((data[10] & 0xFF) << 8) | (data[11] & 0xFF);
            long at = 8 + headerLength;
            for (int i = 0; i < tracks && what == null; i++) {
                if (at + 8 > data.length) {
                    what = String.format(Locale.ROOT, "truncated: the header announces %d track(s) but the file "
                            + "ends after %d (%d bytes)", tracks, i, data.length);
                } else {
                    long length = u32(data, (int) at + 4);
                    if (at + 8 + length > data.length) {
                        what = String.format(Locale.ROOT, "truncated: chunk %d declares %d bytes but only %d remain",
                                i + 1, length, data.length - at - 8);
                    }
                    at += 8 + length;
                }
            }
        }
        if (what != null) {
            throw new IOException(String.format(Locale.ROOT, "midi: %s is not a readable standard MIDI file (%s)",
                    file, what));
        }
    }

    private static long u32(byte[] b, int at) {
        return ((long) (b[at] & 0xFF) << 24) | ((b[at + 1] & 0xFF) << 16) | ((b[at + 2] & 0xFF) << 8)
                | (b[at + 3] & 0xFF);
    }

    /** The melody of a sequence (see the class comment). */
    static Piece melody(Sequence seq, String name) {
        double ticksPerQuarter = seq.getDivisionType() == Sequence.PPQ ? seq.getResolution()
                // SMPTE timing: ticks per second; read as 120 bpm (2 quarters per second).
                : seq.getDivisionType() * seq.getResolution() / 2.0;
        double ticksPerSixteenth = ticksPerQuarter / 4;
        double bpm = Double.NaN;
        int drums = 0;
        // onset (sixteenths) -> the highest note starting there: {pitch, end in sixteenths}; and how many started.
        TreeMap<Long, long[]> top = new TreeMap<>();
        Map<Long, Integer> starts = new HashMap<>();
        for (Track track : seq.getTracks()) {
            Map<Integer, Deque<Long>> open = new HashMap<>();
            List<long[]> notes = new ArrayList<>();
            for (int i = 0; i < track.size(); i++) {
                MidiEvent ev = track.get(i);
                MidiMessage m = ev.getMessage();
                if (m instanceof MetaMessage meta && meta.getType() == TEMPO && Double.isNaN(bpm)
                        && meta.getData().length == 3) {
                    byte[] d = meta.getData();
                    int mpq = ((d[0] & 0xFF) << 16) | ((d[1] & 0xFF) << 8) | (d[2] & 0xFF);
                    if (mpq > 0) {
                        bpm = 60_000_000.0 / mpq;
                    }
                } else if (m instanceof ShortMessage sm) {
                    int cmd = sm.getCommand();
                    boolean on = cmd == ShortMessage.NOTE_ON && sm.getData2() > 0;
                    boolean off = cmd == ShortMessage.NOTE_OFF || (cmd == ShortMessage.NOTE_ON && sm.getData2() == 0);
                    if (!on && !off) {
                        continue;
                    }
                    if (sm.getChannel() == DRUM_CHANNEL) {
                        drums += on ? 1 : 0;
                        continue;
                    }
                    int key = sm.getChannel() * 128 + sm.getData1();
                    if (on) {
                        open.computeIfAbsent(key, k -> new ArrayDeque<>()).addLast(ev.getTick());
                    } else {
                        Deque<Long> q = open.get(key);
                        if (q != null && !q.isEmpty()) {
                            notes.add(new long[] {sm.getData1(), q.pollFirst(), ev.getTick()});
                        }
                    }
                }
            }
            // Notes never switched off last to the end of the track.
            long trackEnd = track.ticks();
            open.forEach((key, q) -> q.forEach(t -> notes.add(new long[] {key % 128, t, trackEnd})));
            for (long[] n : notes) {
                long onset = Math.round(n[1] / ticksPerSixteenth);
                long end = Math.max(onset + 1, Math.round(n[2] / ticksPerSixteenth));
                starts.merge(onset, 1, Integer::sum);
                long[] cur = top.get(onset);
                if (cur == null || n[0] > cur[0] || (n[0] == cur[0] && end > cur[1])) {
                    top.put(onset, new long[] {n[0], end});
                }
            }
        }
        int chordDropped = 0;
        for (int c : starts.values()) {
            chordDropped += c - 1;
        }
        List<Note> melody = new ArrayList<>();
        List<Map.Entry<Long, long[]>> onsets = new ArrayList<>(top.entrySet());
        for (int i = 0; i < onsets.size(); i++) {
            long onset = onsets.get(i).getKey();
            long[] n = onsets.get(i).getValue();
            long end = n[1];
            if (i + 1 < onsets.size()) {
                long next = onsets.get(i + 1).getKey();
                end = Math.min(end, next);
                melody.add(new Note((int) n[0], Note.quantizeDuration(end - onset)));
                if (next - end >= 1) {
                    melody.add(Note.rest(Note.quantizeDuration(next - end)));
                }
            } else {
                melody.add(new Note((int) n[0], Note.quantizeDuration(end - onset)));
            }
        }
        return new Piece(name, melody, Double.isNaN(bpm) ? 120 : bpm, drums, chordDropped);
    }

    /**
     * Reads every {@code .mid} / {@code .midi} file under {@code dir} (subfolders included, in path order).
     *
     * @throws IOException when the folder is missing or not a folder, holds no MIDI file, or a file cannot be
     *                     read (naming it and what was wrong)
     */
    public static List<Piece> readFolder(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            throw new IOException("midi: the folder " + dir.toAbsolutePath() + " does not exist");
        }
        if (!Files.isDirectory(dir)) {
            throw new IOException("midi: " + dir.toAbsolutePath() + " is not a folder (give a folder of .mid files)");
        }
        List<Path> files;
        try (Stream<Path> s = Files.walk(dir)) {
            files = s.filter(Files::isRegularFile).filter(p -> {
                String n = p.getFileName().toString().toLowerCase(Locale.ROOT);
                return n.endsWith(".mid") || n.endsWith(".midi");
            }).sorted().toList();
        }
        if (files.isEmpty()) {
            throw new IOException("midi: the folder " + dir.toAbsolutePath() + " holds no .mid or .midi files");
        }
        List<Piece> out = new ArrayList<>();
        for (Path f : files) {
            out.add(read(f, dir.relativize(f).toString()));
        }
        return out;
    }
}
