package dev.recur.nd4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.recur.backend.Backend;
import dev.recur.backend.Backends;
import dev.recur.cpu.CpuTensor;
import dev.recur.tensor.Tensor;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.indexer.FloatIndexer;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataBuffer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Whether the cpu conversion copies or shares memory, shown by writes and by addresses: it copies, in both
 * directions, even for a 'c'-contiguous FLOAT array whose layout would allow sharing (Recur's cpu tensors cannot
 * wrap foreign memory yet). The detector itself is checked on an array that really does share a tensor's memory.
 */
class CopyOrShareTest {
    private static final Backend CPU = Backends.get("cpu");

    @Test
    void cpuConversionFromINDArrayCopies() {
        // The most favourable layout: FLOAT, 'c', not a view, offset 0.
        INDArray a = Nd4j.create(new float[] {1, 2, 3, 4, 5, 6}, new long[] {2, 3}, 'c');
        try (Tensor t = Nd4jTensors.fromINDArray(a, CPU)) {
            boolean shared = Nd4jTensors.sharesMemory(a, t);
            System.out.println("fromINDArray on cpu: " + (shared ? "shared" : "copied") + " (INDArray at 0x"
                    + Long.toHexString(a.data().address()) + ", tensor at 0x"
                    + Long.toHexString(((CpuTensor) t).address()) + ")");
            assertFalse(shared, "fromINDArray shares memory: the README says it copies");

            a.putScalar(0, 1, 42f);
            assertEquals(2f, t.toFloatArray()[1], "a write to the INDArray must not reach the tensor (copied)");
            CpuTensor c = (CpuTensor) t;
            c.floats().put(c.offset() + 4, -7f);
            assertEquals(5f, a.getFloat(1, 1), "a write to the tensor must not reach the INDArray (copied)");
        }
    }

    @Test
    void cpuConversionToINDArrayCopies() {
        try (Tensor t = CPU.fromFloats(new float[] {1, 2, 3, 4, 5, 6}, 3, 2)) {
            INDArray a = Nd4jTensors.toINDArray(t);
            boolean shared = Nd4jTensors.sharesMemory(a, t);
            System.out.println("toINDArray on cpu: " + (shared ? "shared" : "copied"));
            assertFalse(shared, "toINDArray shares memory: the README says it copies");
            CpuTensor c = (CpuTensor) t;
            c.floats().put(c.offset(), 99f);
            assertEquals(1f, a.getFloat(0, 0), "a write to the tensor must not reach the INDArray (copied)");
            a.putScalar(1, 1, -3f);
            assertEquals(4f, t.toFloatArray()[3], "a write to the INDArray must not reach the tensor (copied)");
        }
    }

    /** The detector is not trivially false: an INDArray over a tensor's own memory is reported as shared. */
    @Test
    void sharesMemoryDetectsRealSharing() {
        try (Tensor t = CPU.fromFloats(new float[] {1, 2, 3, 4, 5, 6}, 2, 3)) {
            CpuTensor c = (CpuTensor) t;
            FloatPointer p = new FloatPointer(c.floats().duplicate().position(c.offset()).slice());
            DataBuffer buffer = Nd4j.createBuffer(p, DataType.FLOAT, 6, FloatIndexer.create(p));
            INDArray over = Nd4j.create(buffer, new long[] {2, 3});
            assertEquals(3f, over.getFloat(0, 2));
            assertTrue(Nd4jTensors.sharesMemory(over, t));
            over.putScalar(1, 0, 40f);
            assertEquals(40f, t.toFloatArray()[3], "the write shows through: this array shares");

            INDArray elsewhere = Nd4j.create(new float[] {1, 2, 3, 4, 5, 6}, new long[] {2, 3}, 'c');
            assertFalse(Nd4jTensors.sharesMemory(elsewhere, t));
        }
    }
}
