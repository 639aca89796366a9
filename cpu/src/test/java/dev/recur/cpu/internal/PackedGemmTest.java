package dev.recur.cpu.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.recur.backend.Backend;
import dev.recur.backend.Backends;
import dev.recur.cpu.CpuTensor;
import java.nio.FloatBuffer;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * {@link PackedGemm}'s two kernels (the Vector API one and its plain-Java twin) against a double-precision
 * product on the unpacked weights, for every gate count, hidden sizes that do and do not fill the last panel,
 * one to eight rows (three gates take rows in threes, then pairs; a row left over takes the one-row kernel), odd
 * k, and the hidden units split into party blocks at panel boundaries, each block accumulating into what its
 * arrays already hold.
 */
class PackedGemmTest {
    private static final int[] GATES = {1, 3, 4};
    private static final int[] HIDDEN = {1, 7, 8, 13, 33, 64};
    private static final int[] ROWS = {1, 2, 3, 4, 5, 6, 7, 8};
    private static final int[] K = {1, 2, 9, 32};

    @Test
    void theTestJvmHasTheVectorModule() {
        // The surefire argLine adds it; without it this suite would only ever test the plain-Java kernel.
        assertTrue(ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent(),
                "jdk.incubator.vector is not in the test JVM's boot layer (surefire argLine)");
        System.out.println("cpu packed step GEMM: " + PackedGemm.vectorStatus());
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
                            check(pw, w, a, rows, k + 2, parties, false);
                            if (PackedGemm.vectorAvailable()) {
                                check(pw, w, a, rows, k + 2, parties, true);
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
            check(first, w, a, 3, k, 2, first.vector);
            assertSame(first, PackedWeights.packCached(t, gates, hidden, k), "unchanged weights are packed again");

            // One element changes: a new packing, which multiplies by the new value.
            w[5] += 1f;
            t.floats().put(t.offset() + 5, w[5]);
            PackedWeights second = PackedWeights.packCached(t, gates, hidden, k);
            assertNotSame(first, second, "a changed weight reused the old packing");
            check(second, w, a, 3, k, 2, second.vector);

            // The kernel choice is part of the packing: switching it packs again.
            PackedGemm.setVector(!second.vector);
            try {
                PackedWeights third = PackedWeights.packCached(t, gates, hidden, k);
                assertEquals(PackedGemm.vectorInUse(), third.vector);
                check(third, w, a, 3, k, 2, third.vector);
            } finally {
                PackedGemm.setVector(null);
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
                        check(pw, wt, a, rows, k, parties, false);
                        if (PackedGemm.vectorAvailable()) {
                            check(pw, wt, a, rows, k, parties, true);
                        }
                    }
                }
            }
        }
    }

    /** Where the rows of {@code a} start in the array passed to the kernels. */
    private static final int A_OFFSET = 3;

    /** Runs each party's block on arrays pre-filled with a known offset and compares with the double product. */
    private static void check(PackedWeights pw, float[] w, float[] a, int rows, int lda, int parties,
                              boolean vector) {
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
            if (vector) {
                VectorGemm.multiplyAdd(shifted, A_OFFSET, lda, rows, pw, p0, p1, out, hu, u0);
            } else {
                PackedGemm.multiplyAddJava(shifted, A_OFFSET, lda, rows, pw, p0, p1, out, hu, u0);
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
                                                + "gate %d row %d unit %d", vector ? "vector" : "java", gates,
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
