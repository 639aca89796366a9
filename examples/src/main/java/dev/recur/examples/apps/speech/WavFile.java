package dev.recur.examples.apps.speech;

import java.io.BufferedInputStream;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import javax.sound.sampled.AudioFileFormat;
import javax.sound.sampled.AudioFormat;
import javax.sound.sampled.AudioInputStream;
import javax.sound.sampled.AudioSystem;
import javax.sound.sampled.UnsupportedAudioFileException;

/** Mono audio read from and written to WAV files with {@code javax.sound.sampled}, and a resampler. */
public final class WavFile {
    private WavFile() {
    }

    /**
     * A mono signal.
     *
     * @param samples    the samples, in [-1, 1]
     * @param sampleRate Hz
     */
    public record Audio(float[] samples, int sampleRate) {
        /** The length in seconds. */
        public double seconds() {
            return samples.length / (double) sampleRate;
        }

        /** This signal at another rate ({@link WavFile#resample}); itself when the rate is the same. */
        public Audio resampled(int rate) {
            return rate == sampleRate ? this : new Audio(resample(samples, sampleRate, rate), rate);
        }
    }

    /**
     * Reads a WAV file (PCM, any sample size and channel count javax.sound.sampled can convert to 16-bit signed);
     * channels are averaged.
     *
     * @throws IOException naming the file when it is missing or not a readable WAV
     */
    public static Audio read(Path file) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        try (InputStream in = new BufferedInputStream(new ByteArrayInputStream(bytes));
             AudioInputStream source = AudioSystem.getAudioInputStream(in)) {
            AudioFormat f = source.getFormat();
            AudioFormat pcm16 = new AudioFormat(AudioFormat.Encoding.PCM_SIGNED, f.getSampleRate(), 16,
                    f.getChannels(), 2 * f.getChannels(), f.getSampleRate(), false);
            try (AudioInputStream s = f.matches(pcm16) ? source : AudioSystem.getAudioInputStream(pcm16, source)) {
                byte[] data = s.readAllBytes();
                int channels = f.getChannels();
                int frames = data.length / (2 * channels);
                float[] out = new float[frames];
                for (int i = 0; i < frames; i++) {
                    int sum = 0;
                    for (int c = 0; c < channels; c++) {
                        int o = 2 * (i * channels + c);
                        sum += (short) ((data[o] & 0xff) | (data[o + 1] << 8));
                    }
                    out[i] = sum / (32768f * channels);
                }
                return new Audio(out, Math.round(f.getSampleRate()));
            }
        } catch (UnsupportedAudioFileException | IllegalArgumentException e) {
            throw new IOException(file + " is not a WAV file javax.sound.sampled can read (" + e.getMessage() + ")",
                    e);
        }
    }

    /** Writes a mono 16-bit PCM WAV file (samples clipped to [-1, 1]). */
    public static void write(Path file, Audio audio) throws IOException {
        float[] s = audio.samples();
        byte[] data = new byte[2 * s.length];
        for (int i = 0; i < s.length; i++) {
            int v = Math.round(Math.max(-1f, Math.min(1f, s[i])) * 32767);
            data[2 * i] = (byte) v;
            data[2 * i + 1] = (byte) (v >> 8);
        }
        AudioFormat f = new AudioFormat(audio.sampleRate(), 16, 1, true, false);
        try (AudioInputStream in = new AudioInputStream(new ByteArrayInputStream(data), f, s.length)) {
            AudioSystem.write(in, AudioFileFormat.Type.WAVE, file.toFile());
        }
    }

    /** Zero crossings of the windowed-sinc kernel on each side. */
    static final int HALF_WIDTH = 16;
    /** The kernels of each rate pair ("from:to"), one per fractional phase. */
    private static final java.util.Map<String, float[][]> TABLES = new java.util.concurrent.ConcurrentHashMap<>();

    /**
     * Band-limited resampling: each output sample is the input convolved with a Hann-windowed sinc whose cutoff is
     * the lower of the two Nyquist frequencies (so downsampling does not alias), {@link #HALF_WIDTH} zero
     * crossings on each side.
     */
    public static float[] resample(float[] in, int fromRate, int toRate) {
        if (fromRate < 1 || toRate < 1) {
            throw new IllegalArgumentException(String.format(Locale.ROOT, "resample: rates must be >= 1, got %d, %d",
                    fromRate, toRate));
        }
        if (fromRate == toRate) {
            return in.clone();
        }
        int g = gcd(fromRate, toRate);
        int up = toRate / g; // output samples advance the input by down/up samples each
        int down = fromRate / g;
        int n = (int) ((long) in.length * toRate / fromRate);
        float[] out = new float[n];
        double cutoff = Math.min(1.0, (double) toRate / fromRate); // relative to the input's Nyquist
        double half = HALF_WIDTH / cutoff; // kernel half-width in input samples
        int reach = (int) Math.ceil(half);
        int taps = 2 * reach + 1;
        // The kernel at each of the `up` fractional phases: output i sits at input time base + p/up.
        int phases = up <= 8192 ? up : 0;
        float[][] table = phases == 0 ? null : TABLES.computeIfAbsent(fromRate + ":" + toRate, key -> {
            float[][] t = new float[up][];
            for (int p = 0; p < up; p++) {
                t[p] = kernel((double) p / up, reach, cutoff, half);
            }
            return t;
        });
        for (int i = 0; i < n; i++) {
            long pos = (long) i * down;
            int base = (int) (pos / up);
            int p = (int) (pos % up);
            float[] k = phases > 0 ? table[p] : kernel((double) p / up, reach, cutoff, half);
            double sum = 0;
            int from = base - reach;
            int j0 = Math.max(0, -from);
            int j1 = Math.min(taps, in.length - from);
            for (int j = j0; j < j1; j++) {
                sum += in[from + j] * k[j];
            }
            out[i] = (float) sum;
        }
        return out;
    }

    /** The windowed-sinc weights of input samples {@code base - reach .. base + reach} for output time base + frac. */
    private static float[] kernel(double frac, int reach, double cutoff, double half) {
        float[] k = new float[2 * reach + 1];
        for (int j = 0; j < k.length; j++) {
            double x = (j - reach) - frac;
            if (Math.abs(x) >= half) {
                continue;
            }
            double arg = Math.PI * cutoff * x;
            double sinc = Math.abs(arg) < 1e-9 ? 1 : Math.sin(arg) / arg;
            double w = 0.5 + 0.5 * Math.cos(Math.PI * x / half);
            k[j] = (float) (cutoff * sinc * w);
        }
        return k;
    }

    private static int gcd(int a, int b) {
        return b == 0 ? a : gcd(b, a % b);
    }
}
