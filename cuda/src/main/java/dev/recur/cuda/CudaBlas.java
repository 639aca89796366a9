package dev.recur.cuda;

import static dev.recur.cuda.CudaCalls.checkCublas;

import org.bytedeco.cuda.cublas.cublasContext;
import org.bytedeco.cuda.global.cublas;
import org.bytedeco.javacpp.FloatPointer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Row-major SGEMM on cuBLAS (column-major) by the usual identity: a row-major {@code C [M, N]} is a column-major
 * {@code C^T [N, M]}, and {@code C^T = op(B)^T op(A)^T}, so {@code C = alpha op(A) op(B) + beta C} (row-major,
 * leading dimensions lda, ldb, ldc = row lengths) is {@code cublasSgemm(opB, opA, N, M, K, alpha, B, ldb, A, lda,
 * beta, C, ldc)}. All pointers are device addresses; alpha and beta are passed from host memory. The handle runs
 * on the backend's stream. Not thread safe: the backend's lock guards it.
 */
final class CudaBlas implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(CudaBlas.class);

    /** A FloatPointer whose address can be set: a view of device memory for the JNI wrappers (no allocation). */
    private static final class DevicePointer extends FloatPointer {
        DevicePointer at(long address) {
            this.address = address;
            return this;
        }
    }

    private final cublasContext handle;
    private final boolean trace;
    private final CudaDevice device;
    private final LaunchRecorder recorder;
    private long workspace;
    private long workspaceBytes;
    private final FloatPointer alpha = new FloatPointer(1);
    private final FloatPointer beta = new FloatPointer(1);
    private final DevicePointer pa = new DevicePointer();
    private final DevicePointer pb = new DevicePointer();
    private final DevicePointer pc = new DevicePointer();
    private final String version;

    /**
     * A handle on the device's stream. With {@code graphs} (GEMMs captured into CUDA graphs) it gets a workspace of
     * its own, as cuBLAS asks for graph capture, so that no capture allocates one: 32 MiB on Hopper and newer,
     * 4 MiB before (cuBLAS's recommended sizes).
     */
    CudaBlas(CudaDevice device, boolean tf32, boolean trace, boolean graphs) {
        this.trace = trace;
        this.device = device;
        this.recorder = device.recorder();
        cublasContext h = new cublasContext();
        checkCublas(cublas.cublasCreate_v2(h), "cublasCreate_v2");
        this.handle = h;
        boolean ok = false;
        try {
            checkCublas(cublas.cublasSetStream_v2(h, device.stream()), "cublasSetStream_v2");
            if (graphs) {
                workspaceBytes = device.computeCapability >= 90 ? 32L << 20 : 4L << 20;
                workspace = device.alloc(workspaceBytes);
                checkCublas(cublas.cublasSetWorkspace_v2(h, pa.at(workspace), workspaceBytes),
                        "cublasSetWorkspace_v2(" + workspaceBytes + " bytes)");
            }
            checkCublas(cublas.cublasSetMathMode(h, tf32 ? cublas.CUBLAS_TF32_TENSOR_OP_MATH
                    : cublas.CUBLAS_DEFAULT_MATH), "cublasSetMathMode");
            int[] v = {0};
            checkCublas(cublas.cublasGetVersion_v2(h, v), "cublasGetVersion_v2");
            // 130100 -> 13.1.0 (major * 10000 + minor * 100 + patch)
            this.version = (v[0] / 10000) + "." + (v[0] % 10000) / 100 + "." + v[0] % 100;
            ok = true;
        } finally {
            if (!ok) {
                cublas.cublasDestroy_v2(h);
                device.free(workspace, workspaceBytes);
            }
        }
    }

    /** "13.1.0". */
    String version() {
        return version;
    }

    /**
     * Row-major {@code c = alpha op(a) op(b) + beta c}: {@code op(a) [m, k]}, {@code op(b) [k, n]}, {@code c [m, n]};
     * lda, ldb, ldc are the row lengths of a, b, c as stored. Nothing happens when m or n is 0.
     */
    void gemm(boolean transA, boolean transB, int m, int n, int k, float alphaV, long a, int lda, long b, int ldb,
              float betaV, long c, int ldc) {
        if (m == 0 || n == 0) {
            return;
        }
        if (recorder.recording()) {
            recorder.add(LaunchRecorder.GEMM).add(transA).add(transB).add(m).add(n).add(k).add(alphaV).add(a).add(lda)
                    .add(b).add(ldb).add(betaV).add(c).add(ldc);
            return;
        }
        alpha.put(0, alphaV);
        beta.put(0, betaV);
        if (trace) {
            LOG.info("cuda sgemm {}{} m={} n={} k={} alpha={} lda={} ldb={} beta={} ldc={}", transA ? "T" : "N",
                    transB ? "T" : "N", m, n, k, alphaV, lda, ldb, betaV, ldc);
        }
        int status = cublas.cublasSgemm_v2(handle, transB ? cublas.CUBLAS_OP_T : cublas.CUBLAS_OP_N,
                transA ? cublas.CUBLAS_OP_T : cublas.CUBLAS_OP_N, n, m, k, alpha, pb.at(b), Math.max(1, ldb), pa.at(a),
                Math.max(1, lda), beta, pc.at(c), Math.max(1, ldc));
        if (status != cublas.CUBLAS_STATUS_SUCCESS) {
            checkCublas(status, "cublasSgemm_v2(" + (transA ? "T" : "N") + (transB ? "T" : "N") + ", m=" + m + ", n="
                    + n + ", k=" + k + ")");
        }
    }

    /**
     * {@link #gemm} over {@code batch} matrices: matrix i of a, b, c starts {@code i * strideX} elements after the
     * first (the heads of an attention layer: base offset h*Dh, leading dimension NH*Dh).
     */
    void gemmStridedBatched(boolean transA, boolean transB, int m, int n, int k, float alphaV, long a, int lda,
                            long strideA, long b, int ldb, long strideB, float betaV, long c, int ldc, long strideC,
                            int batch) {
        if (m == 0 || n == 0 || batch == 0) {
            return;
        }
        if (recorder.recording()) {
            recorder.add(LaunchRecorder.GEMM_BATCHED).add(transA).add(transB).add(m).add(n).add(k).add(alphaV).add(a)
                    .add(lda).add(strideA).add(b).add(ldb).add(strideB).add(betaV).add(c).add(ldc).add(strideC)
                    .add(batch);
            return;
        }
        alpha.put(0, alphaV);
        beta.put(0, betaV);
        if (trace) {
            LOG.info("cuda sgemmStridedBatched {}{} m={} n={} k={} batch={}", transA ? "T" : "N", transB ? "T" : "N",
                    m, n, k, batch);
        }
        int status = cublas.cublasSgemmStridedBatched(handle, transB ? cublas.CUBLAS_OP_T : cublas.CUBLAS_OP_N,
                transA ? cublas.CUBLAS_OP_T : cublas.CUBLAS_OP_N, n, m, k, alpha, pb.at(b), Math.max(1, ldb), strideB,
                pa.at(a), Math.max(1, lda), strideA, beta, pc.at(c), Math.max(1, ldc), strideC, batch);
        if (status != cublas.CUBLAS_STATUS_SUCCESS) {
            checkCublas(status, "cublasSgemmStridedBatched(m=" + m + ", n=" + n + ", k=" + k + ", batch=" + batch
                    + ")");
        }
    }

    @Override
    public void close() {
        cublas.cublasDestroy_v2(handle);
        device.free(workspace, workspaceBytes);
        alpha.close();
        beta.close();
    }
}
