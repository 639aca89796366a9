package dev.recur.bench;

import static org.bytedeco.openblas.global.openblas_nolapack.CblasNoTrans;
import static org.bytedeco.openblas.global.openblas_nolapack.CblasRowMajor;
import static org.bytedeco.openblas.global.openblas_nolapack.CblasTrans;
import static org.bytedeco.openblas.global.openblas_nolapack.blas_set_num_threads;
import static org.bytedeco.openblas.global.openblas_nolapack.cblas_sgemm;
import static org.bytedeco.openblas.global.openblas_nolapack.cblas_sgemv;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.Arrays;
import java.util.Locale;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Loader;

/**
 * Not a JMH benchmark: a per-call timer for a shared, noisy machine. The variants of each group run
 * interleaved (rounds of {@value #BLOCK} calls each, round robin), and each call is timed alone with
 * {@link System#nanoTime()}, so the minimum and median per call are comparable even when other processes
 * take the cores for whole milliseconds. Groups: the three memory representations of
 * {@link MemoryRepresentationBench} at {@code [32, 256] x [256, 1024]}, and S1's step as sgemm vs sgemv;
 * each at OpenBLAS threads 1 and 2.
 *
 * <pre>java -cp bench/target/benchmarks.jar dev.recur.bench.GemmCallProbe</pre>
 */
public final class GemmCallProbe {
    static final int BLOCK = 200;
    static final int ROUNDS = 15;

    private GemmCallProbe() {
    }

    private static FloatPointer pointer(float[] v) {
        return new FloatPointer(v);
    }

    private static FloatBuffer direct(float[] v) {
        FloatBuffer b = ByteBuffer.allocateDirect(v.length * 4).order(ByteOrder.nativeOrder()).asFloatBuffer();
        b.put(v).flip();
        return b;
    }

    private static void group(String title, double flops, String[] names, Runnable[] ops) {
        long[][] t = new long[ops.length][BLOCK * ROUNDS];
        for (Runnable op : ops) {
            for (int i = 0; i < 2 * BLOCK; i++) {
                op.run();
            }
        }
        for (int r = 0; r < ROUNDS; r++) {
            for (int v = 0; v < ops.length; v++) {
                for (int i = 0; i < BLOCK; i++) {
                    long s = System.nanoTime();
                    ops[v].run();
                    t[v][r * BLOCK + i] = System.nanoTime() - s;
                }
            }
        }
        System.out.println(title);
        for (int v = 0; v < ops.length; v++) {
            long[] x = t[v];
            Arrays.sort(x);
            double p50 = x[x.length / 2] / 1e3;
            System.out.printf(Locale.ROOT, "  %-14s min %8.1f us  p50 %8.1f us  p90 %9.1f us  (%.1f GFLOP/s at min, %.1f at p50)%n",
                    names[v], x[0] / 1e3, p50, x[x.length * 9 / 10] / 1e3, flops / x[0], flops / (p50 * 1e3));
        }
    }

    public static void main(String[] args) {
        Loader.load(org.bytedeco.openblas.global.openblas_nolapack.class);
        int m = 32;
        int n = 1024;
        int k = 256;
        float[] aArr = BenchShapes.uniform(1, m * k);
        float[] wArr = BenchShapes.uniform(2, n * k);
        float[] cArr = new float[m * n];
        FloatPointer aPtr = pointer(aArr);
        FloatPointer wPtr = pointer(wArr);
        FloatPointer cPtr = new FloatPointer((long) m * n);
        FloatBuffer aBuf = direct(aArr);
        FloatBuffer wBuf = direct(wArr);
        FloatBuffer cBuf = direct(cArr);

        int h = 128;
        FloatPointer x1 = pointer(BenchShapes.uniform(3, h));
        FloatPointer w1 = pointer(BenchShapes.uniform(4, 4 * h * h));
        FloatPointer y1 = new FloatPointer(4L * h);

        for (int threads : new int[] {1, 2}) {
            blas_set_num_threads(threads);
            group(String.format(Locale.ROOT, "OpenBLAS threads %d: c [32,1024] = a [32,256] w[1024,256]^T", threads),
                    2.0 * m * n * k, new String[] {"heapArray", "floatPointer", "directBuffer"}, new Runnable[] {
                        () -> cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, m, n, k, 1f, aArr, k, wArr, k, 0f,
                                cArr, n),
                        () -> cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, m, n, k, 1f, aPtr, k, wPtr, k, 0f,
                                cPtr, n),
                        () -> cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, m, n, k, 1f, aBuf, k, wBuf, k, 0f,
                                cBuf, n)});
            group(String.format(Locale.ROOT, "OpenBLAS threads %d: S1 step, y [1,512] = x [1,128] W_hh[512,128]^T",
                    threads), 2.0 * 4 * h * h, new String[] {"sgemm NT", "sgemv"}, new Runnable[] {
                        () -> cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, 1, 4 * h, h, 1f, x1, h, w1, h, 0f,
                                y1, 4 * h),
                        () -> cblas_sgemv(CblasRowMajor, CblasNoTrans, 4 * h, h, 1f, w1, h, x1, 1, 0f, y1, 1)});
        }
    }
}
