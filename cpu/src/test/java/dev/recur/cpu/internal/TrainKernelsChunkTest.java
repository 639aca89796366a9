package dev.recur.cpu.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.recur.backend.Backend;
import dev.recur.backend.Backends;
import dev.recur.cpu.CpuTensor;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The chunked element-wise kernels ({@link TrainKernels#CHUNK} elements at a time) at sizes around the chunk
 * boundaries, on views that start at an offset, against element-by-element references; the elements outside
 * the view stay untouched.
 */
class TrainKernelsChunkTest {
    private static final int[] SIZES = {1, 7, TrainKernels.CHUNK - 1, TrainKernels.CHUNK, TrainKernels.CHUNK + 1,
        3 * TrainKernels.CHUNK + 17};
    private static final int PAD = 5;
    private final Backend be = Backends.get("cpu");

    @Test
    void axpyScaleFillAndSumOfSquares() {
        SplittableRandom rnd = new SplittableRandom(1);
        for (int n : SIZES) {
            float[] x = random(rnd, n + 2 * PAD);
            float[] y = random(rnd, n + 2 * PAD);
            float[] axpy = y.clone();
            double squares = 0;
            for (int i = PAD; i < PAD + n; i++) {
                axpy[i] += 0.75f * x[i];
                squares += (double) y[i] * y[i];
            }
            try (CpuTensor tx = (CpuTensor) be.fromFloats(x, x.length);
                 CpuTensor ty = (CpuTensor) be.fromFloats(y, y.length)) {
                CpuTensor vx = tx.slice(PAD, PAD + n);
                CpuTensor vy = ty.slice(PAD, PAD + n);
                assertEquals(squares, TrainKernels.sumOfSquares(vy), 1e-12 * squares, "sumOfSquares n=" + n);
                TrainKernels.axpy(0.75f, vx, vy, n);
                assertArrayEquals(axpy, ty.toFloatArray(), "axpy n=" + n);
                TrainKernels.scale(vy, -1.5f);
                float[] both = axpy.clone();
                for (int i = PAD; i < PAD + n; i++) {
                    both[i] *= -1.5f;
                }
                assertArrayEquals(both, ty.toFloatArray(), "scale n=" + n);
                TrainKernels.fill(vy, 2.5f);
                float[] fill = both.clone();
                java.util.Arrays.fill(fill, PAD, PAD + n, 2.5f);
                assertArrayEquals(fill, ty.toFloatArray(), "fill n=" + n);
            }
        }
    }

    @Test
    void adamStepMatchesTheFormulaElementByElement() {
        SplittableRandom rnd = new SplittableRandom(2);
        for (boolean decoupled : new boolean[] {false, true}) {
            for (int n : SIZES) {
                float[] p = random(rnd, n + 2 * PAD);
                float[] g = random(rnd, n + 2 * PAD);
                float[] m = random(rnd, n + 2 * PAD);
                float[] v = random(rnd, n + 2 * PAD);
                for (int i = 0; i < v.length; i++) {
                    v[i] = Math.abs(v[i]);
                }
                float lr = 0.01f;
                float b1 = 0.9f;
                float b2 = 0.999f;
                float eps = 1e-8f;
                float wd = 0.1f;
                long step = 3;
                float[] wantP = p.clone();
                float[] wantM = m.clone();
                float[] wantV = v.clone();
                for (int i = PAD; i < PAD + n; i++) {
                    double w = p[i];
                    double d = g[i];
                    if (decoupled) {
                        w -= lr * wd * w;
                    } else {
                        d += wd * w;
                    }
                    double mi = b1 * (double) m[i] + (1 - b1) * d;
                    double vi = b2 * (double) v[i] + (1 - b2) * d * d;
                    double denom = Math.sqrt(vi) / Math.sqrt(1 - Math.pow(b2, step)) + eps;
                    wantP[i] = (float) (w - lr / (1 - Math.pow(b1, step)) * mi / denom);
                    wantM[i] = (float) mi;
                    wantV[i] = (float) vi;
                }
                try (CpuTensor tp = (CpuTensor) be.fromFloats(p, p.length);
                     CpuTensor tg = (CpuTensor) be.fromFloats(g, g.length);
                     CpuTensor tm = (CpuTensor) be.fromFloats(m, m.length);
                     CpuTensor tv = (CpuTensor) be.fromFloats(v, v.length)) {
                    TrainKernels.adamStep(tp.slice(PAD, PAD + n), tg.slice(PAD, PAD + n), tm.slice(PAD, PAD + n),
                            tv.slice(PAD, PAD + n), lr, b1, b2, eps, wd, decoupled, step);
                    String at = "adam decoupled=" + decoupled + " n=" + n;
                    assertClose(at + " param", wantP, tp.toFloatArray());
                    assertClose(at + " m", wantM, tm.toFloatArray());
                    assertClose(at + " v", wantV, tv.toFloatArray());
                }
            }
        }
    }

    private static void assertClose(String what, float[] want, float[] got) {
        assertEquals(want.length, got.length, what + ": length");
        for (int i = 0; i < want.length; i++) {
            assertEquals(want[i], got[i], 2e-6 * Math.max(1, Math.abs(want[i])), what + " at " + i);
        }
    }

    private static float[] random(SplittableRandom rnd, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (rnd.nextDouble() * 2 - 1);
        }
        return v;
    }
}
