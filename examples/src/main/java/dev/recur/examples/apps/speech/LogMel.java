package dev.recur.examples.apps.speech;

import java.util.Arrays;
import java.util.Locale;

/**
 * Log-mel features of a mono signal: frames of {@code frameLength} samples every {@code hop} samples, each
 * multiplied by a (periodic) Hann window, zero-padded to {@code fftSize}, its power spectrum {@code |X|²} through
 * {@code mels} triangular filters evenly spaced on the HTK mel scale {@code 2595 log10(1 + f/700)} between
 * {@code fMin} and {@code fMax}, and the natural log of each band's energy plus {@link #FLOOR}. At 16 kHz the
 * defaults are 25 ms frames, a 10 ms hop and 40 bands. Optionally: leading and trailing silence trimmed
 * ({@link #trimSilence}) and each band standardised over the utterance ({@link #normalise}, cepstral mean and
 * variance normalisation). Thread-safe.
 */
public final class LogMel {
    /** Added to each band's energy before the log (signal in [-1, 1]). */
    public static final double FLOOR = 1e-6;

    /**
     * The framing and the filterbank.
     *
     * @param sampleRate  Hz
     * @param frameLength samples per frame
     * @param hop         samples between frame starts
     * @param fftSize     a power of two {@code >= frameLength}
     * @param mels        filters
     * @param fMin        the lowest filter's left edge, Hz
     * @param fMax        the highest filter's right edge, Hz ({@code <= sampleRate / 2})
     */
    public record Config(int sampleRate, int frameLength, int hop, int fftSize, int mels, double fMin, double fMax) {
        /** Checks the numbers. */
        public Config {
            if (sampleRate < 1 || frameLength < 1 || hop < 1 || mels < 1 || fftSize < frameLength
                    || Integer.bitCount(fftSize) != 1 || !(fMin >= 0 && fMin < fMax && fMax <= sampleRate / 2.0)) {
                throw new IllegalArgumentException(String.format(Locale.ROOT, "logMel: bad config rate=%d frame=%d "
                                + "hop=%d fft=%d mels=%d fMin=%.1f fMax=%.1f", sampleRate, frameLength, hop, fftSize,
                        mels, fMin, fMax));
            }
        }

        /** 16 kHz, 25 ms frames (400 samples), 10 ms hop (160), FFT 512, 40 bands from 20 Hz to 8 kHz. */
        public static Config standard() {
            return new Config(16000, 400, 160, 512, 40, 20, 8000);
        }
    }

    private final Config config;
    private final Fft fft;
    private final double[] window;
    private final double[][] filters;
    private final int[] firstBin;
    private final int[] lastBin;

    /** A feature extractor for the config. */
    public LogMel(Config config) {
        this.config = config;
        this.fft = new Fft(config.fftSize());
        this.window = hann(config.frameLength());
        this.filters = filterbank(config.mels(), config.fftSize(), config.sampleRate(), config.fMin(), config.fMax());
        this.firstBin = new int[config.mels()];
        this.lastBin = new int[config.mels()];
        for (int m = 0; m < config.mels(); m++) {
            int first = -1;
            int last = -2;
            for (int k = 0; k < filters[m].length; k++) {
                if (filters[m][k] > 0) {
                    if (first < 0) {
                        first = k;
                    }
                    last = k;
                }
            }
            firstBin[m] = Math.max(first, 0);
            lastBin[m] = last;
        }
    }

    /** The config. */
    public Config config() {
        return config;
    }

    /** The periodic Hann window {@code 0.5 - 0.5 cos(2 pi n / N)}, as {@code torch.hann_window(N)}. */
    public static double[] hann(int length) {
        double[] w = new double[length];
        for (int i = 0; i < length; i++) {
            w[i] = 0.5 - 0.5 * Math.cos(2 * Math.PI * i / length);
        }
        return w;
    }

    /** Hz to mel (HTK). */
    public static double hzToMel(double hz) {
        return 2595 * Math.log10(1 + hz / 700);
    }

    /** Mel to Hz (HTK). */
    public static double melToHz(double mel) {
        return 700 * (Math.pow(10, mel / 2595) - 1);
    }

    /**
     * The filterbank {@code [mels][fftSize/2 + 1]}: filter m rises linearly from the frequency of mel point m to
     * 1 at point m+1 and falls to 0 at point m+2, where the {@code mels + 2} points are evenly spaced in mel from
     * {@code fMin} to {@code fMax}; bin k sits at {@code k * sampleRate / fftSize} Hz. Between the first and the
     * last centre the filters at a bin sum to 1.
     */
    public static double[][] filterbank(int mels, int fftSize, int sampleRate, double fMin, double fMax) {
        double lo = hzToMel(fMin);
        double hi = hzToMel(fMax);
        double[] points = new double[mels + 2];
        for (int i = 0; i < points.length; i++) {
            points[i] = melToHz(lo + (hi - lo) * i / (mels + 1));
        }
        int bins = fftSize / 2 + 1;
        double[][] out = new double[mels][bins];
        for (int m = 0; m < mels; m++) {
            double left = points[m];
            double centre = points[m + 1];
            double right = points[m + 2];
            for (int k = 0; k < bins; k++) {
                double f = (double) k * sampleRate / fftSize;
                double w = Math.min((f - left) / (centre - left), (right - f) / (right - centre));
                out[m][k] = Math.max(0, w);
            }
        }
        return out;
    }

    /** The centre frequency of each filter, Hz. */
    public double[] centres() {
        double lo = hzToMel(config.fMin());
        double hi = hzToMel(config.fMax());
        double[] out = new double[config.mels()];
        for (int m = 0; m < out.length; m++) {
            out[m] = melToHz(lo + (hi - lo) * (m + 1) / (config.mels() + 1));
        }
        return out;
    }

    /** A copy of the filterbank. */
    public double[][] filters() {
        double[][] out = new double[filters.length][];
        for (int m = 0; m < filters.length; m++) {
            out[m] = filters[m].clone();
        }
        return out;
    }

    /** Frames of a signal of {@code n} samples: 1 + (n - frameLength) / hop, and at least 1 (zero-padded). */
    public int frames(int n) {
        return n <= config.frameLength() ? 1 : 1 + (n - config.frameLength()) / config.hop();
    }

    /**
     * The log-mel features {@code [frames][mels]} of a signal at the config's sample rate.
     *
     * @param samples the signal, nominally in [-1, 1]
     */
    public float[][] compute(float[] samples) {
        int frames = frames(samples.length);
        int n = config.fftSize();
        double[] frame = new double[config.frameLength()];
        double[] power = new double[n / 2 + 1];
        double[] re = new double[n];
        double[] im = new double[n];
        float[][] out = new float[frames][config.mels()];
        for (int t = 0; t < frames; t++) {
            int start = t * config.hop();
            for (int i = 0; i < frame.length; i++) {
                int j = start + i;
                frame[i] = j < samples.length ? samples[j] * window[i] : 0;
            }
            fft.powerSpectrum(frame, power, re, im);
            for (int m = 0; m < filters.length; m++) {
                double e = 0;
                double[] f = filters[m];
                for (int k = firstBin[m]; k <= lastBin[m]; k++) {
                    e += f[k] * power[k];
                }
                out[t][m] = (float) Math.log(e + FLOOR);
            }
        }
        return out;
    }

    /**
     * Drops leading and trailing frames whose total log-energy is more than {@code belowPeakDb} below the loudest
     * frame's, keeping {@code margin} frames on each side; returns the input itself when nothing is dropped.
     */
    public static float[][] trimSilence(float[][] logMel, double belowPeakDb, int margin) {
        int frames = logMel.length;
        double[] energy = new double[frames];
        double peak = Double.NEGATIVE_INFINITY;
        for (int t = 0; t < frames; t++) {
            double e = 0;
            for (float v : logMel[t]) {
                e += Math.exp(v);
            }
            energy[t] = 10 * Math.log10(e);
            peak = Math.max(peak, energy[t]);
        }
        int first = 0;
        while (first < frames && energy[first] < peak - belowPeakDb) {
            first++;
        }
        int last = frames - 1;
        while (last > first && energy[last] < peak - belowPeakDb) {
            last--;
        }
        first = Math.max(0, first - margin);
        last = Math.min(frames - 1, last + margin);
        if (first == 0 && last == frames - 1) {
            return logMel;
        }
        return Arrays.copyOfRange(logMel, first, last + 1);
    }

    /** Each band standardised over the frames (mean 0, variance 1; a constant band becomes 0), in place. */
    public static float[][] normalise(float[][] logMel) {
        if (logMel.length == 0) {
            return logMel;
        }
        int bands = logMel[0].length;
        for (int m = 0; m < bands; m++) {
            double sum = 0;
            double sq = 0;
            for (float[] row : logMel) {
                sum += row[m];
                sq += (double) row[m] * row[m];
            }
            double mean = sum / logMel.length;
            double var = Math.max(0, sq / logMel.length - mean * mean);
            double inv = var > 1e-8 ? 1 / Math.sqrt(var) : 0;
            for (float[] row : logMel) {
                row[m] = (float) ((row[m] - mean) * inv);
            }
        }
        return logMel;
    }
}
