package dev.recur.nd4j;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.recur.backend.Backend;
import dev.recur.backend.Backends;
import dev.recur.cpu.CpuTensor;
import dev.recur.nn.rnn.Lstm;
import dev.recur.nn.rnn.RnnResult;
import dev.recur.tensor.Tensor;
import java.lang.ref.Reference;
import java.lang.ref.WeakReference;
import java.util.Arrays;
import java.util.stream.Stream;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.indexer.FloatIndexer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.api.buffer.DataBuffer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.conf.WorkspaceConfiguration;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * Whether the cpu conversions copy or share memory, shown by writes in both directions and by addresses:
 * {@code fromINDArray} and {@code toINDArray} copy, even for a 'c'-contiguous FLOAT array whose layout would allow
 * sharing; {@code share} shares — the tensor's address is the array's element 0 (ND4J's own address plus the
 * view's offset), and writes by ND4J, by Recur's kernels and by OpenBLAS show on the other side. What cannot be
 * shared is refused, saying why. The detector {@code sharesMemory} is checked on both outcomes.
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

    // ---------------------------------------------------------------- share

    private static INDArray counting(char order, long... shape) {
        int n = (int) Arrays.stream(shape).reduce(1, (x, y) -> x * y);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = i + 0.5f;
        }
        return Nd4j.create(v, shape, order);
    }

    /** The index of row-major element {@code i} of an array of {@code shape}. */
    private static long[] index(long[] shape, long i) {
        long[] idx = new long[shape.length];
        for (int k = shape.length - 1; k >= 0; k--) {
            idx[k] = i % shape[k];
            i /= shape[k];
        }
        return idx;
    }

    private static float get(INDArray a, long i) {
        return a.rank() == 0 ? a.getFloat(0) : a.getFloat(index(a.shape(), i));
    }

    private static void put(INDArray a, long i, float v) {
        if (a.rank() == 0) {
            a.putScalar(0, v);
        } else {
            a.putScalar(index(a.shape(), i), v);
        }
    }

    @Test
    void shareSharesMemoryBothWays() {
        INDArray a = Nd4j.create(new float[] {1, 2, 3, 4, 5, 6}, new long[] {2, 3}, 'c');
        assertTrue(Nd4jTensors.canShare(a, CPU));
        try (Tensor t = Nd4jTensors.share(a, CPU)) {
            CpuTensor c = (CpuTensor) t;
            boolean shared = Nd4jTensors.sharesMemory(a, t);
            System.out.println("share on cpu: " + (shared ? "shared" : "copied") + " (INDArray at 0x"
                    + Long.toHexString(a.data().address()) + ", tensor at 0x" + Long.toHexString(c.address()) + ")");
            assertTrue(shared, "share must share memory: the README says it does");
            assertEquals(a.data().address(), c.address(), "the tensor's element 0 is the array's element 0");
            assertArrayEquals(new int[] {2, 3}, t.shape());
            assertArrayEquals(new float[] {1, 2, 3, 4, 5, 6}, t.toFloatArray());

            a.putScalar(0, 1, 42f);
            assertEquals(42f, t.toFloatArray()[1], "a write to the INDArray reaches the tensor (shared)");
            a.addi(1f); // an ND4J op, in place
            assertArrayEquals(new float[] {2, 43, 4, 5, 6, 7}, t.toFloatArray(), "an ND4J op's result, seen by Recur");
            c.floats().put(c.offset() + 4, -7f);
            assertEquals(-7f, a.getFloat(1, 1), "a write to the tensor reaches the INDArray (shared)");
            CPU.scale(t, 2f); // a Recur kernel, in place
            assertEquals(86f, a.getFloat(0, 1), "a Recur op's result, seen by ND4J");
            try (Tensor w = CPU.fromFloats(new float[] {1, 0, 0, 0, 1, 0, 0, 0, 1}, 3, 3);
                 Tensor x = CPU.fromFloats(new float[] {9, 8, 7, 6, 5, 4}, 2, 3)) {
                CPU.gemm(false, false, 1f, x, w, 0f, t); // OpenBLAS writes straight into ND4J's buffer
            }
            assertEquals(Nd4j.create(new float[] {9, 8, 7, 6, 5, 4}, new long[] {2, 3}, 'c'), a,
                    "OpenBLAS's result, seen by ND4J");
        }
        // Closing the tensor frees nothing: the array is intact and usable.
        a.addi(1f);
        assertEquals(10f, a.getFloat(0, 0));
    }

    static Stream<Arguments> shareable() {
        // A fresh parent per case: each case writes into it.
        INDArray[] m = new INDArray[4];
        for (int i = 0; i < m.length; i++) {
            m[i] = counting('c', 3, 4);
        }
        INDArray[] big = {counting('c', 4, 5, 6), counting('c', 4, 5, 6)};
        return Stream.of(
                Arguments.of("'c' [3, 4]", m[0], null),
                Arguments.of("row view (offset 4)", m[1].getRow(1), m[1]),
                Arguments.of("rows 1..2 view [1:3, :]", m[2].get(NDArrayIndex.interval(1, 3), NDArrayIndex.all()), m[2]),
                Arguments.of("point index [2, :, :] of [4, 5, 6]",
                        big[0].get(NDArrayIndex.point(2), NDArrayIndex.all(), NDArrayIndex.all()), big[0]),
                Arguments.of("tensor along dimension (1, 2), #3", big[1].tensorAlongDimension(3, 1, 2), big[1]),
                Arguments.of("reshape view [2, 6]", m[3].reshape(2, 6), m[3]),
                Arguments.of("'f' [1, 5] (size-1 dimension)", counting('f', 1, 5), null),
                Arguments.of("'f' [4, 1]", counting('f', 4, 1), null),
                Arguments.of("scalar", Nd4j.scalar(2.5f), null));
    }

    // Views share their buffer with their parent: JUnit must not close the arguments after each case.
    @ParameterizedTest(name = "{0}", autoCloseArguments = false)
    @MethodSource("shareable")
    void shareSharesViewsAndArraysContiguousUpToSize1Dims(String name, INDArray a, INDArray parent) {
        assertTrue(Nd4jTensors.canShare(a, CPU), name);
        int n = (int) a.length();
        try (Tensor t = Nd4jTensors.share(a, CPU)) {
            CpuTensor c = (CpuTensor) t;
            assertTrue(Nd4jTensors.sharesMemory(a, t), name);
            assertEquals(a.data().address() + a.offset() * Float.BYTES, c.address(), name + ": address");
            assertArrayEquals(Arrays.stream(a.shape()).mapToInt(x -> (int) x).toArray(), t.shape(), name + ": shape");
            float[] values = t.toFloatArray();
            for (int i = 0; i < n; i++) {
                assertEquals(get(a, i), values[i], name + ": element " + i);
            }
            // Each way, at the first and the last element (the ends of the shared range).
            for (int i : new int[] {0, n - 1}) {
                put(a, i, 1000f + i);
                assertEquals(1000f + i, t.toFloatArray()[i], name + ": ND4J's write to element " + i);
                c.floats().put(c.offset() + i, -1000f - i);
                assertEquals(-1000f - i, get(a, i), name + ": Recur's write to element " + i);
            }
            // A Recur op writing the whole tensor changes exactly the view's elements of the array it came from.
            INDArray whole = parent == null ? a : parent;
            INDArray before = whole.dup();
            float[] fresh = new float[n];
            for (int i = 0; i < n; i++) {
                fresh[i] = 7777f + i;
            }
            try (Tensor src = CPU.fromFloats(fresh, t.shape())) {
                CPU.copy(src, t);
            }
            for (int i = 0; i < n; i++) {
                assertEquals(7777f + i, get(a, i), name + ": element " + i + " after Recur's copy into the tensor");
            }
            long changed = whole.neq(before).castTo(DataType.INT).sumNumber().longValue();
            assertEquals(n, changed, name + ": elements of " + (parent == null ? "the array" : "the parent array")
                    + " changed in place (exactly the shared ones)");
        }
    }

    @Test
    void lstmOverASharedBatchEqualsTheSameBatchCopied() {
        INDArray x = Nd4j.rand(DataType.FLOAT, 'c', 5, 3, 8); // [T, B, I], Recur's layout
        try (Lstm lstm = Lstm.builder(8, 16).seed(42).build(CPU);
             Tensor shared = Nd4jTensors.share(x, CPU); Tensor copied = Nd4jTensors.fromINDArray(x, CPU);
             RnnResult a = lstm.forward(shared, new int[] {5, 2, 4}, null);
             RnnResult b = lstm.forward(copied, new int[] {5, 2, 4}, null)) {
            assertTrue(Nd4jTensors.sharesMemory(x, shared));
            assertFalse(Nd4jTensors.sharesMemory(x, copied));
            assertArrayEquals(b.output().toFloatArray(), a.output().toFloatArray());
            assertArrayEquals(b.hn().toFloatArray(), a.hn().toFloatArray());
        }
    }

    @Test
    void theSharedTensorKeepsTheArrayAlive() throws InterruptedException {
        INDArray a = counting('c', 64, 64);
        WeakReference<INDArray> held = new WeakReference<>(a);
        Tensor t = Nd4jTensors.share(a, CPU);
        a = null;
        for (int i = 0; i < 5; i++) {
            System.gc();
            Thread.sleep(20);
        }
        assertNotNull(held.get(), "the open tensor holds the INDArray (and so its buffer) strongly");
        float[] v = t.toFloatArray();
        assertEquals(64 * 64 - 0.5f, v[v.length - 1]);
        t.close();
        Reference.reachabilityFence(t);
    }

    private static void refused(INDArray a, Backend backend, String... parts) {
        assertFalse(Nd4jTensors.canShare(a, backend));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Nd4jTensors.share(a, backend));
        System.out.println("not shared: " + e.getMessage());
        for (String p : parts) {
            assertTrue(e.getMessage().contains(p), "message \"" + e.getMessage() + "\" must contain \"" + p + "\"");
        }
    }

    @Test
    void whatCannotBeSharedIsRefusedSayingWhy() {
        INDArray m = counting('c', 5, 6);
        refused(counting('f', 2, 3), CPU, "share: a must be 'c'-contiguous", "got shape [2, 3] with strides [1, 2], "
                + "ordering 'f'", "fromINDArray copies it");
        refused(m.getColumn(2), CPU, "'c'-contiguous", "strides [6]", "(a view)", "fromINDArray");
        refused(m.transpose(), CPU, "'c'-contiguous", "got shape [6, 5] with strides [1, 6]", "fromINDArray");
        refused(m.get(NDArrayIndex.all(), NDArrayIndex.interval(1, 4)), CPU, "'c'-contiguous",
                "got shape [5, 3] with strides [6, 1]", "(a view)");
        refused(m.get(NDArrayIndex.interval(0, 2, 5), NDArrayIndex.all()), CPU, "'c'-contiguous",
                "strides [12, 1]");
        refused(Nd4j.rand(DataType.DOUBLE, 2, 2), CPU, "share: a must be a FLOAT INDArray", "got DOUBLE [2, 2]",
                "fromINDArray copies it, rounding to float");
        refused(Nd4j.create(DataType.INT, 2, 3), CPU, "a must be a FLOAT INDArray", "got INT [2, 3]");
        refused(Nd4j.create(DataType.FLOAT, 0, 3), CPU, "a must have at least one element", "got an empty array [0, 3]",
                "fromINDArray");
        refused(null, CPU, "share: a must be a FLOAT INDArray, got null");
        refused(m, StagedBackend.create(), "share: backend must be Recur's cpu backend", "got staged",
                "fromINDArray copies");
        INDArray closed = counting('c', 2, 2);
        closed.close();
        refused(closed, CPU, "share: a must be open, got a closed INDArray");
        var config = WorkspaceConfiguration.builder().initialSize(1 << 20).build();
        try (var ws = Nd4j.getWorkspaceManager().getAndActivateWorkspace(config, "recur-share-test")) {
            INDArray attached = Nd4j.rand(DataType.FLOAT, 3, 4);
            assertTrue(attached.isAttached());
            refused(attached, CPU, "share: a must not be attached to an ND4J workspace",
                    "\"recur-share-test\"", "a.detach()");
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Nd4jTensors.share(m, null));
        assertTrue(e.getMessage().startsWith("share: backend must be a Recur backend"), e.getMessage());
    }
}
