package dev.recur.cpu.internal;

import static org.bytedeco.openblas.global.openblas_nolapack.CblasNoTrans;
import static org.bytedeco.openblas.global.openblas_nolapack.CblasRowMajor;
import static org.bytedeco.openblas.global.openblas_nolapack.CblasTrans;
import static org.bytedeco.openblas.global.openblas_nolapack.cblas_sgemm;
import static org.bytedeco.openblas.global.openblas_nolapack.cblas_sgemv;

import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Pointer;

/**
 * Row-major {@code cblas_sgemm} and {@code cblas_sgemv} on raw addresses of off-heap memory. JavaCPP passes a
 * {@link Pointer}'s address to C; each thread keeps three reusable pointers whose address is set per call, so
 * a call allocates nothing (a step loop calls it thousands of times). See NOTES.md for why tensors live
 * off-heap: JavaCPP copies a {@code float[]} argument on every call.
 *
 * <p>A GEMM with one row ({@code M = 1}: a recurrent step at batch 1) runs as {@code cblas_sgemv}: OpenBLAS's
 * sgemm packs the whole of B on every call, which at {@code [1,128]x[128,512]} took ≥ 45 µs against 4–6 µs
 * for sgemv (NOTES.md). {@code -Drecur.cpu.gemv=false} turns this off.
 */
public final class Blas {
    private static final ThreadLocal<Blas> PER_THREAD = ThreadLocal.withInitial(Blas::new);
    /**
     * Below this many FLOPs a GEMM runs on one OpenBLAS thread: waking a second thread costs more than it
     * saves, and on a busy machine a small GEMM that waits for a descheduled helper thread stalls for
     * milliseconds (measured: a [32,256]x[256,1024] step GEMM swung between 0.3 and 16 ms with 2 threads).
     */
    static final double SINGLE_THREAD_FLOPS = 5e7;
    /** Whether {@link #sgemm} with M = 1 runs as GEMV ({@code -Drecur.cpu.gemv=false} turns it off). */
    private static volatile boolean gemvForOneRow = !"false".equalsIgnoreCase(System.getProperty("recur.cpu.gemv"));
    private static volatile int maxThreads = 1;
    private static volatile int currentThreads = -1;

    private final Address a = new Address();
    private final Address b = new Address();
    private final Address c = new Address();

    private Blas() {
    }

    /**
     * {@code C = alpha op(A) op(B) + beta C} with {@code op(A) [M, K]}, {@code op(B) [K, N]}, {@code C [M, N]};
     * addresses in bytes, leading dimensions in elements. Does nothing when M, N or K is 0 (beyond scaling C
     * by beta when K is 0, as BLAS does).
     */
    public static void sgemm(boolean transA, boolean transB, int m, int n, int k, float alpha, long addrA, int lda,
                             long addrB, int ldb, float beta, long addrC, int ldc) {
        sgemm(transA, transB, m, n, k, alpha, addrA, lda, addrB, ldb, beta, addrC, ldc,
                2.0 * m * n * k < SINGLE_THREAD_FLOPS ? 1 : maxThreads);
    }

    /**
     * {@link #sgemm} on one OpenBLAS thread, whatever its size: for the calls that the parties of a
     * {@link StepTeam} make at the same time, each on its own block of columns.
     */
    public static void sgemm1(boolean transA, boolean transB, int m, int n, int k, float alpha, long addrA, int lda,
                              long addrB, int ldb, float beta, long addrC, int ldc) {
        sgemm(transA, transB, m, n, k, alpha, addrA, lda, addrB, ldb, beta, addrC, ldc, 1);
    }

    private static void sgemm(boolean transA, boolean transB, int m, int n, int k, float alpha, long addrA, int lda,
                              long addrB, int ldb, float beta, long addrC, int ldc, int threads) {
        if (m == 0 || n == 0) {
            return;
        }
        if (m == 1 && k > 0 && gemvForOneRow) {
            // c[1, N] = alpha a op(B) + beta c, a = row 0 of op(A): (A [1, K] or column 0 of A [K, 1]).
            // op(B) = B^T (B [N, K]): c = B a; op(B) = B (B [K, N]): c = B^T a.
            int incA = transA ? lda : 1;
            if (transB) {
                sgemv(false, n, k, alpha, addrB, ldb, addrA, incA, beta, addrC, 1);
            } else {
                sgemv(true, k, n, alpha, addrB, ldb, addrA, incA, beta, addrC, 1);
            }
            return;
        }
        useThreads(threads);
        Blas t = PER_THREAD.get();
        cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans, m, n, k,
                alpha, t.a.at(addrA), lda, t.b.at(addrB), ldb, beta, t.c.at(addrC), ldc);
    }

    /**
     * {@code y = alpha op(A) x + beta y} with {@code A [M, N]} row-major (leading dimension lda),
     * {@code op(A) = A} ({@code x [N], y [M]}) or {@code A^T} ({@code x [M], y [N]}); x and y with strides incx,
     * incy (elements, positive). Addresses in bytes. With {@code beta = 0} y is only written, as in sgemm: it
     * is zeroed first, so that stale NaN in y cannot leak through (BLAS scales y by beta, and 0 * NaN is NaN
     * in some OpenBLAS versions). Does nothing when M or N is 0.
     */
    public static void sgemv(boolean transA, int m, int n, float alpha, long addrA, int lda, long addrX, int incx,
                             float beta, long addrY, int incy) {
        if (m == 0 || n == 0) {
            return;
        }
        int leny = transA ? n : m;
        Blas t = PER_THREAD.get();
        if (beta == 0f) {
            if (incy == 1) {
                Pointer.memset(t.c.at(addrY), 0, 4L * leny);
            } else {
                for (int i = 0; i < leny; i++) {
                    Pointer.memset(t.c.at(addrY + 4L * i * incy), 0, 4);
                }
            }
        }
        useThreads(2.0 * m * n < SINGLE_THREAD_FLOPS ? 1 : maxThreads);
        cblas_sgemv(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, m, n, alpha, t.a.at(addrA), lda,
                t.b.at(addrX), incx, beta, t.c.at(addrY), incy);
    }

    /** Whether {@link #sgemm} runs a one-row product as GEMV (default on); for tests and measurements. */
    public static void setGemvForOneRow(boolean on) {
        gemvForOneRow = on;
    }

    /** See {@link #setGemvForOneRow}. */
    public static boolean gemvForOneRow() {
        return gemvForOneRow;
    }

    /** Sets the most OpenBLAS threads a large GEMM may use (the backend's thread count). */
    public static void setMaxThreads(int threads) {
        maxThreads = threads;
        useThreads(threads);
    }

    private static void useThreads(int threads) {
        if (threads != currentThreads) {
            org.bytedeco.openblas.global.openblas_nolapack.blas_set_num_threads(threads);
            currentThreads = threads;
        }
    }

    /** A pointer whose address can be set; never owns memory. */
    private static final class Address extends FloatPointer {
        Address() {
            super((Pointer) null);
        }

        Address at(long byteAddress) {
            this.address = byteAddress;
            this.position = 0;
            this.limit = 0;
            this.capacity = 0;
            return this;
        }
    }
}
