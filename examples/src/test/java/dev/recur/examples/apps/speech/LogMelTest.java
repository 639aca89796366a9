package dev.recur.examples.apps.speech;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The mel filterbank, the framing and the log-mel of pure tones. */
class LogMelTest {
    static final LogMel.Config CONFIG = LogMel.Config.standard();

    @Test
    void melScaleRoundTripsAndIsHtk() {
        assertEquals(1000, LogMel.hzToMel(1000), 0.1); // HTK: 1000 Hz is about 1000 mel
        for (double hz : new double[] {0, 20, 440, 1000, 4000, 8000}) {
            assertEquals(hz, LogMel.melToHz(LogMel.hzToMel(hz)), 1e-9);
        }
    }

    @Test
    void filtersAreTrianglesThatSumToOneBetweenTheOuterCentres() {
        int bins = CONFIG.fftSize() / 2 + 1;
        double[][] f = LogMel.filterbank(CONFIG.mels(), CONFIG.fftSize(), CONFIG.sampleRate(), CONFIG.fMin(),
                CONFIG.fMax());
        double[] centres = new LogMel(CONFIG).centres();
        double binHz = (double) CONFIG.sampleRate() / CONFIG.fftSize();
        assertEquals(CONFIG.mels(), f.length);
        for (int m = 0; m < f.length; m++) {
            assertEquals(bins, f[m].length);
            // Non-negative, at most 1, rising then falling (one peak, at the bin nearest the centre), not empty.
            int peak = 0;
            for (int k = 0; k < bins; k++) {
                assertTrue(f[m][k] >= 0 && f[m][k] <= 1 + 1e-12, "filter " + m + " bin " + k);
                if (f[m][k] > f[m][peak]) {
                    peak = k;
                }
            }
            assertTrue(f[m][peak] > 0, "filter " + m + " is empty");
            assertTrue(Math.abs(peak * binHz - centres[m]) <= binHz, "filter " + m + " peaks at " + peak * binHz
                    + " Hz, centre " + centres[m]);
            for (int k = 1; k <= peak; k++) {
                assertTrue(f[m][k] >= f[m][k - 1], "filter " + m + " must rise up to its peak");
            }
            for (int k = peak + 1; k < bins; k++) {
                assertTrue(f[m][k] <= f[m][k - 1], "filter " + m + " must fall after its peak");
            }
            // Linear sides: the weight at a bin is its distance from the edge over the side's width.
            double left = m == 0 ? CONFIG.fMin() : centres[m - 1];
            for (int k = 0; k < bins; k++) {
                double hz = k * binHz;
                if (hz > left && hz <= centres[m]) {
                    assertEquals((hz - left) / (centres[m] - left), f[m][k], 1e-9);
                }
            }
        }
        for (int k = 0; k < bins; k++) {
            double hz = k * binHz;
            double sum = 0;
            for (double[] row : f) {
                sum += row[k];
            }
            if (hz >= centres[0] && hz <= centres[centres.length - 1]) {
                assertEquals(1.0, sum, 1e-9, "bin " + k + " (" + hz + " Hz)");
            } else if (hz <= CONFIG.fMin() || hz >= CONFIG.fMax()) {
                assertEquals(0.0, sum, 1e-12, "bin " + k + " (" + hz + " Hz) is outside the bank");
            }
        }
    }

    @Test
    void aSinePeaksInTheBandOfItsFrequency() {
        LogMel logMel = new LogMel(CONFIG);
        double[] centres = logMel.centres();
        for (double hz : new double[] {300, 1000, 2500, 6000}) {
            float[] x = new float[CONFIG.sampleRate() / 2];
            for (int i = 0; i < x.length; i++) {
                x[i] = (float) (0.5 * Math.sin(2 * Math.PI * hz * i / CONFIG.sampleRate()));
            }
            float[][] f = logMel.compute(x);
            assertEquals(1 + (x.length - 400) / 160, f.length);
            int nearest = 0;
            for (int m = 1; m < centres.length; m++) {
                if (Math.abs(centres[m] - hz) < Math.abs(centres[nearest] - hz)) {
                    nearest = m;
                }
            }
            for (float[] frame : f) {
                int best = 0;
                for (int m = 1; m < frame.length; m++) {
                    if (frame[m] > frame[best]) {
                        best = m;
                    }
                }
                assertEquals(nearest, best, hz + " Hz should peak in band " + nearest + " (" + centres[nearest]
                        + " Hz)");
                assertTrue(frame[best] - frame[(best + 10) % frame.length] > 5, "the peak should stand out");
            }
        }
    }

    @Test
    void silenceIsTrimmedAndBandsAreNormalised() {
        LogMel logMel = new LogMel(CONFIG);
        float[] x = new float[CONFIG.sampleRate()];
        for (int i = 4000; i < 12000; i++) { // 0.25 s of silence, 0.5 s of tone, 0.25 s of silence
            x[i] = (float) (0.3 * Math.sin(2 * Math.PI * 700 * i / CONFIG.sampleRate()));
        }
        float[][] all = logMel.compute(x);
        float[][] trimmed = LogMel.trimSilence(all, 50, 3);
        assertTrue(trimmed.length <= 60 && trimmed.length > 45, "trimmed to " + trimmed.length);
        assertEquals(-13.8, all[0][0], 0.1, "digital silence is the floor ln(1e-6)");
        float[][] norm = LogMel.normalise(trimmed);
        for (int m = 0; m < CONFIG.mels(); m++) {
            double sum = 0;
            double sq = 0;
            for (float[] row : norm) {
                sum += row[m];
                sq += row[m] * row[m];
            }
            assertEquals(0, sum / norm.length, 1e-4);
            assertEquals(1, sq / norm.length, 1e-3);
        }
    }

    @Test
    void framesOfShortSignalsArePadded() {
        LogMel logMel = new LogMel(CONFIG);
        assertEquals(1, logMel.frames(10));
        assertEquals(1, logMel.compute(new float[10]).length);
        assertEquals(2, logMel.frames(560));
    }

    @Test
    void stackingPutsConsecutiveFramesSideBySide() {
        float[][] f = {{1, 2}, {3, 4}, {5, 6}};
        float[][] s = SpeechData.stack(f, 2);
        assertEquals(2, s.length);
        assertEquals(4, s[0].length);
        assertEquals(3f, s[0][2]);
        assertEquals(5f, s[1][2]); // the last group repeats the last frame
    }
}
