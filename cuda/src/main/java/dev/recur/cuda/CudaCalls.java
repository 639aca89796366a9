package dev.recur.cuda;

import org.bytedeco.cuda.global.cublas;
import org.bytedeco.cuda.global.cudart;
import org.bytedeco.cuda.global.cudnn;
import org.bytedeco.cuda.global.nvrtc;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.PointerPointer;

/**
 * Status checks for the driver API, cuBLAS, NVRTC and cuDNN: every call's result goes through one of these, which
 * throws a {@link CudaException} naming the call. Touches JavaCPP classes only when a status is not success
 * (and the bindings are loaded by then).
 */
final class CudaCalls {
    private CudaCalls() {
    }

    /** Hint appended to errors that a failing earlier kernel can cause (they surface at the next sync). */
    static final String ASYNC_HINT = " (errors of kernels launched earlier surface here; rerun with -D"
            + CudaOptions.SYNC_PROPERTY + "=true to check after every launch and name the kernel that failed)";

    /** Throws unless {@code status == CUDA_SUCCESS} (driver API, CUresult). */
    static void check(int status, String call) {
        if (status != 0) {
            throw new CudaException(call + " failed: " + driverErrorName(status) + " (" + status + ", \""
                    + driverErrorString(status) + "\")" + (isSticky(status) ? ASYNC_HINT : ""), status);
        }
    }

    /** Throws unless {@code status == CUBLAS_STATUS_SUCCESS}. */
    static void checkCublas(int status, String call) {
        if (status != cublas.CUBLAS_STATUS_SUCCESS) {
            String name;
            String text;
            try {
                name = string(cublas.cublasGetStatusName(status));
                text = string(cublas.cublasGetStatusString(status));
            } catch (Throwable t) {
                name = "cublasStatus " + status;
                text = "?";
            }
            throw new CudaException(call + " failed: " + name + " (" + status + ", \"" + text + "\")", status);
        }
    }

    /** Throws unless {@code status == NVRTC_SUCCESS}; {@code log} (may be null) is the compiler's output. */
    static void checkNvrtc(int status, String call, String log) {
        if (status != nvrtc.NVRTC_SUCCESS) {
            String text;
            try {
                text = string(nvrtc.nvrtcGetErrorString(status));
            } catch (Throwable t) {
                text = "nvrtcResult " + status;
            }
            throw new CudaException(call + " failed: " + text + " (" + status + ")"
                    + (log == null || log.isBlank() ? "" : "; compiler log:\n" + log.strip()), status);
        }
    }

    /**
     * Throws unless {@code status == CUDNN_STATUS_SUCCESS}, with cuDNN's name for the status and its last error
     * message (which says which argument it rejected).
     */
    static void checkCudnn(int status, String call) {
        if (status != cudnn.CUDNN_STATUS_SUCCESS) {
            String name;
            String detail;
            try {
                name = string(cudnn.cudnnGetErrorString(status));
                byte[] last = new byte[1024];
                cudnn.cudnnGetLastErrorString(last, last.length);
                int n = 0;
                while (n < last.length && last[n] != 0) {
                    n++;
                }
                detail = new String(last, 0, n, java.nio.charset.StandardCharsets.UTF_8).strip();
            } catch (Throwable t) {
                name = "cudnnStatus " + status;
                detail = "";
            }
            throw new CudaException(call + " failed: " + name + " (" + status + ")"
                    + (detail.isEmpty() ? "" : ": " + detail), status);
        }
    }

    /** CUDA_ERROR_ILLEGAL_ADDRESS and friends: faults of earlier asynchronous work that poison the context. */
    static boolean isSticky(int status) {
        // 700 illegal address, 701 launch out of resources, 702 timeout, 709 context destroyed? (no), 710 assert,
        // 714 hardware stack error, 715 illegal instruction, 716 misaligned address, 717 invalid address space,
        // 718 invalid pc, 719 launch failed
        return status >= 700 && status <= 719;
    }

    static String driverErrorName(int status) {
        try (PointerPointer<BytePointer> p = new PointerPointer<>(1)) {
            if (cudart.cuGetErrorName(status, p) == 0 && p.get(0) != null) {
                return p.getString(0);
            }
        } catch (Throwable ignored) {
            // fall through
        }
        return "CUresult " + status;
    }

    static String driverErrorString(int status) {
        try (PointerPointer<BytePointer> p = new PointerPointer<>(1)) {
            if (cudart.cuGetErrorString(status, p) == 0 && p.get(0) != null) {
                return p.getString(0);
            }
        } catch (Throwable ignored) {
            // fall through
        }
        return "?";
    }

    private static String string(BytePointer p) {
        return p == null || p.isNull() ? "?" : p.getString();
    }
}
