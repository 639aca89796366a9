package dev.recur.examples.apps.speech;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.sound.sampled.AudioFileFormat;
import javax.sound.sampled.AudioFormat;
import javax.sound.sampled.AudioInputStream;
import javax.sound.sampled.AudioSystem;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reading WAVs written with javax.sound.sampled, and resampling. */
class WavFileTest {
    /** Writes 16-bit little-endian PCM frames with javax.sound.sampled, as espeak-ng's files are. */
    static void writePcm16(Path file, short[] interleaved, int rate, int channels) throws IOException {
        byte[] data = new byte[2 * interleaved.length];
        for (int i = 0; i < interleaved.length; i++) {
            data[2 * i] = (byte) interleaved[i];
            data[2 * i + 1] = (byte) (interleaved[i] >> 8);
        }
        AudioFormat f = new AudioFormat(rate, 16, channels, true, false);
        try (AudioInputStream in = new AudioInputStream(new ByteArrayInputStream(data), f,
                interleaved.length / channels)) {
            AudioSystem.write(in, AudioFileFormat.Type.WAVE, file.toFile());
        }
    }

    @Test
    void readsMono16BitPcm(@TempDir Path dir) throws IOException {
        short[] s = new short[22050];
        for (int i = 0; i < s.length; i++) {
            s[i] = (short) Math.round(16000 * Math.sin(2 * Math.PI * 440 * i / 22050.0));
        }
        s[0] = Short.MIN_VALUE;
        s[1] = Short.MAX_VALUE;
        Path file = dir.resolve("tone.wav");
        writePcm16(file, s, 22050, 1);
        WavFile.Audio a = WavFile.read(file);
        assertEquals(22050, a.sampleRate());
        assertEquals(s.length, a.samples().length);
        assertEquals(1.0, a.seconds(), 1e-9);
        assertEquals(-1f, a.samples()[0]);
        assertEquals(32767 / 32768f, a.samples()[1]);
        for (int i = 2; i < s.length; i++) {
            assertEquals(s[i] / 32768f, a.samples()[i], 1e-7);
        }
    }

    @Test
    void averagesStereoChannels(@TempDir Path dir) throws IOException {
        short[] s = {1000, 3000, -2000, 0, 400, 400};
        Path file = dir.resolve("stereo.wav");
        writePcm16(file, s, 16000, 2);
        WavFile.Audio a = WavFile.read(file);
        assertEquals(3, a.samples().length);
        assertEquals(2000 / 32768f, a.samples()[0], 1e-7);
        assertEquals(-1000 / 32768f, a.samples()[1], 1e-7);
        assertEquals(400 / 32768f, a.samples()[2], 1e-7);
    }

    @Test
    void writeThenReadRoundTrips(@TempDir Path dir) throws IOException {
        float[] x = {0f, 0.5f, -0.25f, 1f, -1f};
        Path file = dir.resolve("rt.wav");
        WavFile.write(file, new WavFile.Audio(x, 8000));
        WavFile.Audio a = WavFile.read(file);
        assertEquals(8000, a.sampleRate());
        for (int i = 0; i < x.length; i++) {
            assertEquals(x[i], a.samples()[i], 1e-4);
        }
    }

    @Test
    void notAWavIsAnIoErrorNamingTheFile(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("noise.wav");
        Files.writeString(file, "this is not audio");
        IOException e = assertThrows(IOException.class, () -> WavFile.read(file));
        assertTrue(e.getMessage().contains("noise.wav"), e.getMessage());
    }

    @Test
    void resamplingKeepsATonesShapeAndRemovesWhatCannotBeRepresented() {
        int from = 22050;
        int to = 16000;
        float[] low = new float[from];
        float[] high = new float[from];
        for (int i = 0; i < from; i++) {
            low[i] = (float) Math.sin(2 * Math.PI * 440 * i / from);
            high[i] = (float) Math.sin(2 * Math.PI * 10000 * i / from); // above 8 kHz, the new Nyquist
        }
        float[] lowOut = WavFile.resample(low, from, to);
        float[] highOut = WavFile.resample(high, from, to);
        assertEquals(to, lowOut.length);
        double highEnergy = 0;
        for (int i = 100; i < to - 100; i++) { // away from the edges
            assertEquals(Math.sin(2 * Math.PI * 440 * i / to), lowOut[i], 2e-3, "sample " + i);
            highEnergy += highOut[i] * highOut[i];
        }
        assertTrue(highEnergy / (to - 200) < 1e-3, "a 10 kHz tone should not alias into 16 kHz audio, mean power "
                + highEnergy / (to - 200));
        // Upsampling a tone that fits both rates.
        float[] up = WavFile.resample(lowOut, to, from);
        for (int i = 200; i < from - 200; i++) {
            assertEquals(Math.sin(2 * Math.PI * 440 * i / from), up[i], 2e-3, "sample " + i);
        }
        assertEquals(0.25f, WavFile.resample(new float[] {0.25f}, 16000, 16000)[0]);
    }
}
