package dev.recur.nd4j;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.recur.backend.Backend;
import dev.recur.backend.Backends;
import dev.recur.nn.rnn.Lstm;
import dev.recur.nn.rnn.RnnResult;
import dev.recur.tensor.Tensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.bytedeco.javacpp.Loader;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * ND4J 1.0.0-M2.1 (built with JavaCPP 1.5.7) and Recur's cpu backend (built with JavaCPP 1.5.13) in one JVM, on
 * one JavaCPP and one OpenBLAS: the pair this build pins ({@code nd4j.test.javacpp.version}, by default Recur's
 * 1.5.13; {@code -Pjavacpp-of-nd4j} runs the same test on ND4J's 1.5.7). Both libraries compute correctly, in
 * either order, and the process holds exactly one copy of each native library.
 */
class JavaCppCoexistenceTest {
    private static float[] random(int n, long seed) {
        Random r = new Random(seed);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) r.nextGaussian();
        }
        return v;
    }

    private static double maxDiffOfProduct(float[] a, float[] b, float[] c, int m, int k, int n) {
        double max = 0;
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double s = 0;
                for (int p = 0; p < k; p++) {
                    s += (double) a[i * k + p] * b[p * n + j];
                }
                max = Math.max(max, Math.abs(s - c[i * n + j]));
            }
        }
        return max;
    }

    @Test
    void theJavaCppAndOpenBlasOnTheClassPathAreThePinnedOnes() throws IOException {
        String javacpp = System.getProperty("nd4j.test.javacpp.version");
        String openblas = System.getProperty("nd4j.test.openblas.version");
        assumeTrue(javacpp != null && openblas != null, "run by Maven, which passes the pinned versions");
        System.out.println("JavaCPP " + Loader.getVersion() + ", OpenBLAS preset "
                + Loader.getVersion("org.bytedeco", "openblas") + ", ND4J backend "
                + Nd4j.getBackend().getClass().getName());
        assertEquals(javacpp, Loader.getVersion());
        assertEquals(openblas, Loader.getVersion("org.bytedeco", "openblas"));
    }

    @Test
    void nd4jAndRecurComputeCorrectlyInOneJvm() {
        int m = 33;
        int k = 47;
        int n = 29;
        float[] a = random(m * k, 1);
        float[] b = random(k * n, 2);

        // ND4J: GEMM (its OpenBLAS), an elementwise op of libnd4j.
        INDArray c = Nd4j.create(a, new long[] {m, k}, 'c').mmul(Nd4j.create(b, new long[] {k, n}, 'c'));
        double nd4jDiff = maxDiffOfProduct(a, b, c.dup('c').data().asFloat(), m, k, n);
        assertTrue(nd4jDiff < 1e-4, "ND4J sgemm max |diff| " + nd4jDiff);
        INDArray tanh = Transforms.tanh(Nd4j.create(new double[] {-1, 0.5, 2}, new long[] {3}, 'c'), true);
        assertArrayEquals(new double[] {Math.tanh(-1), Math.tanh(0.5), Math.tanh(2)}, tanh.toDoubleVector(), 1e-12);

        // Recur: GEMM through the same OpenBLAS, and an LSTM.
        Backend cpu = Backends.get("cpu");
        try (Tensor ta = cpu.fromFloats(a, m, k); Tensor tb = cpu.fromFloats(b, k, n);
             Tensor tc = cpu.zeros(dev.recur.tensor.DType.F32, m, n)) {
            cpu.gemm(false, false, 1f, ta, tb, 0f, tc);
            double recurDiff = maxDiffOfProduct(a, b, tc.toFloatArray(), m, k, n);
            assertTrue(recurDiff < 1e-4, "Recur sgemm max |diff| " + recurDiff);
        }
        try (Lstm lstm = Lstm.builder(4, 3).seed(1).build(cpu); Tensor x = cpu.fromFloats(random(5 * 2 * 4, 3), 5, 2, 4);
             RnnResult r = lstm.forward(x, new int[] {5, 3}, null)) {
            float[] y = r.output().toFloatArray();
            assertEquals(0f, y[(4 * 2 + 1) * 3], "padded step of sequence 1");
            assertTrue(Float.isFinite(y[0]) && y[0] != 0f);
        }

        // ND4J again, after Recur: still right.
        INDArray again = Nd4j.create(a, new long[] {m, k}, 'c').mmul(Nd4j.create(b, new long[] {k, n}, 'c'));
        assertEquals(c, again);
    }

    @Test
    void theProcessHoldsOneJavaCppAndOneOpenBlas() throws IOException {
        Path maps = Path.of("/proc/self/maps");
        assumeTrue(Files.isReadable(maps), "Linux only: reads /proc/self/maps");
        Nd4j.create(DataType.FLOAT, 2, 2).mmul(Nd4j.create(DataType.FLOAT, 2, 2));
        Backends.get("cpu");
        TreeSet<String> libs = Files.readAllLines(maps).stream()
                .filter(l -> l.contains("/"))
                .map(l -> l.substring(l.indexOf('/')))
                .filter(f -> f.contains("jnijavacpp") || f.contains("openblas"))
                .collect(Collectors.toCollection(TreeSet::new));
        libs.forEach(f -> System.out.println("loaded " + f));
        List<String> javacpp = libs.stream().filter(f -> f.endsWith("libjnijavacpp.so")).toList();
        assertEquals(1, javacpp.size(), "one libjnijavacpp.so: " + javacpp);
        List<String> openblas = libs.stream().filter(f -> f.matches(".*/libopenblas(_nolapack)?\\.so(\\.0)?")).toList();
        assertTrue(!openblas.isEmpty(), "OpenBLAS is loaded");
        String version = System.getProperty("nd4j.test.openblas.version");
        if (version != null) {
            assertTrue(openblas.stream().allMatch(f -> f.contains("openblas-" + version + "-")),
                    "every OpenBLAS library comes from the pinned openblas " + version + " jar: " + openblas);
        }
    }
}
