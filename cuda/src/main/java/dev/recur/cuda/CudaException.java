package dev.recur.cuda;

/**
 * A CUDA, cuBLAS, cuDNN or NVRTC call returned an error status. The message names the call (with the kernel or
 * operation it served), the status by name and number, the library's own text, and where it helps, what to do,
 * e.g. {@code "cuLaunchKernel(lstm_fwd) failed: CUDA_ERROR_INVALID_VALUE (1, \"invalid argument\")"}.
 */
public class CudaException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final int status;

    /** With the whole message and the library's status code. */
    public CudaException(String message, int status) {
        super(message);
        this.status = status;
    }

    /** With the whole message, the status code and an underlying failure. */
    public CudaException(String message, int status, Throwable cause) {
        super(message, cause);
        this.status = status;
    }

    /** The status code the library returned (its own enum: CUresult, cublasStatus_t, nvrtcResult...). */
    public int status() {
        return status;
    }
}
