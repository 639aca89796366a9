package dev.recur.cpu.internal;

import static org.bytedeco.openblas.global.openblas_nolapack.CblasNoTrans;
import static org.bytedeco.openblas.global.openblas_nolapack.CblasRowMajor;
import static org.bytedeco.openblas.global.openblas_nolapack.CblasTrans;
import static org.bytedeco.openblas.global.openblas_nolapack.cblas_sgemm;

import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Pointer;

/**
 * Row-major {@code cblas_sgemm} on raw addresses of off-heap memory. JavaCPP passes a {@link Pointer}'s
 * address to C; each thread keeps three reusable pointers whose address is set per call, so a GEMM
 * allocates nothing (a step loop calls it thousands of times). See NOTES.md for why tensors live off-heap:
 * JavaCPP copies a {@code float[]} argument on every call.
 */
public final class Blas {
    private static final ThreadLocal<Blas> PER_THREAD = ThreadLocal.withInitial(Blas::new);
    /**
     * Below this many FLOPs a GEMM runs on one OpenBLAS thread: waking a second thread costs more than it
     * saves, and on a busy machine a small GEMM that waits for a descheduled helper thread stalls for
     * milliseconds (measured: a [32,256]x[256,1024] step GEMM swung between 0.3 and 16 ms with 2 threads).
     */
    static final double SINGLE_THREAD_FLOPS = 5e7;
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
        if (m == 0 || n == 0) {
            return;
        }
        useThreads(2.0 * m * n * k < SINGLE_THREAD_FLOPS ? 1 : maxThreads);
        Blas t = PER_THREAD.get();
        cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans, m, n, k,
                alpha, t.a.at(addrA), lda, t.b.at(addrB), ldb, beta, t.c.at(addrC), ldc);
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
