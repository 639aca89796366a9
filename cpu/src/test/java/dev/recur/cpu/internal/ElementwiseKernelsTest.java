package dev.recur.cpu.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.recur.backend.Activation;
import dev.recur.backend.Backend;
import dev.recur.backend.Backends;
import dev.recur.cpu.CpuTensor;
import java.util.SplittableRandom;
import java.util.function.IntFunction;
import org.junit.jupiter.api.Test;

/**
 * The layer-level element-wise kernels that run in chunks through heap arrays ({@link CellKernels#activate},
 * {@link CellKernels#activateBackward}, {@link LayerKernels#dropout}, {@link LayerKernels#mul}) against
 * element-by-element references with the same functions, bit for bit: sizes around the chunk boundaries, views at
 * an offset (the elements outside stay untouched), in place. And the branch-free ReLU gradient against the select
 * it replaces, for every kind of float.
 */
class ElementwiseKernelsTest {
    private static final int[] SIZES = {1, 7, TrainKernels.CHUNK - 1, TrainKernels.CHUNK, TrainKernels.CHUNK + 1,
        3 * TrainKernels.CHUNK + 17};
    private static final int PAD = 5;
    private static final double INV_SQRT2 = 0.7071067811865476;
    private static final double INV_SQRT_2PI = 0.3989422804014327;
    private final Backend be = Backends.get("cpu");

    @Test
    void reluGradientIsTheSelectForEveryKindOfFloat() {
        float[] special = {0f, -0f, Float.MIN_VALUE, -Float.MIN_VALUE, Float.MIN_NORMAL, Float.MAX_VALUE,
            -Float.MAX_VALUE, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.NaN,
            Float.intBitsToFloat(0x7f800001), Float.intBitsToFloat(0xffc00000), Float.intBitsToFloat(0x7fffffff),
            Float.intBitsToFloat(0x80000001), 1f, -1f, 3.5e-39f};
        for (float y : special) {
            for (float d : special) {
                check(y, d);
            }
        }
        SplittableRandom rnd = new SplittableRandom(3);
        for (int i = 0; i < 1_000_000; i++) {
            check(Float.intBitsToFloat(rnd.nextInt()), Float.intBitsToFloat(rnd.nextInt()));
        }
    }

    private static void check(float y, float d) {
        float expected = y > 0f ? d : 0f;
        float got = CellKernels.reluGradient(y, d);
        assertEquals(Float.floatToRawIntBits(expected), Float.floatToRawIntBits(got),
                () -> "reluGradient(" + y + " [0x" + Integer.toHexString(Float.floatToRawIntBits(y)) + "], " + d + ")");
    }

    @Test
    void forwardMatchesElementByElementOnViewsAndInPlace() {
        SplittableRandom rnd = new SplittableRandom(4);
        for (Activation act : Activation.values()) {
            for (int n : SIZES) {
                float[] x = random(rnd, n + 2 * PAD);
                float[] y = random(rnd, n + 2 * PAD);
                float[] expected = y.clone();
                for (int i = PAD; i < PAD + n; i++) {
                    expected[i] = forward(act, x[i]);
                }
                try (CpuTensor tx = (CpuTensor) be.fromFloats(x, x.length);
                     CpuTensor ty = (CpuTensor) be.fromFloats(y, y.length)) {
                    CpuTensor vx = tx.slice(PAD, PAD + n);
                    CpuTensor vy = ty.slice(PAD, PAD + n);
                    CellKernels.activate(act, vx.floats(), vx.offset(), vy.floats(), vy.offset(), n);
                    assertArrayEquals(expected, ty.toFloatArray(), act + " n=" + n);
                    assertArrayEquals(x, tx.toFloatArray(), act + " n=" + n + ": x unchanged");
                    CellKernels.activate(act, vx.floats(), vx.offset(), vx.floats(), vx.offset(), n);
                    float[] inPlace = x.clone();
                    System.arraycopy(expected, PAD, inPlace, PAD, n);
                    assertArrayEquals(inPlace, tx.toFloatArray(), act + " n=" + n + " in place");
                }
            }
        }
    }

    @Test
    void backwardMatchesElementByElementOnViewsAndInPlace() {
        SplittableRandom rnd = new SplittableRandom(5);
        for (Activation act : Activation.values()) {
            for (int n : SIZES) {
                float[] x = random(rnd, n + 2 * PAD);
                float[] y = new float[x.length];
                for (int i = 0; i < x.length; i++) {
                    y[i] = forward(act, x[i]); // ReLU: half of it 0
                }
                float[] dy = random(rnd, x.length);
                float[] dx = random(rnd, x.length);
                float[] expected = dx.clone();
                for (int i = PAD; i < PAD + n; i++) {
                    expected[i] = backward(act, x[i], y[i], dy[i]);
                }
                try (CpuTensor tx = (CpuTensor) be.fromFloats(x, x.length);
                     CpuTensor ty = (CpuTensor) be.fromFloats(y, y.length);
                     CpuTensor tdy = (CpuTensor) be.fromFloats(dy, dy.length);
                     CpuTensor tdx = (CpuTensor) be.fromFloats(dx, dx.length)) {
                    CpuTensor vx = tx.slice(PAD, PAD + n);
                    CpuTensor vy = ty.slice(PAD, PAD + n);
                    CpuTensor vdy = tdy.slice(PAD, PAD + n);
                    CpuTensor vdx = tdx.slice(PAD, PAD + n);
                    CellKernels.activateBackward(act, vx.floats(), vx.offset(), vy.floats(), vy.offset(),
                            vdy.floats(), vdy.offset(), vdx.floats(), vdx.offset(), n);
                    assertArrayEquals(expected, tdx.toFloatArray(), act + " n=" + n);
                    assertArrayEquals(dy, tdy.toFloatArray(), act + " n=" + n + ": dy unchanged");
                    CellKernels.activateBackward(act, vx.floats(), vx.offset(), vy.floats(), vy.offset(),
                            vdy.floats(), vdy.offset(), vdy.floats(), vdy.offset(), n);
                    float[] inPlace = dy.clone();
                    System.arraycopy(expected, PAD, inPlace, PAD, n);
                    assertArrayEquals(inPlace, tdy.toFloatArray(), act + " n=" + n + " in place (dx = dy)");
                }
            }
        }
    }

    @Test
    void dropoutAndMulMatchElementByElementOnViewsAndInPlace() {
        SplittableRandom rnd = new SplittableRandom(6);
        for (float p : new float[] {0f, 0.1f, 0.5f}) {
            for (int n : SIZES) {
                float[] x = random(rnd, n + 2 * PAD);
                float[] keep = random(rnd, x.length);
                float[] y = random(rnd, x.length);
                float[] keepExpected = keep.clone();
                float[] yExpected = y.clone();
                // the documented sequence: the i-th nextDouble() of new SplittableRandom(seed), in element order
                SplittableRandom draws = new SplittableRandom(77);
                float scale = 1f / (1f - p);
                for (int i = PAD; i < PAD + n; i++) {
                    float k = p == 0f ? 1f : draws.nextDouble() < p ? 0f : scale;
                    keepExpected[i] = k;
                    yExpected[i] = x[i] * k;
                }
                IntFunction<String> what = i -> "p=" + p + " n=" + n + (i == 0 ? "" : " in place");
                try (CpuTensor tx = (CpuTensor) be.fromFloats(x, x.length);
                     CpuTensor tk = (CpuTensor) be.fromFloats(keep, keep.length);
                     CpuTensor ty = (CpuTensor) be.fromFloats(y, y.length)) {
                    CpuTensor vx = tx.slice(PAD, PAD + n);
                    CpuTensor vk = tk.slice(PAD, PAD + n);
                    CpuTensor vy = ty.slice(PAD, PAD + n);
                    LayerKernels.dropout(vx.floats(), vx.offset(), p, 77, vk.floats(), vk.offset(), vy.floats(),
                            vy.offset(), n);
                    assertArrayEquals(keepExpected, tk.toFloatArray(), "dropout keep " + what.apply(0));
                    assertArrayEquals(yExpected, ty.toFloatArray(), "dropout y " + what.apply(0));
                    LayerKernels.dropout(vx.floats(), vx.offset(), p, 77, vk.floats(), vk.offset(), vx.floats(),
                            vx.offset(), n);
                    float[] inPlace = x.clone();
                    System.arraycopy(yExpected, PAD, inPlace, PAD, n);
                    assertArrayEquals(inPlace, tx.toFloatArray(), "dropout y " + what.apply(1));
                    // mul: y = y * keep, out aliasing the first operand
                    float[] product = y.clone();
                    for (int i = PAD; i < PAD + n; i++) {
                        product[i] = yExpected[i] * keepExpected[i];
                    }
                    LayerKernels.mul(vy.floats(), vy.offset(), vk.floats(), vk.offset(), vy.floats(), vy.offset(), n);
                    System.arraycopy(y, 0, product, 0, PAD);
                    System.arraycopy(y, PAD + n, product, PAD + n, PAD);
                    assertArrayEquals(product, ty.toFloatArray(), "mul " + what.apply(1));
                }
            }
        }
    }

    private static float forward(Activation act, float v) {
        return switch (act) {
            case TANH -> FastMath.tanh(v);
            case RELU -> Math.max(v, 0f);
            case SIGMOID -> FastMath.sigmoid(v);
            case GELU -> (float) (0.5 * v * FastMath.erfc(-v * INV_SQRT2));
        };
    }

    private static float backward(Activation act, float x, float y, float d) {
        return switch (act) {
            case TANH -> d * (1f - y * y);
            case RELU -> y > 0f ? d : 0f;
            case SIGMOID -> d * y * (1f - y);
            case GELU -> {
                double v = x;
                double cdf = 0.5 * FastMath.erfc(-v * INV_SQRT2);
                double pdf = INV_SQRT_2PI * Math.exp(-0.5 * v * v);
                yield (float) (d * (cdf + v * pdf));
            }
        };
    }

    private static float[] random(SplittableRandom rnd, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) (rnd.nextDouble() * 6 - 3);
        }
        return a;
    }
}
