package dev.recur.cpu.internal;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The cpu backend's native step kernels: {@code cpu/src/main/native/recur_cpu.c}, built into the jar by the cpu
 * module's build where a C compiler is at hand ({@code cpu/src/main/native/build.sh}), for Linux on x86-64 CPUs
 * with AVX2 and FMA.
 * <ul>
 *   <li>{@link #multiplyAdd}: {@link PackedGemm}'s step GEMM, what {@link PackedGemm#multiplyAddJava} computes,
 *   in register tiles of twelve accumulators (3 rows × 4 vectors, 4 rows × 3 for the GRU) that the Vector API
 *   kernel cannot hold on AVX2 ({@link VectorGemm}).</li>
 *   <li>{@link #lstmCell}, {@link #gruCell}: {@link CellKernels#lstmForwardArrays} and
 *   {@link CellKernels#gruForwardArrays} eight lanes at a time, operation for operation, so the same floats.</li>
 * </ul>
 * One JNI call per kernel, step and thread; the arrays are pinned for the call, not copied
 * ({@code GetPrimitiveArrayCritical}), so a garbage collection that starts meanwhile waits for the call to end:
 * at most about a millisecond, one S3 step of one thread. The step loop runs the native cells with the native
 * GEMM ({@link PackedGemm.Kernel#NATIVE}).
 *
 * <p>The library is loaded on first use, never in a class initialiser: copied from the jar to a temporary file,
 * loaded, and the file deleted. Anything that stops it (another OS or CPU, a jar built without a compiler, a
 * CPU without AVX2) leaves the Vector API and plain-Java kernels in place, with the reason in
 * {@link #status()} and one INFO log line.
 */
final class NativeKernels {
    private static final Logger LOG = LoggerFactory.getLogger(NativeKernels.class);

    /** The library inside the jar, for the one platform it is built for. */
    static final String RESOURCE = "/dev/recur/cpu/native/linux-x86_64/librecurcpu.so";

    /** Null until the first {@link #available()}; then "" when loaded, else why not. */
    private static volatile String unavailable;

    private NativeKernels() {
    }

    /** Whether the native kernel is loaded and this CPU runs it; loads it on the first call. */
    static boolean available() {
        String u = unavailable;
        if (u == null) {
            u = load();
        }
        return u.isEmpty();
    }

    /** "loaded", or why the native kernel is not available (for {@code describe()}). */
    static String status() {
        return available() ? "loaded" : unavailable;
    }

    private static synchronized String load() {
        if (unavailable != null) {
            return unavailable;
        }
        String reason;
        try {
            reason = tryLoad();
        } catch (IOException | LinkageError | SecurityException e) {
            reason = "could not load " + RESOURCE + ": " + e;
        }
        if (reason.isEmpty()) {
            LOG.debug("cpu: native step kernel loaded (AVX2/FMA)");
        } else {
            LOG.info("cpu: no native step kernel ({}); recurrent steps use the Java kernels", reason);
        }
        unavailable = reason;
        return reason;
    }

    private static String tryLoad() throws IOException {
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        String arch = System.getProperty("os.arch", "");
        if (!os.startsWith("linux") || !(arch.equals("amd64") || arch.equals("x86_64"))) {
            return "built for Linux x86-64 only, this is " + System.getProperty("os.name") + " " + arch;
        }
        Path file;
        try (InputStream in = NativeKernels.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                return "not in this build of recur-cpu (its build found no C compiler)";
            }
            file = Files.createTempFile("librecurcpu-", ".so");
            try {
                Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
                System.load(file.toAbsolutePath().toString());
            } finally {
                Files.deleteIfExists(file); // the loaded mapping outlives the file
            }
        }
        return supported0() ? "" : "this CPU lacks AVX2 or FMA";
    }

    /**
     * See {@link PackedGemm#multiplyAdd}. Every index the kernel touches is checked here against the arrays'
     * lengths first: native code has no bounds checks of its own.
     */
    static void multiplyAdd(float[] a, int aOff, int lda, int rows, PackedWeights w, int p0, int p1, float[][] out,
                            int ldo, int u0) {
        if (rows <= 0 || p0 >= p1) {
            return;
        }
        int k = w.k;
        if (aOff < 0 || lda < k || (long) aOff + (long) (rows - 1) * lda + k > a.length) {
            throw new IllegalArgumentException("a: rows " + rows + " of " + k + " at offset " + aOff + ", stride "
                    + lda + ", do not fit its " + a.length + " floats");
        }
        if (p0 < 0 || p1 > w.panels || u0 < 0 || u0 > p0 * w.units || ldo < 0) {
            throw new IllegalArgumentException("panels [" + p0 + ", " + p1 + ") of " + w.panels + " with units from "
                    + u0 + " (panel width " + w.units + ")");
        }
        int used = w.gates; // output arrays: one per gate
        for (int q = 0; q < used; q++) {
            if ((long) rows * ldo > out[q].length) {
                throw new IllegalArgumentException("out[" + q + "]: " + rows + " rows of " + ldo + " do not fit its "
                        + out[q].length + " floats");
            }
        }
        multiplyAdd0(a, aOff, lda, rows, w.data, k, w.gates, p0, p1, out[0], used > 1 ? out[1] : null,
                used > 2 ? out[2] : null, used > 3 ? out[3] : null, ldo, u0);
    }

    /** {@link CellKernels#lstmForwardArrays} on the first {@code n} elements, the same floats. */
    static void lstmCell(float[] i, float[] f, float[] g, float[] o, float[] c, float[] m, int n) {
        int shortest = Math.min(Math.min(Math.min(i.length, f.length), Math.min(g.length, o.length)),
                Math.min(c.length, m.length));
        checkLength(n, shortest);
        lstmCell0(i, f, g, o, c, m, n);
    }

    /** {@link CellKernels#gruForwardArrays} on the first {@code n} elements, the same floats. */
    static void gruCell(float[] r, float[] z, float[] nn, float[] hr, float[] hz, float[] hn, float[] h, int n) {
        int shortest = Math.min(Math.min(Math.min(r.length, z.length), Math.min(nn.length, hr.length)),
                Math.min(Math.min(hz.length, hn.length), h.length));
        checkLength(n, shortest);
        gruCell0(r, z, nn, hr, hz, hn, h, n);
    }

    /** A cell's {@code n} against its shortest array (no varargs: this runs every step, and allocates nothing). */
    private static void checkLength(int n, int shortest) {
        if (n < 0 || n > shortest) {
            throw new IllegalArgumentException("cell arrays: " + n + " elements asked for, the shortest has "
                    + shortest);
        }
    }

    private static native boolean supported0();

    private static native void lstmCell0(float[] i, float[] f, float[] g, float[] o, float[] c, float[] m, int n);

    private static native void gruCell0(float[] r, float[] z, float[] nn, float[] hr, float[] hz, float[] hn,
                                        float[] h, int n);

    private static native void multiplyAdd0(float[] a, int aOff, int lda, int rows, float[] w, int k, int gates,
                                            int p0, int p1, float[] out0, float[] out1, float[] out2, float[] out3,
                                            int ldo, int u0);
}
