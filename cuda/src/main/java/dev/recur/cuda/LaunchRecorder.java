package dev.recur.cuda;

import java.util.Arrays;

/**
 * The signature of a region of stream work, for {@link CudaGraphs}. While <em>recording</em>, the device's stream
 * operations (kernel launches, cuBLAS GEMMs, device copies and memsets) append what they would do, an operation tag
 * and every argument, instead of doing it. Two runs of a region issue the same work exactly when their signatures
 * are equal, and only then may a CUDA graph captured from one replay the other. While <em>capturing</em>, the
 * operations run (into the capturing stream). In both states, operations that cannot be part of a graph
 * (allocation, host transfers, synchronization) are refused with an {@link IllegalStateException}, so a region
 * that contains one fails loudly instead of being replayed without it. Pure Java; not thread safe (the backend's
 * lock guards it).
 */
final class LaunchRecorder {
    /** Operation tags: the first value of each operation's record. */
    static final long KERNEL = 1;
    static final long GEMM = 2;
    static final long GEMM_BATCHED = 3;
    static final long COPY = 4;
    static final long MEMSET32 = 5;
    static final long MEMSET8 = 6;

    private long[] values = new long[1024];
    private int length;
    private boolean recording;
    private boolean capturing;

    /** Whether stream operations should append to the signature instead of running. */
    boolean recording() {
        return recording;
    }

    /** Starts a signature; throws when a region is already open (regions do not nest). */
    void beginRecording() {
        requireIdle("record");
        recording = true;
        length = 0;
    }

    /** Ends the signature and returns it (a copy: the recorder's buffer is reused). */
    long[] endRecording() {
        recording = false;
        return Arrays.copyOf(values, length);
    }

    /** Marks the start of a stream capture: operations run, and those a graph cannot hold are refused. */
    void beginCapture() {
        requireIdle("capture");
        capturing = true;
    }

    /** Whether a stream capture is open. */
    boolean capturing() {
        return capturing;
    }

    /** Marks the end of a stream capture. */
    void endCapture() {
        capturing = false;
    }

    /** Appends one value to the signature. */
    LaunchRecorder add(long v) {
        if (length == values.length) {
            values = Arrays.copyOf(values, 2 * length);
        }
        values[length++] = v;
        return this;
    }

    /** Appends a float by its bits. */
    LaunchRecorder add(float v) {
        return add(Float.floatToRawIntBits(v));
    }

    /** Appends a boolean as 1 or 0. */
    LaunchRecorder add(boolean v) {
        return add(v ? 1L : 0L);
    }

    /** Throws when a region is open: {@code operation} (for the message) cannot be part of a CUDA graph. */
    void refuse(String operation) {
        if (recording || capturing) {
            throw new IllegalStateException("cuda: " + operation + " inside a region recorded for a CUDA graph; "
                    + "a region may only launch kernels, GEMMs, copies and memsets (a bug in Recur; set -D"
                    + CudaOptions.GRAPHS_PROPERTY + "=false to run without graphs)");
        }
    }

    private void requireIdle(String what) {
        if (recording || capturing) {
            throw new IllegalStateException("cuda: cannot " + what + " a region inside another ("
                    + (recording ? "recording" : "capturing") + ")");
        }
    }
}
