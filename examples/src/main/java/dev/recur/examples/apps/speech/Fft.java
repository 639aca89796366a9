package dev.recur.examples.apps.speech;

import java.util.Locale;

/**
 * An in-place radix-2 complex FFT (iterative Cooley–Tukey, decimation in time) of a power-of-two size, with
 * its twiddle factors and bit-reversal table computed once. Not thread-safe only in the sense that the
 * arrays passed in are written; one instance may be shared by threads.
 */
public final class Fft {
    private final int n;
    private final int[] reversed;
    private final double[] cos;
    private final double[] sin;

    /**
     * An FFT of size {@code n}.
     *
     * @throws IllegalArgumentException unless {@code n} is a power of two {@code >= 1}
     */
    public Fft(int n) {
        if (n < 1 || Integer.bitCount(n) != 1) {
            throw new IllegalArgumentException(String.format(Locale.ROOT, "fft: size must be a power of two, got %d",
                    n));
        }
        this.n = n;
        int bits = Integer.numberOfTrailingZeros(n);
        reversed = new int[n];
        for (int i = 0; i < n; i++) {
            reversed[i] = bits == 0 ? 0 : Integer.reverse(i) >>> (32 - bits);
        }
        cos = new double[n / 2 + 1];
        sin = new double[n / 2 + 1];
        for (int k = 0; k < cos.length; k++) {
            cos[k] = Math.cos(-2 * Math.PI * k / n);
            sin[k] = Math.sin(-2 * Math.PI * k / n);
        }
    }

    /** The size. */
    public int size() {
        return n;
    }

    /**
     * The forward transform {@code X[k] = sum_t x[t] e^{-2 pi i k t / n}}, in place.
     *
     * @param re the real parts, length n
     * @param im the imaginary parts, length n
     */
    public void transform(double[] re, double[] im) {
        if (re.length != n || im.length != n) {
            throw new IllegalArgumentException(String.format(Locale.ROOT,
                    "fft: expected arrays of length %d, got %d and %d", n, re.length, im.length));
        }
        for (int i = 0; i < n; i++) {
            int j = reversed[i];
            if (j > i) {
                double t = re[i];
                re[i] = re[j];
                re[j] = t;
                t = im[i];
                im[i] = im[j];
                im[j] = t;
            }
        }
        for (int len = 2; len <= n; len <<= 1) {
            int half = len >> 1;
            int stride = n / len;
            for (int start = 0; start < n; start += len) {
                for (int k = 0; k < half; k++) {
                    double wr = cos[k * stride];
                    double wi = sin[k * stride];
                    int a = start + k;
                    int b = a + half;
                    double tr = re[b] * wr - im[b] * wi;
                    double ti = re[b] * wi + im[b] * wr;
                    re[b] = re[a] - tr;
                    im[b] = im[a] - ti;
                    re[a] += tr;
                    im[a] += ti;
                }
            }
        }
    }

    /**
     * The power spectrum {@code |X[k]|², k = 0..n/2} of a real frame (zero-padded to n).
     *
     * @param frame at most n samples
     * @param out   n/2 + 1 values, written
     * @param re    scratch of length n
     * @param im    scratch of length n
     */
    public void powerSpectrum(double[] frame, double[] out, double[] re, double[] im) {
        if (frame.length > n || out.length != n / 2 + 1) {
            throw new IllegalArgumentException(String.format(Locale.ROOT,
                    "fft: a frame of at most %d samples and %d outputs, got %d and %d", n, n / 2 + 1, frame.length,
                    out.length));
        }
        System.arraycopy(frame, 0, re, 0, frame.length);
        java.util.Arrays.fill(re, frame.length, n, 0);
        java.util.Arrays.fill(im, 0);
        transform(re, im);
        for (int k = 0; k <= n / 2; k++) {
            out[k] = re[k] * re[k] + im[k] * im[k];
        }
    }
}
