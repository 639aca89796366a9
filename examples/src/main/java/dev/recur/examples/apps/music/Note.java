package dev.recur.examples.apps.music;

import java.util.Locale;

/**
 * One note event of a monophonic melody: a MIDI pitch (0-127, or {@link #REST}) held for a number of sixteenth
 * notes. Its token is {@code "PITCH:SIXTEENTHS"} ({@code "60:4"} is middle C for a quarter note) or
 * {@code "R:SIXTEENTHS"} for a rest: the example's model reads and writes one joint token per note.
 *
 * @param pitch      the MIDI key number, or {@link #REST}
 * @param sixteenths the duration in sixteenth notes, {@code >= 1}
 */
public record Note(int pitch, int sixteenths) {
    /** The pitch of a rest. */
    public static final int REST = -1;
    /** The durations (in sixteenths) tokens use; MIDI input is quantized to the nearest of them. */
    public static final int[] DURATIONS = {1, 2, 3, 4, 6, 8, 12, 16};
    private static final String[] NAMES = {"C", "C#", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B"};

    /** Checks the ranges. */
    public Note {
        if (pitch != REST && (pitch < 0 || pitch > 127)) {
            throw new IllegalArgumentException("note: pitch must be a MIDI key 0-127 or REST, got " + pitch);
        }
        if (sixteenths < 1) {
            throw new IllegalArgumentException("note: duration must be >= 1 sixteenth, got " + sixteenths);
        }
    }

    /** A rest of {@code sixteenths}. */
    public static Note rest(int sixteenths) {
        return new Note(REST, sixteenths);
    }

    /** Whether this is a rest. */
    public boolean isRest() {
        return pitch == REST;
    }

    /** The token: {@code "60:4"} or {@code "R:4"}. */
    public String token() {
        return (isRest() ? "R" : Integer.toString(pitch)) + ":" + sixteenths;
    }

    /** The note of a {@link #token()}. */
    public static Note ofToken(String token) {
        int colon = token.indexOf(':');
        if (colon < 1) {
            throw new IllegalArgumentException("note: a token is PITCH:SIXTEENTHS or R:SIXTEENTHS, got \"" + token
                    + "\"");
        }
        String p = token.substring(0, colon);
        int d = Integer.parseInt(token.substring(colon + 1));
        return new Note(p.equals("R") ? REST : Integer.parseInt(p), d);
    }

    /** The pitch's name with its octave ({@code C4} = 60, {@code Bb3} = 58), or {@code rest}. */
    public static String pitchName(int pitch) {
        return pitch == REST ? "rest" : NAMES[pitch % 12] + (pitch / 12 - 1);
    }

    /** The duration in words where it has a common name, else {@code N/16}. */
    public static String durationName(int sixteenths) {
        return switch (sixteenths) {
            case 1 -> "1/16";
            case 2 -> "1/8";
            case 3 -> "3/16";
            case 4 -> "1/4";
            case 6 -> "3/8";
            case 8 -> "1/2";
            case 12 -> "3/4";
            case 16 -> "1";
            default -> sixteenths + "/16";
        };
    }

    /** The duration of {@link #DURATIONS} nearest to {@code sixteenths} (ties to the shorter; over 16 → 16). */
    public static int quantizeDuration(double sixteenths) {
        int best = DURATIONS[0];
        for (int d : DURATIONS) {
            if (Math.abs(d - sixteenths) < Math.abs(best - sixteenths)) {
                best = d;
            }
        }
        return best;
    }

    /** {@code C4 1/4}, {@code rest 1/8}. */
    @Override
    public String toString() {
        return String.format(Locale.ROOT, "%s %s", pitchName(pitch), durationName(sixteenths));
    }
}
