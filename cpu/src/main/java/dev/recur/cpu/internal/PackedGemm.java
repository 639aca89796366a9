package dev.recur.cpu.internal;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The recurrent step's GEMM on weights packed once per call ({@link PackedWeights}):
 *
 * <pre>
 *   out[gateOf(v)][r * ldo + unit - u0] += sum_k a[aOff + r * lda + k] * W[gateOf(v) * H + unit, k]
 *   for rows r in [0, rows), units in [u0, u1) of the panels that start in that block
 * </pre>
 *
 * <p>{@code out[q]} holds gate q of the caller's block of units, row-major with {@code ldo = u1 - u0} columns,
 * already holding what is added to (the input projection, a bias, or zeros). Three kernels compute it, the first
 * available chosen ({@link Kernel}): {@link NativeKernels} (C, AVX2/FMA, twelve accumulators per tile) where its
 * library loads, {@link VectorGemm} (the Vector API, {@code jdk.incubator.vector}: at most nine accumulators) when
 * the JVM offers it, and {@link #multiplyAddJava} (plain loops over the same layout, which C2 vectorises where it
 * can). {@code -Drecur.cpu.native=auto|off} and {@code -Drecur.cpu.vector=auto|off} turn the first two off; the
 * Vector API needs {@code --add-modules jdk.incubator.vector} on the java command line. With only the plain-Java
 * kernel the steps use OpenBLAS unless packed steps are asked for ({@link CpuRnn.StepGemm}).
 */
public final class PackedGemm {
    private static final Logger LOG = LoggerFactory.getLogger(PackedGemm.class);

    /** System property: {@code auto} (the Vector API when the JVM offers it, the default) or {@code off}. */
    public static final String VECTOR_PROPERTY = "recur.cpu.vector";

    /** System property: {@code auto} (the native kernel where it loads, the default) or {@code off}. */
    public static final String NATIVE_PROPERTY = "recur.cpu.native";

    private static final String MODULE = "jdk.incubator.vector";
    private static volatile Boolean vectorAvailable;
    private static volatile Boolean vectorOverride;
    private static volatile Boolean nativeOverride;

    /** The kernels, fastest first; {@link #kernelInUse()} picks the first one that is on and available. */
    public enum Kernel {
        /** {@link NativeKernels}: C with AVX2/FMA. */
        NATIVE,
        /** {@link VectorGemm}: the Vector API. */
        VECTOR,
        /** {@link #multiplyAddJava}: plain Java. */
        JAVA
    }

    private PackedGemm() {
    }

    /** Runs the Vector API kernel ({@code true}), the plain-Java one ({@code false}), or null: the property. */
    public static void setVector(Boolean on) {
        vectorOverride = on;
    }

    /** Runs the native kernel where it loads ({@code true}), never ({@code false}), or null: the property. */
    public static void setNative(Boolean on) {
        nativeOverride = on;
    }

    /** Whether the native kernel is on ({@link #NATIVE_PROPERTY}, {@link #setNative}) and loaded. */
    public static boolean nativeInUse() {
        Boolean o = nativeOverride;
        boolean on = o != null ? o
                : CpuRnn.option(NATIVE_PROPERTY, KernelSetting.AUTO, KernelSetting.values()) == KernelSetting.AUTO;
        return on && NativeKernels.available();
    }

    /** The kernel that packed steps run: the first of {@link Kernel} that is on and available. */
    public static Kernel kernelInUse() {
        if (nativeInUse()) {
            return Kernel.NATIVE;
        }
        return vectorInUse() ? Kernel.VECTOR : Kernel.JAVA;
    }

    /**
     * Whether the Vector API is in use: by {@link VectorGemm} when the native kernel is not, and by the attention
     * and layer kernels' Vector API paths in any case.
     */
    public static boolean vectorInUse() {
        Boolean o = vectorOverride;
        if (o != null) {
            return o && vectorAvailable();
        }
        return CpuRnn.option(VECTOR_PROPERTY, KernelSetting.AUTO, KernelSetting.values()) == KernelSetting.AUTO
                && vectorAvailable();
    }

    /** The values of {@link #VECTOR_PROPERTY} and {@link #NATIVE_PROPERTY}. */
    private enum KernelSetting {
        /** The kernel when it is available. */
        AUTO,
        /** Not that kernel. */
        OFF
    }

    /** Which kernel runs packed steps, and why not the faster ones, for {@code describe()}. */
    public static String kernelStatus() {
        if (nativeInUse()) {
            return "native kernel (C, AVX2/FMA)";
        }
        String noNative = NativeKernels.available() ? "-D" + NATIVE_PROPERTY + "=off" : NativeKernels.status();
        if (!vectorAvailable()) {
            return "plain Java (no native kernel: " + noNative + "; no Vector API: start java with --add-modules "
                    + MODULE + ")";
        }
        return (vectorInUse() ? "Vector API, 256-bit" : "plain Java (-D" + VECTOR_PROPERTY + "=off)")
                + " (no native kernel: " + noNative + ")";
    }

    /**
     * Whether {@code jdk.incubator.vector} is in the boot layer and gives 8-lane float vectors in hardware. Checked
     * once, on first use; the kernel class is loaded only when this holds.
     */
    static boolean vectorAvailable() {
        Boolean a = vectorAvailable;
        if (a == null) {
            boolean present = ModuleLayer.boot().findModule(MODULE).isPresent();
            boolean ok = false;
            if (present) {
                try {
                    ok = VectorGemm.supported();
                } catch (LinkageError e) {
                    LOG.debug("{} present but unusable: {}", MODULE, e.toString());
                }
            }
            if (!ok) {
                LOG.info("cpu: no Vector API (start java with --add-modules {} for Recur's packed step kernel); "
                        + "recurrent steps use OpenBLAS, or with -D{}=packed the slower plain-Java kernel", MODULE,
                        CpuRnn.STEP_GEMM_PROPERTY);
            }
            a = ok;
            vectorAvailable = a;
        }
        return a;
    }

    /**
     * See the class comment. Panels {@code [p0, p1)} are those of the caller's block of units starting at u0. The
     * kernel is the one chosen when {@code w} was packed, so the properties are not read on every step.
     */
    static void multiplyAdd(float[] a, int aOff, int lda, int rows, PackedWeights w, int p0, int p1, float[][] out,
                            int ldo, int u0) {
        switch (w.kernel) {
            case NATIVE -> NativeKernels.multiplyAdd(a, aOff, lda, rows, w, p0, p1, out, ldo, u0);
            case VECTOR -> VectorGemm.multiplyAdd(a, aOff, lda, rows, w, p0, p1, out, ldo, u0);
            case JAVA -> multiplyAddJava(a, aOff, lda, rows, w, p0, p1, out, ldo, u0);
        }
    }

    /** The plain-Java kernel: one row × one panel at a time, the panel's columns accumulated in an array. */
    static void multiplyAddJava(float[] a, int aOff, int lda, int rows, PackedWeights w, int p0, int p1,
                                float[][] out, int ldo, int u0) {
        int k = w.k;
        int width = w.vectors * PackedWeights.LANES;
        float[] acc = new float[width];
        for (int p = p0; p < p1; p++) {
            int panel = p * k * width;
            for (int r = 0; r < rows; r++) {
                java.util.Arrays.fill(acc, 0f);
                int row = aOff + r * lda;
                for (int kk = 0; kk < k; kk++) {
                    float x = a[row + kk];
                    int base = panel + kk * width;
                    for (int j = 0; j < width; j++) {
                        acc[j] += x * w.data[base + j];
                    }
                }
                for (int v = 0; v < w.vectors; v++) {
                    float[] dst = out[w.gateOf(v)];
                    int col = w.unitOf(p, v) - u0;
                    int valid = Math.min(PackedWeights.LANES, ldo - col);
                    int o = r * ldo + col;
                    for (int lane = 0; lane < valid; lane++) {
                        dst[o + lane] += acc[v * PackedWeights.LANES + lane];
                    }
                }
            }
        }
    }
}
