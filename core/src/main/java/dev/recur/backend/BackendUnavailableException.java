package dev.recur.backend;

/**
 * A backend cannot be used on this machine. The message says why and how to fix it, for example
 * "libcudnn.so.9 not found: install cuDNN 9 or add its folder to LD_LIBRARY_PATH". Unchecked, so that
 * {@link Backends#get()} can pass it on to code that only wants a backend.
 */
public class BackendUnavailableException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** With the reason and the fix. */
    public BackendUnavailableException(String reasonAndFix) {
        super(reasonAndFix);
    }

    /** With the reason and the fix, and the native failure underneath. */
    public BackendUnavailableException(String reasonAndFix, Throwable cause) {
        super(reasonAndFix, cause);
    }
}
