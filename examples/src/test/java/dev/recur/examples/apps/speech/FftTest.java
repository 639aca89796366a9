package dev.recur.examples.apps.speech;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The FFT against a naive DFT. */
class FftTest {
    @Test
    void matchesNaiveDft() {
        SplittableRandom r = new SplittableRandom(7);
        for (int n : new int[] {1, 2, 4, 8, 16, 64, 512}) {
            double[] re = new double[n];
            double[] im = new double[n];
            for (int i = 0; i < n; i++) {
                re[i] = r.nextDouble(-1, 1);
                im[i] = r.nextDouble(-1, 1);
            }
            double[] wantRe = new double[n];
            double[] wantIm = new double[n];
            for (int k = 0; k < n; k++) {
                for (int t = 0; t < n; t++) {
                    double a = -2 * Math.PI * k * t / n;
                    wantRe[k] += re[t] * Math.cos(a) - im[t] * Math.sin(a);
                    wantIm[k] += re[t] * Math.sin(a) + im[t] * Math.cos(a);
                }
            }
            new Fft(n).transform(re, im);
            for (int k = 0; k < n; k++) {
                assertEquals(wantRe[k], re[k], 1e-9 * n, "re[" + k + "] n=" + n);
                assertEquals(wantIm[k], im[k], 1e-9 * n, "im[" + k + "] n=" + n);
            }
        }
    }

    @Test
    void powerSpectrumOfARealFrameZeroPadded() {
        int n = 32;
        double[] frame = new double[20];
        SplittableRandom r = new SplittableRandom(3);
        for (int i = 0; i < frame.length; i++) {
            frame[i] = r.nextDouble(-1, 1);
        }
        double[] power = new double[n / 2 + 1];
        new Fft(n).powerSpectrum(frame, power, new double[n], new double[n]);
        for (int k = 0; k <= n / 2; k++) {
            double re = 0;
            double im = 0;
            for (int t = 0; t < frame.length; t++) {
                re += frame[t] * Math.cos(2 * Math.PI * k * t / n);
                im -= frame[t] * Math.sin(2 * Math.PI * k * t / n);
            }
            assertEquals(re * re + im * im, power[k], 1e-9, "bin " + k);
        }
    }

    @Test
    void sizeMustBeAPowerOfTwo() {
        assertThrows(IllegalArgumentException.class, () -> new Fft(12));
        assertThrows(IllegalArgumentException.class, () -> new Fft(0));
        assertThrows(IllegalArgumentException.class, () -> new Fft(8).transform(new double[4], new double[4]));
    }
}
