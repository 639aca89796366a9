package dev.recur.cpu.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.recur.backend.Backend;
import dev.recur.backend.Backends;
import dev.recur.cpu.CpuTensor;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * {@link PackedGemm}'s three kernels (native, Vector API, plain Java) against a double-precision product on the
 * unpacked weights, for every gate count, hidden sizes that do and do not fill the last panel, one to nine rows
 * (every tile and leftover of each kernel: threes, fours, pairs, a lone row), k odd, short and longer than the
 * kernels' k chunk of 128, and the hidden units split into party blocks at panel boundaries, each block
 * accumulating into what its arrays already hold.
 */
class PackedGemmTest {
    private static final int[] GATES = {1, 3, 4};
    private static final int[] HIDDEN = {1, 7, 8, 13, 33, 64};
    private static final int[] ROWS = {1, 2, 3, 4, 5, 6, 7, 8, 9};
    private static final int[] K = {1, 2, 9, 32, 131};

    @Test
    void theTestJvmHasTheVectorModule() {
        // The surefire argLine adds it; without it this suite would only ever test the plain-Java kernel.
        assertTrue(ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent(),
                "jdk.incubator.vector is not in the test JVM's boot layer (surefire argLine)");
        System.out.println("cpu packed step GEMM: " + PackedGemm.kernelStatus());
    }

    @Test
    void theNativeKernelLoadsWhereTheBuildMadeIt() {
        // The cpu module's build compiles it on Linux x86-64 with a C compiler (this project's machines); a jar
        // without it, or another platform, runs the Java kernels, and this test has nothing to check there.
        Assumptions.assumeTrue(NativeKernels.class.getResource(NativeKernels.RESOURCE) != null,
                "the build made no native kernel: " + NativeKernels.status());
        assertTrue(NativeKernels.available(), "built but not usable: " + NativeKernels.status());
        assertEquals(PackedGemm.Kernel.NATIVE, PackedGemm.kernelInUse());
        PackedGemm.setNative(false);
        try {
            assertEquals(PackedGemm.vectorAvailable() ? PackedGemm.Kernel.VECTOR : PackedGemm.Kernel.JAVA,
                    PackedGemm.kernelInUse(), "native off");
            assertTrue(PackedGemm.kernelStatus().contains(PackedGemm.NATIVE_PROPERTY + "=off"),
                    PackedGemm.kernelStatus());
        } finally {
            PackedGemm.setNative(null);
        }
    }

    @Test
    void theNativeKernelRefusesIndicesOutsideItsArrays() {
        Assumptions.assumeTrue(NativeKernels.available(), NativeKernels.status());
        int k = 5;
        PackedWeights pw = PackedWeights.pack(FloatBuffer.wrap(new float[4 * 8 * k]), 0, 4, 8, k);
        float[][] out = {new float[16], new float[16], new float[16], new float[16]};
        float[] a = new float[2 * k];
        // Two rows of k from offset 1 need 2k + 1 floats.
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> NativeKernels.multiplyAdd(a, 1, k, 2, pw, 0, 1, out, 8, 0));
        assertTrue(e.getMessage().startsWith("a: rows 2"), e.getMessage());
        // Three rows of 8 outputs need 24 floats per gate.
        e = assertThrows(IllegalArgumentException.class,
                () -> NativeKernels.multiplyAdd(new float[3 * k], 0, k, 3, pw, 0, 1, out, 8, 0));
        assertTrue(e.getMessage().startsWith("out[0]: 3 rows of 8"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> NativeKernels.multiplyAdd(a, 0, k, 2, pw, 0, 2, out, 8, 0));
        assertTrue(e.getMessage().startsWith("panels [0, 2) of 1"), e.getMessage());
        float[][] before = {out[0].clone(), out[1].clone(), out[2].clone(), out[3].clone()};
        assertTrue(java.util.Arrays.deepEquals(before, out), "a refused call wrote nothing");
    }

    @Test
    void bothKernelsMatchTheDoubleProduct() {
        SplittableRandom rnd = new SplittableRandom(7);
        int cases = 0;
        for (int gates : GATES) {
            for (int hidden : HIDDEN) {
                for (int k : K) {
                    float[] w = random(rnd, gates * hidden * k);
                    PackedWeights pw = PackedWeights.pack(FloatBuffer.wrap(pad(w, 3)), 3, gates, hidden, k);
                    for (int rows : ROWS) {
                        float[] a = random(rnd, rows * (k + 2));
                        for (int parties = 1; parties <= 3; parties++) {
                            for (PackedGemm.Kernel kernel : kernels()) {
                                check(pw, w, a, rows, k + 2, parties, kernel);
                            }
                            cases++;
                        }
                    }
                }
            }
        }
        assertEquals(GATES.length * HIDDEN.length * K.length * ROWS.length * 3, cases);
    }

    @Test
    void packCachedReusesThePackingWhileTheWeightsAreUnchanged() {
        SplittableRandom rnd = new SplittableRandom(3);
        int gates = 4;
        int hidden = 13;
        int k = 9;
        int n = gates * hidden * k;
        float[] both = random(rnd, 2 * n);
        float[] w = java.util.Arrays.copyOfRange(both, n, 2 * n);
        float[] a = random(rnd, 3 * k);
        Backend be = Backends.get("cpu");
        // The second half of a larger block: the packing must read from the tensor's offset.
        try (CpuTensor block = (CpuTensor) be.fromFloats(both, 2 * gates * hidden, k)) {
            CpuTensor t = block.slice(gates * hidden, 2 * gates * hidden);
            PackedWeights first = PackedWeights.packCached(t, gates, hidden, k);
            check(first, w, a, 3, k, 2, first.kernel);
            assertSame(first, PackedWeights.packCached(t, gates, hidden, k), "unchanged weights are packed again");

            // One element changes: a new packing, which multiplies by the new value.
            w[5] += 1f;
            t.floats().put(t.offset() + 5, w[5]);
            PackedWeights second = PackedWeights.packCached(t, gates, hidden, k);
            assertNotSame(first, second, "a changed weight reused the old packing");
            check(second, w, a, 3, k, 2, second.kernel);

            // The kernel choice is part of the packing: switching it packs again.
            PackedGemm.setNative(false);
            PackedGemm.setVector(false);
            try {
                PackedWeights third = PackedWeights.packCached(t, gates, hidden, k);
                assertEquals(PackedGemm.Kernel.JAVA, third.kernel);
                assertEquals(second.kernel == PackedGemm.Kernel.JAVA, third == second);
                check(third, w, a, 3, k, 2, third.kernel);
            } finally {
                PackedGemm.setVector(null);
                PackedGemm.setNative(null);
            }
        }
    }

    @Test
    void packedColumnsGiveTheProductOverTheRows() {
        // Backward's dh = dG W_hh: the contraction runs over W's rows, the output columns are W's columns.
        SplittableRandom rnd = new SplittableRandom(11);
        for (int n : HIDDEN) {
            for (int k : new int[] {1, 12, 40}) {
                float[] w = random(rnd, k * n);
                PackedWeights pw = PackedWeights.packColumns(FloatBuffer.wrap(pad(w, 5)), 5, k, n);
                // The same product as packing W^T's rows: check() reads its reference as w[(q*H + u)*k + kk].
                float[] wt = new float[n * k];
                for (int j = 0; j < k; j++) {
                    for (int c = 0; c < n; c++) {
                        wt[c * k + j] = w[j * n + c];
                    }
                }
                for (int rows : ROWS) {
                    float[] a = random(rnd, rows * k);
                    for (int parties = 1; parties <= 3; parties++) {
                        for (PackedGemm.Kernel kernel : kernels()) {
                            check(pw, wt, a, rows, k, parties, kernel);
                        }
                    }
                }
            }
        }
    }

    /** The kernels this JVM can run: the plain-Java one always, the others where available. */
    private static List<PackedGemm.Kernel> kernels() {
        List<PackedGemm.Kernel> kernels = new ArrayList<>(List.of(PackedGemm.Kernel.JAVA));
        if (PackedGemm.vectorAvailable()) {
            kernels.add(PackedGemm.Kernel.VECTOR);
        }
        if (NativeKernels.available()) {
            kernels.add(PackedGemm.Kernel.NATIVE);
        }
        return kernels;
    }

    /** Where the rows of {@code a} start in the array passed to the kernels. */
    private static final int A_OFFSET = 3;

    /** Runs each party's block on arrays pre-filled with a known offset and compares with the double product. */
    private static void check(PackedWeights pw, float[] w, float[] a, int rows, int lda, int parties,
                              PackedGemm.Kernel kernel) {
        int gates = pw.gates;
        int hidden = pw.hidden;
        int k = pw.k;
        for (int party = 0; party < parties; party++) {
            int u0 = pw.blockStart(party, parties);
            int u1 = pw.blockStart(party + 1, parties);
            int p0 = party * pw.panels / parties;
            int p1 = (party + 1) * pw.panels / parties;
            int hu = u1 - u0;
            assertEquals(u0, Math.min(hidden, p0 * pw.units), "block start at a panel boundary");
            float[][] out = new float[gates][rows * hu];
            for (int q = 0; q < gates; q++) {
                for (int i = 0; i < out[q].length; i++) {
                    out[q][i] = 0.25f * q - 0.5f;
                }
            }
            // a's rows start at an offset, after values that must not be read.
            float[] shifted = new float[A_OFFSET + a.length];
            java.util.Arrays.fill(shifted, 0, A_OFFSET, Float.NaN);
            System.arraycopy(a, 0, shifted, A_OFFSET, a.length);
            switch (kernel) {
                case NATIVE -> NativeKernels.multiplyAdd(shifted, A_OFFSET, lda, rows, pw, p0, p1, out, hu, u0);
                case VECTOR -> VectorGemm.multiplyAdd(shifted, A_OFFSET, lda, rows, pw, p0, p1, out, hu, u0);
                case JAVA -> PackedGemm.multiplyAddJava(shifted, A_OFFSET, lda, rows, pw, p0, p1, out, hu, u0);
            }
            for (int q = 0; q < gates; q++) {
                for (int r = 0; r < rows; r++) {
                    for (int u = u0; u < u1; u++) {
                        double expected = 0.25 * q - 0.5;
                        for (int kk = 0; kk < k; kk++) {
                            expected += (double) a[r * lda + kk] * w[(q * hidden + u) * k + kk];
                        }
                        float got = out[q][r * hu + u - u0];
                        assertEquals(expected, got, 1e-5 * (1 + k),
                                String.format("%s kernel, gates %d, hidden %d, k %d, rows %d, party %d of %d: "
                                                + "gate %d row %d unit %d", kernel, gates,
                                        hidden, k, rows, party, parties, q, r, u));
                    }
                }
            }
        }
    }

    private static float[] random(SplittableRandom rnd, int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) (rnd.nextDouble() * 2 - 1);
        }
        return x;
    }

    /** {@code w} after {@code lead} floats of garbage, so packing must honour its offset. */
    private static float[] pad(float[] w, int lead) {
        float[] p = new float[w.length + lead];
        java.util.Arrays.fill(p, 0, lead, Float.NaN);
        System.arraycopy(w, 0, p, lead, w.length);
        return p;
    }
}
