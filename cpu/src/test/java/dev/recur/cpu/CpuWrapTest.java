package dev.recur.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.recur.backend.Backends;
import dev.recur.nn.rnn.Lstm;
import dev.recur.nn.rnn.RnnGradients;
import dev.recur.nn.rnn.RnnResult;
import dev.recur.nn.rnn.RnnState;
import dev.recur.tensor.DType;
import dev.recur.tensor.Tensor;
import java.lang.ref.Reference;
import java.lang.ref.WeakReference;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.SplittableRandom;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.LongPointer;
import org.bytedeco.javacpp.Pointer;
import org.junit.jupiter.api.Test;

/**
 * {@link CpuBackend#wrap}: a tensor over memory Recur does not own. Sharing is shown by writes in both directions
 * and by addresses (compared with the address of memory allocated here, independently of the code under test);
 * close frees nothing; bad memory is rejected naming the argument; GEMM and an LSTM (forward and backward) run on
 * wrapped tensors as on Recur's own.
 */
class CpuWrapTest {
    private static final float SENTINEL = -999.5f;
    private final CpuBackend cpu = (CpuBackend) Backends.get("cpu");

    /** Direct native-order memory of {@code floats} floats, all set to the sentinel. */
    private static ByteBuffer direct(int floats) {
        ByteBuffer b = ByteBuffer.allocateDirect(floats * 4).order(ByteOrder.nativeOrder());
        for (int i = 0; i < floats; i++) {
            b.putFloat(i * 4, SENTINEL);
        }
        return b;
    }

    /** {@code values} in direct memory starting at float {@code at}, sentinels around; position set to it. */
    private static ByteBuffer holding(float[] values, int at) {
        ByteBuffer b = direct(at + values.length + 3);
        for (int i = 0; i < values.length; i++) {
            b.putFloat((at + i) * 4, values[i]);
        }
        return b.position(at * 4);
    }

    private static float[] random(SplittableRandom r, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (r.nextDouble() * 2 - 1);
        }
        return v;
    }

    @Test
    void writesGoBothWaysAndStayInsideTheTensorsBytes() {
        ByteBuffer memory = holding(new float[] {1, 2, 3, 4, 5, 6}, 5);
        try (CpuTensor t = cpu.wrap(memory, DType.F32, new int[] {2, 3}, null)) {
            assertArrayEquals(new int[] {2, 3}, t.shape());
            assertEquals(20, memory.position(), "wrap must leave the buffer's position alone");
            assertArrayEquals(new float[] {1, 2, 3, 4, 5, 6}, t.toFloatArray(), "the buffer's values, from its position");

            // buffer → tensor
            memory.putFloat(memory.position() + 4 * 4, 50f);
            assertEquals(50f, t.toFloatArray()[4], "a write to the buffer must show in the tensor");

            // tensor → buffer, by a backend op (copy), by a kernel (scale) and through a view (slice of row 1)
            try (Tensor src = cpu.fromFloats(new float[] {10, 20, 30, 40, 50, 60}, 2, 3)) {
                cpu.copy(src, t);
            }
            cpu.scale(t.slice(1, 2), 2f);
            float[] expected = {10, 20, 30, 80, 100, 120};
            for (int i = 0; i < 6; i++) {
                assertEquals(expected[i], memory.getFloat(memory.position() + i * 4), "buffer element " + i);
            }
            assertEquals(SENTINEL, memory.getFloat(memory.position() - 4), "the float before element 0 is untouched");
            assertEquals(SENTINEL, memory.getFloat(memory.position() + 6 * 4), "the float after the last is untouched");
        }
    }

    @Test
    void addressIsTheMemorysOwnAddressForTheTensorAndItsViews() {
        FloatPointer owned = new FloatPointer(32); // allocated here: its address is known independently of wrap
        try {
            ByteBuffer memory = owned.asByteBuffer().order(ByteOrder.nativeOrder());
            memory.position(7 * 4);
            try (CpuTensor t = cpu.wrap(memory, DType.F32, new int[] {4, 6}, owned)) {
                assertEquals(owned.address() + 7 * 4, t.address(), "element 0 is at the buffer's position");
                assertEquals(owned.address() + 7 * 4, t.reshape(6, 4).address(), "reshape: same memory");
                assertEquals(owned.address() + (7 + 2 * 6) * 4, t.slice(2, 4).address(), "slice: rows 2..3");
                assertEquals(owned.address() + (7 + 3 * 6 + 2 * 2) * 4,
                        ((CpuTensor) t.reshape(12, 2)).slice(9, 12).slice(2, 3).address(), "a view of a view");
                CpuTensor row = t.slice(3, 4);
                row.floats().put(row.offset() + 5, 77f);
                assertEquals(77f, owned.get(7 + 3 * 6 + 5), "a write through a view lands at the computed address");
            }
        } finally {
            owned.close();
        }

        LongPointer longs = new LongPointer(10);
        try {
            ByteBuffer memory = longs.asByteBuffer().order(ByteOrder.nativeOrder()).position(8);
            try (CpuTensor t = cpu.wrap(memory, DType.I64, new int[] {3, 3}, null)) {
                assertEquals(longs.address() + 8, t.address());
                longs.put(4, 1234567890123L);
                assertEquals(1234567890123L, t.toLongArray()[3]);
                t.longs().put(t.offset() + 8, -5L);
                assertEquals(-5L, longs.get(9));
            }
        } finally {
            longs.close();
        }
    }

    @Test
    void closeFreesNothingAndReleasesTheKeepAlive() throws InterruptedException {
        FloatPointer owned = new FloatPointer(8);
        try {
            owned.put(new float[] {1, 2, 3, 4, 5, 6, 7, 8});
            ByteBuffer memory = owned.asByteBuffer().order(ByteOrder.nativeOrder());
            Object keepAlive = new Object();
            WeakReference<Object> held = new WeakReference<>(keepAlive);
            CpuTensor t = cpu.wrap(memory, DType.F32, new int[] {8}, keepAlive);
            Tensor view = t.reshape(2, 4);
            keepAlive = null;
            for (int i = 0; i < 3; i++) {
                System.gc();
                Thread.sleep(20);
            }
            assertNotNull(held.get(), "the tensor holds keepAlive strongly while open");
            Reference.reachabilityFence(t);

            t.close();
            t.close(); // idempotent
            assertTrue(t.isClosed());
            assertTrue(view.isClosed(), "a view of a closed wrapped tensor is closed");
            assertThrows(IllegalStateException.class, t::floats);
            assertThrows(IllegalStateException.class, t::address);

            // Nothing was freed: the owner's memory is intact and still usable, at the same address.
            assertFalse(owned.isNull());
            assertEquals(6f, owned.get(5));
            memory.putFloat(0, 42f);
            assertEquals(42f, owned.get(0));
            try (CpuTensor again = cpu.wrap(memory, DType.F32, new int[] {8}, null)) {
                assertArrayEquals(new float[] {42, 2, 3, 4, 5, 6, 7, 8}, again.toFloatArray());
            }

            // And keepAlive is no longer held by the closed tensor.
            for (int i = 0; i < 50 && held.get() != null; i++) {
                System.gc();
                Thread.sleep(20);
            }
            assertNull(held.get(), "close drops the keepAlive reference");
            Reference.reachabilityFence(t);
        } finally {
            owned.close();
        }

        // A direct ByteBuffer of the JDK: also still usable after the tensor's close.
        ByteBuffer memory = holding(new float[] {1, 2, 3}, 0);
        cpu.wrap(memory, DType.F32, new int[] {3}, null).close();
        memory.putFloat(8, 9f);
        assertEquals(9f, memory.getFloat(8));
    }

    /**
     * JavaCPP registers no deallocator for the pointer over wrapped memory: its count of registered bytes does
     * not grow by the 100 MB that 100 open wrappers of a 1 MB block would add if it did (unrelated garbage freed
     * meanwhile by its deallocator thread can only lower the count).
     */
    @Test
    void wrapAllocatesNothingAndRegistersNoDeallocator() {
        ByteBuffer memory = direct(1 << 18); // 1 MiB
        CpuTensor[] open = new CpuTensor[100];
        long before = Pointer.totalBytes();
        for (int i = 0; i < open.length; i++) {
            open[i] = cpu.wrap(memory, DType.F32, new int[] {1 << 18}, null);
        }
        long grown = Pointer.totalBytes() - before;
        for (CpuTensor t : open) {
            t.close();
        }
        assertTrue(grown < (1 << 20), "JavaCPP's registered bytes grew by " + grown + " for 100 wrappers of 1 MiB");
        assertEquals(SENTINEL, memory.getFloat(4 * 12345), "the memory is still there after the closes");
    }

    @Test
    void badMemoryIsRejectedNamingTheArgumentExpectedAndFound() {
        int[] shape = {2, 3};
        assertMessage("wrap: memory must be a direct ByteBuffer, got null",
                () -> cpu.wrap(null, DType.F32, shape, null));
        assertMessage("wrap: memory must be a direct (off-heap) ByteBuffer, got a heap buffer",
                () -> cpu.wrap(ByteBuffer.allocate(24).order(ByteOrder.nativeOrder()), DType.F32, shape, null));
        assertMessage("wrap: memory must be writable, got a read-only buffer",
                () -> cpu.wrap(direct(6).asReadOnlyBuffer().order(ByteOrder.nativeOrder()), DType.F32, shape, null));
        ByteOrder other = ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN ? ByteOrder.BIG_ENDIAN
                : ByteOrder.LITTLE_ENDIAN;
        assertMessage("wrap: memory must be in native byte order (" + ByteOrder.nativeOrder() + "), got " + other,
                () -> cpu.wrap(direct(6).order(other), DType.F32, shape, null));
        assertMessage("wrap: memory must have at least 24 bytes remaining (F32 [2, 3] = 6 elements of 4 bytes) from "
                        + "its position 4, got 20 (limit 24)",
                () -> cpu.wrap(direct(6).position(4), DType.F32, shape, null));
        assertMessage("wrap: memory must have at least 48 bytes remaining (I64 [2, 3] = 6 elements of 8 bytes) from "
                        + "its position 0, got 24 (limit 24)",
                () -> cpu.wrap(direct(6), DType.I64, shape, null));
        assertMessage("wrap: dtype must be F32 or I64, got F64", () -> cpu.wrap(direct(12), DType.F64, shape, null));
        assertMessage("wrap: dtype must be F32 or I64, got null", () -> cpu.wrap(direct(6), null, shape, null));
        assertMessage("wrap: shape must have dimensions >= 0, got [2, -3]",
                () -> cpu.wrap(direct(6), DType.F32, new int[] {2, -3}, null));
        assertMessage("wrap: shape must be an int[] of dimensions >= 0, got null",
                () -> cpu.wrap(direct(6), DType.F32, null, null));
        assertMessage("wrap: shape must have at most 2^31 - 9 elements, got [65536, 65536]",
                () -> cpu.wrap(direct(6), DType.F32, new int[] {65536, 65536}, null));

        // The edges that are fine: exactly enough bytes, a rank-0 tensor, an empty one.
        try (CpuTensor t = cpu.wrap(direct(7).position(4), DType.F32, shape, null)) {
            assertEquals(6, t.numel());
        }
        try (CpuTensor t = cpu.wrap(holding(new float[] {2.5f}, 1), DType.F32, new int[0], null)) {
            assertArrayEquals(new float[] {2.5f}, t.toFloatArray());
        }
        try (CpuTensor t = cpu.wrap(direct(1).position(4), DType.F32, new int[] {0, 3}, null)) {
            assertEquals(0, t.numel());
            assertEquals(0, t.toFloatArray().length);
        }
    }

    private static void assertMessage(String expectedStart, Runnable call) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call::run);
        System.out.println("rejected: " + e.getMessage());
        assertTrue(e.getMessage().startsWith(expectedStart), "expected \"" + expectedStart + "\", got \"" + e.getMessage() + "\"");
    }

    @Test
    void gemmReadsAndWritesWrappedMemory() {
        int m = 5;
        int k = 7;
        int n = 3;
        SplittableRandom r = new SplittableRandom(3);
        float[] a = random(r, m * k);
        float[] b = random(r, n * k); // used transposed, as the LSTM does: C = A · Bᵀ
        ByteBuffer ma = holding(a, 1);
        ByteBuffer mb = holding(b, 2);
        ByteBuffer mc = holding(new float[m * n], 3);
        try (CpuTensor ta = cpu.wrap(ma, DType.F32, new int[] {m, k}, null);
             CpuTensor tb = cpu.wrap(mb, DType.F32, new int[] {n, k}, null);
             CpuTensor tc = cpu.wrap(mc, DType.F32, new int[] {m, n}, null)) {
            cpu.gemm(false, true, 1f, ta, tb, 0f, tc);
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < n; j++) {
                    double ref = 0;
                    for (int p = 0; p < k; p++) {
                        ref += (double) a[i * k + p] * b[j * k + p];
                    }
                    assertEquals(ref, mc.getFloat(mc.position() + (i * n + j) * 4), 1e-5, "C[" + i + "," + j + "]");
                }
            }
            assertEquals(SENTINEL, mc.getFloat(mc.position() - 4));
            assertEquals(SENTINEL, mc.getFloat(mc.position() + m * n * 4));

            // On views of wrapped tensors: rows 1..3 of A times B into rows 1..3 of C, accumulating (beta = 1).
            float[] before = tc.toFloatArray();
            cpu.gemm(false, true, 1f, ta.slice(1, 4), tb, 1f, tc.slice(1, 4));
            float[] after = tc.toFloatArray();
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < n; j++) {
                    float want = i >= 1 && i < 4 ? 2 * before[i * n + j] : before[i * n + j];
                    assertEquals(want, after[i * n + j], 1e-5, "C[" + i + "," + j + "] after the view GEMM");
                }
            }
        }
    }

    @Test
    void lstmOnWrappedTensorsMatchesTheSameLstmOnOwnTensors() {
        int t = 6;
        int batch = 3;
        int in = 5;
        int hidden = 4;
        int[] lengths = {6, 2, 4};
        SplittableRandom r = new SplittableRandom(9);
        float[] x = random(r, t * batch * in);
        float[] h0 = random(r, batch * hidden);
        float[] c0 = random(r, batch * hidden);
        float[] dy = random(r, t * batch * hidden);
        try (Lstm lstm = Lstm.builder(in, hidden).seed(21).build(cpu)) {
            float[][] own;
            try (Tensor tx = cpu.fromFloats(x, t, batch, in); Tensor th = cpu.fromFloats(h0, 1, batch, hidden);
                 Tensor tc = cpu.fromFloats(c0, 1, batch, hidden);
                 RnnResult res = lstm.forward(tx, lengths, new RnnState(th, tc));
                 Tensor tdy = cpu.fromFloats(dy, t, batch, hidden);
                 RnnGradients g = res.backward(tdy, null, null)) {
                own = new float[][] {res.output().toFloatArray(), res.hn().toFloatArray(), res.cn().toFloatArray(),
                        g.input().toFloatArray(), g.h0().toFloatArray(), g.c0().toFloatArray()};
            }
            ByteBuffer mx = holding(x, 1);
            try (CpuTensor tx = cpu.wrap(mx, DType.F32, new int[] {t, batch, in}, null);
                 CpuTensor th = cpu.wrap(holding(h0, 2), DType.F32, new int[] {1, batch, hidden}, null);
                 CpuTensor tc = cpu.wrap(holding(c0, 3), DType.F32, new int[] {1, batch, hidden}, null);
                 RnnResult res = lstm.forward(tx, lengths, new RnnState(th, tc));
                 CpuTensor tdy = cpu.wrap(holding(dy, 1), DType.F32, new int[] {t, batch, hidden}, null);
                 RnnGradients g = res.backward(tdy, null, null)) {
                float[][] wrapped = {res.output().toFloatArray(), res.hn().toFloatArray(), res.cn().toFloatArray(),
                        g.input().toFloatArray(), g.h0().toFloatArray(), g.c0().toFloatArray()};
                String[] names = {"output", "h_n", "c_n", "dx", "dh0", "dc0"};
                for (int i = 0; i < names.length; i++) {
                    assertArrayEquals(own[i], wrapped[i], 1e-6f, names[i]);
                }
                assertEquals(x[7], mx.getFloat(mx.position() + 7 * 4), "the input memory is read, not changed");
            }
        }
    }
}
