package dev.recur.examples.apps.music;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The example's default training data: short melodies in major keys made from simple rules, seeded and
 * reproducible. A melody has {@code bars} bars of 4/4; each bar takes one of a few rhythms (the last bar a
 * cadence rhythm, some with a rest); its pitches walk the scale degrees of its key, built from segments —
 * scale runs up or down, arpeggios of the I, IV and V(7) chords, and short motifs repeated a step higher or
 * lower (a sequence) — starting on the tonic and ending on the tonic. Each melody is made in C and transposed
 * to a key drawn from all twelve (tonic G3 to F#4), so every pitch is in the major scale of its first note:
 * the seed of a generated melody names its key.
 */
public final class MelodyCorpus {
    /** Semitones above the tonic of the major scale's degrees. */
    static final int[] MAJOR = {0, 2, 4, 5, 7, 9, 11};
    /** The lowest tonic (G3); tonics run over the twelve keys from here. */
    static final int LOWEST_TONIC = 55;
    /** Rhythms of a bar (sixteenths; negative = a rest), each summing to 16. */
    static final int[][] RHYTHMS = {
        {4, 4, 4, 4}, {2, 2, 4, 4, 4}, {6, 2, 4, 4}, {4, 2, 2, 8}, {2, 2, 2, 2, 4, 4}, {8, 4, 4}, {4, 4, 2, 2, 4},
        {4, 4, 4, -4},
    };
    /** Rhythms of the last bar (the last note is the final tonic). */
    static final int[][] CADENCES = {{4, 4, 8}, {8, 8}, {2, 2, 4, 8}, {4, 12}, {16}};
    /** Motifs as scale-degree steps from their first note. */
    static final int[][] MOTIFS = {{0, 1, 2}, {0, 2, 1}, {0, -1, 0, 2}, {0, 2, 4}, {0, 1, 0}, {0, -2, -1},
        {0, 4, 3, 2}};
    private static final int LOW = -4;
    private static final int HIGH = 11;

    /**
     * A melody of the corpus.
     *
     * @param tonic the MIDI pitch of its key's tonic (its first note)
     * @param notes its notes and rests
     */
    public record Melody(int tonic, List<Note> notes) {
        /** Copies the notes. */
        public Melody {
            notes = List.copyOf(notes);
        }
    }

    private MelodyCorpus() {
    }

    /**
     * {@code count} melodies of 4 bars each, from {@code seed}.
     *
     * @throws IllegalArgumentException when {@code count < 1}
     */
    public static List<Melody> generate(int count, long seed) {
        return generate(count, 4, seed);
    }

    /**
     * {@code count} melodies of {@code bars} bars (>= 2) each; the same arguments give the same melodies.
     *
     * @throws IllegalArgumentException when {@code count < 1} or {@code bars < 2}
     */
    public static List<Melody> generate(int count, int bars, long seed) {
        if (count < 1 || bars < 2) {
            throw new IllegalArgumentException("melody corpus: needs count >= 1 and bars >= 2, got " + count + ", "
                    + bars);
        }
        SplittableRandom rng = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + 12345);
        List<Melody> out = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            out.add(melody(rng, bars));
        }
        return out;
    }

    /** Whether {@code pitch} lies in the major scale of {@code tonic}. */
    public static boolean inMajorScale(int pitch, int tonic) {
        int pc = Math.floorMod(pitch - tonic, 12);
        for (int s : MAJOR) {
            if (s == pc) {
                return true;
            }
        }
        return false;
    }

    /** The MIDI pitch of scale degree {@code degree} (0 = the tonic, 7 = an octave up, -1 = the leading tone below). */
    static int pitch(int tonic, int degree) {
        return tonic + MAJOR[Math.floorMod(degree, 7)] + 12 * Math.floorDiv(degree, 7);
    }

    private static Melody melody(SplittableRandom rng, int bars) {
        // Rhythm: one main rhythm, a second one for contrast in every other bar, and a cadence.
        int[] main = RHYTHMS[rng.nextInt(RHYTHMS.length)];
        int[] other = RHYTHMS[rng.nextInt(RHYTHMS.length)];
        List<Integer> durations = new ArrayList<>();
        for (int b = 0; b < bars - 1; b++) {
            for (int d : (b % 2 == 1 && rng.nextInt(2) == 0) ? other : main) {
                durations.add(d);
            }
        }
        for (int d : CADENCES[rng.nextInt(CADENCES.length)]) {
            durations.add(d);
        }
        if (durations.get(0) < 0) {
            durations.set(0, -durations.get(0));
        }
        int notes = (int) durations.stream().filter(d -> d > 0).count();
        // Pitches: scale degrees from the tonic, segment by segment; the last note returns to the tonic.
        List<Integer> degrees = new ArrayList<>();
        degrees.add(0);
        while (degrees.size() < notes - 1) {
            int cur = degrees.get(degrees.size() - 1);
            List<Integer> seg = switch (rng.nextInt(4)) {
                case 0 -> scaleRun(rng, cur);
                case 1 -> arpeggio(rng, cur);
                case 2 -> motifSequence(rng, cur);
                default -> neighbour(rng, cur);
            };
            for (int d : seg) {
                if (degrees.size() < notes - 1) {
                    degrees.add(d);
                }
            }
        }
        int last = degrees.get(degrees.size() - 1);
        degrees.add(Math.abs(last - 7) < Math.abs(last) ? 7 : 0);
        int tonic = LOWEST_TONIC + rng.nextInt(12);
        List<Note> out = new ArrayList<>();
        int k = 0;
        for (int d : durations) {
            out.add(d < 0 ? Note.rest(-d) : new Note(pitch(tonic, degrees.get(k++)), d));
        }
        return new Melody(tonic, out);
    }

    /** 3 to 6 steps up or down the scale, turning back at the range's ends. */
    private static List<Integer> scaleRun(SplittableRandom rng, int cur) {
        int dir = rng.nextInt(2) == 0 ? 1 : -1;
        int len = 3 + rng.nextInt(4);
        List<Integer> out = new ArrayList<>();
        for (int i = 0; i < len; i++) {
            if (cur + dir > HIGH || cur + dir < LOW) {
                dir = -dir;
            }
            cur += dir;
            out.add(cur);
        }
        return out;
    }

    /** The I, IV or V (sometimes V7) chord's tones, up or down, from the chord tone nearest the current degree. */
    private static List<Integer> arpeggio(SplittableRandom rng, int cur) {
        int[] roots = {0, 3, 4};
        int root = roots[rng.nextInt(3)];
        int[] steps = root == 4 && rng.nextInt(2) == 0 ? new int[] {0, 2, 4, 6} : new int[] {0, 2, 4, 7};
        int base = root + 7 * Math.floorDiv(cur - root + 3, 7);
        boolean up = base + 7 <= HIGH && (base <= LOW + 2 || rng.nextInt(2) == 0);
        List<Integer> out = new ArrayList<>();
        for (int i = 0; i < steps.length; i++) {
            int d = up ? base + steps[i] : base + 7 - steps[i];
            out.add(clamp(d));
        }
        return out;
    }

    /** A motif, then the same motif one or two degrees higher or lower (twice or three times in all). */
    private static List<Integer> motifSequence(SplittableRandom rng, int cur) {
        int[] motif = MOTIFS[rng.nextInt(MOTIFS.length)];
        int shift = new int[] {1, -1, 2, -2}[rng.nextInt(4)];
        int times = 2 + rng.nextInt(2);
        int start = cur + (rng.nextInt(2) == 0 ? 1 : -1);
        List<Integer> out = new ArrayList<>();
        for (int t = 0; t < times; t++) {
            for (int m : motif) {
                out.add(clamp(start + t * shift + m));
            }
        }
        return out;
    }

    /** An upper or lower neighbour and back, or a repeated note. */
    private static List<Integer> neighbour(SplittableRandom rng, int cur) {
        return switch (rng.nextInt(3)) {
            case 0 -> List.of(clamp(cur + 1), cur);
            case 1 -> List.of(clamp(cur - 1), cur);
            default -> List.of(cur, clamp(cur + 2));
        };
    }

    private static int clamp(int d) {
        while (d > HIGH) {
            d -= 7;
        }
        while (d < LOW) {
            d += 7;
        }
        return d;
    }
}
