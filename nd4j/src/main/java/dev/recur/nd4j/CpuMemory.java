package dev.recur.nd4j;

import dev.recur.backend.Backend;
import dev.recur.cpu.CpuBackend;
import dev.recur.cpu.CpuTensor;
import dev.recur.tensor.DType;
import dev.recur.tensor.Tensor;
import java.nio.ByteBuffer;
import java.nio.FloatBuffer;

/**
 * Direct access to a cpu tensor's off-heap memory. Only touched after {@link Nd4jTensors} has checked that
 * {@code recur-cpu} (an optional dependency) is on the class path, so that this module works without it.
 */
final class CpuMemory {
    private CpuMemory() {
    }

    static boolean isCpu(Tensor t) {
        return t instanceof CpuTensor;
    }

    /** The F32 view of the tensor's memory block; the tensor's elements start at {@link #offset}. */
    static FloatBuffer floats(Tensor t) {
        return ((CpuTensor) t).floats();
    }

    static int offset(Tensor t) {
        return ((CpuTensor) t).offset();
    }

    /** Byte address of the tensor's first element. */
    static long address(Tensor t) {
        return ((CpuTensor) t).address();
    }

    /** An F32 tensor of the cpu backend over {@code memory} (not copied, not owned; see {@link CpuBackend#wrap}). */
    static Tensor wrapFloats(Backend cpu, ByteBuffer memory, int[] shape, Object keepAlive) {
        return ((CpuBackend) cpu).wrap(memory, DType.F32, shape, keepAlive);
    }
}
