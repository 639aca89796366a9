package dev.recur.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.recur.backend.Activation;
import dev.recur.backend.Backend;
import dev.recur.backend.Backends;
import dev.recur.cpu.internal.FastMath;
import dev.recur.tensor.Tensor;
import java.util.Locale;
import org.junit.jupiter.api.Test;

/** erf/erfc and the exact-erf GELU forward and backward of the CPU backend. */
class GeluKernelsTest {
    private final Backend cpu = Backends.get("cpu");

    @Test
    void erfMatchesKnownValues() {
        // Values from Python's math.erf / math.erfc (correctly rounded double).
        double[][] erf = {
            {0.001, 0.0011283787909692365}, {0.49999, 0.5204910899433182}, {0.5, 0.5204998778130465},
            {1, 0.8427007929497149}, {2, 0.9953222650189527}, {-3, -0.9999779095030014},
            {3.7, 0.9999998328489421}, {0, 0},
        };
        double worst = 0;
        for (double[] c : erf) {
            double got = FastMath.erf(c[0]);
            worst = Math.max(worst, Math.abs(got - c[1]));
            assertEquals(c[1], got, 1.3e-9, "erf(" + c[0] + ")");
            assertEquals(-c[1], FastMath.erf(-c[0]), 1.3e-9, "erf is odd, at " + c[0]);
        }
        // Relative accuracy near 0, where 1 - erfc would lose it.
        assertEquals(0.0011283787909692365, FastMath.erf(0.001), 1e-16);
        double[][] erfc = {{5, 1.5374597944280351e-12}, {-1.2, 1.9103139782296354}, {10, 2.088487583762545e-45}};
        for (double[] c : erfc) {
            double got = FastMath.erfc(c[0]);
            assertEquals(c[1], got, 1.3e-9 * Math.abs(c[1]), "erfc(" + c[0] + ") relative");
        }
        System.out.printf(Locale.ROOT, "erf known values              maxdiff = %.3e%n", worst);
    }

    @Test
    void erfMatchesSimpsonIntegration() {
        // erf x = 2/√π ∫_0^x e^{-u²} du, by composite Simpson with 4000 panels (error far below 1e-12 here).
        double worst = 0;
        for (int s = -160; s <= 160; s++) {
            double x = s / 40.0;
            int n = 4000;
            double h = x / n;
            double sum = 1 + Math.exp(-x * x);
            for (int i = 1; i < n; i++) {
                double u = i * h;
                sum += (i % 2 == 1 ? 4 : 2) * Math.exp(-u * u);
            }
            double want = 2 / Math.sqrt(Math.PI) * sum * h / 3;
            worst = Math.max(worst, Math.abs(FastMath.erf(x) - want));
        }
        System.out.printf(Locale.ROOT, "erf vs Simpson on [-4, 4]     maxdiff = %.3e%n", worst);
        assertTrue(worst < 1.3e-9, "erf absolute error " + worst);
    }

    @Test
    void geluForwardMatchesKnownValues() {
        float[] x = {1f, -0.5f, 3f, -3f, 0f, 8f, -8f};
        double[] want = {0.8413447460685429, -0.15426876936299344, 2.99595030590511, -0.00404969409489031, 0, 8,
            -8 * 6.220960574271819e-16};
        try (Tensor tx = cpu.fromFloats(x, x.length); Tensor ty = cpu.zeros(dev.recur.tensor.DType.F32, x.length)) {
            cpu.activation(Activation.GELU, tx, ty);
            float[] y = cpu.toFloatArray(ty);
            double worst = 0;
            for (int i = 0; i < x.length; i++) {
                double tol = 1e-7 * Math.max(1e-3, Math.abs(want[i]));
                worst = Math.max(worst, Math.abs(y[i] - want[i]) / Math.max(1e-3, Math.abs(want[i])));
                assertEquals(want[i], y[i], Math.max(tol, Math.ulp((float) want[i])), "gelu(" + x[i] + ")");
            }
            System.out.printf(Locale.ROOT, "gelu known values (rel)       maxdiff = %.3e%n", worst);
            // In place (y may be x).
            cpu.activation(Activation.GELU, tx, tx);
            assertEquals(y[0], cpu.toFloatArray(tx)[0]);
        }
    }

    @Test
    void geluBackwardMatchesCentralDifferences() {
        int n = 241;
        float[] x = new float[n];
        float[] dy = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (i - 120) / 20f; // [-6, 6]
            dy[i] = 0.5f + (i % 7) * 0.25f;
        }
        try (Tensor tx = cpu.fromFloats(x, n); Tensor tdy = cpu.fromFloats(dy, n);
             Tensor tdx = cpu.zeros(dev.recur.tensor.DType.F32, n)) {
            cpu.activationBackward(Activation.GELU, tx, null, tdy, tdx);
            float[] dx = cpu.toFloatArray(tdx);
            double worst = 0;
            double h = 1e-5;
            for (int i = 0; i < n; i++) {
                // y = 0.5 x (1 + erf(x / √2)) in double; central difference of it.
                double fd = (gelu(x[i] + h) - gelu(x[i] - h)) / (2 * h);
                double want = dy[i] * fd;
                double err = Math.abs(dx[i] - want) / Math.max(1, Math.abs(want));
                worst = Math.max(worst, err);
                assertTrue(err < 1e-6, "gelu'(" + x[i] + "): want " + want + ", got " + dx[i]);
            }
            System.out.printf(Locale.ROOT, "gelu backward vs central diff maxdiff = %.3e%n", worst);
            // dx may alias dy.
            cpu.activationBackward(Activation.GELU, tx, null, tdy, tdy);
            assertEquals(java.util.Arrays.toString(dx), java.util.Arrays.toString(cpu.toFloatArray(tdy)));
        }
    }

    private static double gelu(double x) {
        return 0.5 * x * (1 + FastMath.erf(x / Math.sqrt(2)));
    }
}
