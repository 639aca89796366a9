package dev.recur.examples.apps.speech;

import dev.recur.data.SeededShuffle;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeSet;

/**
 * The spoken-digit dataset: which voices say what, the split by voice variant, and the features of each WAV.
 * A speaker ("voice") is an espeak-ng accent with a voice variant ({@code en-gb-scotland+m3}); the variants
 * (which set the pitch, the formants, breathiness, ...) are split into training, validation and test, so every
 * voice of a test variant is unheard in training, whatever its accent.
 */
public final class SpeechData {
    /** The English accents used (those espeak-ng lists are kept), as {@code -v} names. */
    public static final List<String> ACCENTS = List.of("en-us", "en-gb", "en-gb-scotland", "en-gb-x-rp",
            "en-gb-x-gbclan", "en-gb-x-gbcwmd", "en-029", "en-us-nyc");
    /** The sets. */
    public static final String TRAIN = "train";
    /** The sets. */
    public static final String VALIDATION = "validation";
    /** The sets. */
    public static final String TEST = "test";

    private SpeechData() {
    }

    /**
     * The variants of each set (disjoint, each sorted).
     *
     * @param train      heard in training
     * @param validation picks the epoch
     * @param test       held out: scored once at the end
     */
    public record Split(List<String> train, List<String> validation, List<String> test) {
        /** Checks the sets are disjoint and not empty. */
        public Split {
            train = List.copyOf(train);
            validation = List.copyOf(validation);
            test = List.copyOf(test);
            Set<String> seen = new HashSet<>();
            for (List<String> l : List.of(train, validation, test)) {
                if (l.isEmpty()) {
                    throw new IllegalArgumentException("speech: every set needs at least one voice variant, got "
                            + train.size() + "/" + validation.size() + "/" + test.size());
                }
                for (String v : l) {
                    if (!seen.add(v)) {
                        throw new IllegalArgumentException("speech: variant " + v + " is in two sets");
                    }
                }
            }
        }

        /**
         * A seeded split of the variants: {@code testFraction} of them (rounded, at least 1) to test,
         * {@code validationFraction} (at least 1) to validation, the rest (at least 1) to training.
         */
        public static Split of(List<String> variants, double testFraction, double validationFraction, long seed) {
            List<String> sorted = new ArrayList<>(new TreeSet<>(variants));
            if (sorted.size() < 3) {
                throw new IllegalArgumentException("speech: need at least 3 voice variants to split, got "
                        + sorted.size());
            }
            SeededShuffle.shuffle(sorted, seed);
            int n = sorted.size();
            int nTest = Math.max(1, (int) Math.round(n * testFraction));
            int nVal = Math.max(1, (int) Math.round(n * validationFraction));
            if (nTest + nVal > n - 1) {
                throw new IllegalArgumentException(String.format(Locale.ROOT,
                        "speech: %d variants cannot give %d test and %d validation variants and still train", n, nTest,
                        nVal));
            }
            return new Split(sortedCopy(sorted.subList(nTest + nVal, n)),
                    sortedCopy(sorted.subList(nTest, nTest + nVal)), sortedCopy(sorted.subList(0, nTest)));
        }

        /** The set of a variant, or null. */
        public String setOf(String variant) {
            return train.contains(variant) ? TRAIN : validation.contains(variant) ? VALIDATION
                    : test.contains(variant) ? TEST : null;
        }

        private static List<String> sortedCopy(List<String> l) {
            List<String> out = new ArrayList<>(l);
            Collections.sort(out);
            return out;
        }
    }

    /**
     * How much to synthesise.
     *
     * @param accentsPerVariant accents each variant speaks with (chosen at random; all when {@code >=} the
     *                          number of accents)
     * @param renditions        utterances of each digit per voice (each with its own speed and pitch)
     * @param minSpeed          words per minute, lowest
     * @param maxSpeed          highest
     * @param minPitch          espeak-ng pitch 0..99, lowest
     * @param maxPitch          highest
     */
    public record Plan(int accentsPerVariant, int renditions, int minSpeed, int maxSpeed, int minPitch,
                       int maxPitch) {
        /** The full dataset: every accent, one rendition, 120..240 words per minute, pitch 20..80. */
        public static Plan full() {
            return new Plan(Integer.MAX_VALUE, 1, 120, 240, 20, 80);
        }

        /** The quick dataset: two accents per variant. */
        public static Plan quick() {
            return new Plan(2, 1, 120, 240, 20, 80);
        }
    }

    /**
     * The utterances: for each variant (sorted), its accents, and for each accent each digit
     * {@code renditions} times at a random speed and pitch; deterministic from the seed.
     */
    public static List<DigitSynth.Utterance> utterances(List<String> accents, Split split, Plan plan, long seed) {
        List<String> variants = new ArrayList<>(new TreeSet<>(split.train()));
        variants.addAll(split.validation());
        variants.addAll(split.test());
        Collections.sort(variants);
        SplittableRandom random = new SplittableRandom(seed);
        List<DigitSynth.Utterance> out = new ArrayList<>();
        for (String v : variants) {
            List<String> chosen = new ArrayList<>(accents);
            if (plan.accentsPerVariant() < accents.size()) {
                SeededShuffle.shuffle(chosen, random.nextLong());
                chosen = new ArrayList<>(chosen.subList(0, plan.accentsPerVariant()));
                chosen.sort(Comparator.comparingInt(accents::indexOf));
            }
            for (String a : chosen) {
                for (int d = 0; d < DigitSynth.WORDS.size(); d++) {
                    for (int r = 0; r < plan.renditions(); r++) {
                        int speed = plan.minSpeed() + random.nextInt(plan.maxSpeed() - plan.minSpeed() + 1);
                        int pitch = plan.minPitch() + random.nextInt(plan.maxPitch() - plan.minPitch() + 1);
                        out.add(new DigitSynth.Utterance(a, v, d, speed, pitch));
                    }
                }
            }
        }
        return out;
    }

    /**
     * One utterance's features.
     *
     * @param frames    the (trimmed, per-utterance normalised, possibly stacked) frames {@code [T][F]}
     * @param average   the average log-mel frame before normalisation (for the nearest-mean baseline)
     * @param label     the digit
     * @param voice     the speaker ({@code accent+variant})
     * @param variant   the variant, which decides the set
     * @param set       {@link #TRAIN}, {@link #VALIDATION} or {@link #TEST}
     * @param utterance what was synthesised, or null (synthetic data in tests)
     */
    public record Sample(float[][] frames, float[] average, int label, String voice, String variant, String set,
                         DigitSynth.Utterance utterance) {
        /** Frames. */
        public int length() {
            return frames.length;
        }

        /** Features per frame. */
        public int features() {
            return frames[0].length;
        }
    }

    /**
     * The features of one WAV: resampled to the config's rate, log-mel, silence trimmed (frames 50 dB below the
     * loudest at either end, 3 kept), per-utterance normalised, then {@code stack} consecutive frames side by
     * side per step (a hop {@code stack} times longer; a last incomplete group is padded with its last frame).
     */
    public static Sample features(LogMel logMel, Path wav, int stack, int label, String voice, String variant,
                                  String set, DigitSynth.Utterance utterance) throws IOException {
        WavFile.Audio audio = WavFile.read(wav).resampled(logMel.config().sampleRate());
        float[][] raw = LogMel.trimSilence(logMel.compute(audio.samples()), 50, 3);
        int bands = logMel.config().mels();
        float[] average = new float[bands];
        for (float[] row : raw) {
            for (int m = 0; m < bands; m++) {
                average[m] += row[m] / raw.length;
            }
        }
        float[][] norm = LogMel.normalise(copy(raw));
        return new Sample(stack(norm, stack), average, label, voice, variant, set, utterance);
    }

    /** Groups of {@code k} consecutive frames side by side ({@code [ceil(T/k)][k*F]}). */
    public static float[][] stack(float[][] frames, int k) {
        if (k == 1) {
            return frames;
        }
        int t = (frames.length + k - 1) / k;
        int f = frames[0].length;
        float[][] out = new float[t][k * f];
        for (int i = 0; i < t; i++) {
            for (int j = 0; j < k; j++) {
                System.arraycopy(frames[Math.min(frames.length - 1, i * k + j)], 0, out[i], j * f, f);
            }
        }
        return out;
    }

    private static float[][] copy(float[][] a) {
        float[][] out = new float[a.length][];
        for (int i = 0; i < a.length; i++) {
            out[i] = a[i].clone();
        }
        return out;
    }

    /** The voices of each set with their utterance counts, in set then name order. */
    public static Map<String, Map<String, Integer>> voicesBySet(List<Sample> samples) {
        Map<String, Map<String, Integer>> out = new LinkedHashMap<>();
        for (String s : List.of(TRAIN, VALIDATION, TEST)) {
            out.put(s, new java.util.TreeMap<>());
        }
        for (Sample s : samples) {
            out.get(s.set()).merge(s.voice(), 1, Integer::sum);
        }
        return out;
    }
}
