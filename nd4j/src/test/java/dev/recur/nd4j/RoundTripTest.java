package dev.recur.nd4j;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.recur.backend.Backend;
import dev.recur.backend.Backends;
import dev.recur.tensor.Tensor;
import java.util.Arrays;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * INDArray → Tensor → INDArray for 'c' and 'f' arrays, views, FLOAT and DOUBLE, on the cpu backend (direct path)
 * and on a heap backend standing in for a device (host-staged path). Expected values come from ND4J's own
 * element access ({@code getDouble(i, j, ...)}), not from the code under test.
 */
class RoundTripTest {
    private static final Backend CPU = Backends.get("cpu");
    private static final Backend STAGED = StagedBackend.create();

    /** Distinct, non-integer values, so a misplaced element cannot go unnoticed. */
    private static double[] values(int n, long seed) {
        Random r = new Random(seed);
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = i + 0.25 + r.nextDouble() * 0.5 + (r.nextBoolean() ? 1e-9 : 0);
        }
        return v;
    }

    private static INDArray array(DataType type, char order, long... shape) {
        int n = (int) Arrays.stream(shape).reduce(1, (x, y) -> x * y);
        INDArray d = Nd4j.create(values(n, n * 31L + order), shape, order);
        return type == DataType.DOUBLE ? d : d.castTo(type).dup(order);
    }

    /** The values of {@code a} in row-major order, read one by one through ND4J's API. */
    private static double[] rowMajor(INDArray a) {
        long[] shape = a.shape();
        double[] out = new double[(int) a.length()];
        long[] idx = new long[shape.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = shape.length == 0 ? a.getDouble(0) : a.getDouble(idx);
            for (int k = shape.length - 1; k >= 0; k--) {
                if (++idx[k] < shape[k]) {
                    break;
                }
                idx[k] = 0;
            }
        }
        return out;
    }

    private static float[] asFloats(double[] v) {
        float[] f = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            f[i] = (float) v[i];
        }
        return f;
    }

    static Stream<Arguments> arrays() {
        Stream.Builder<Arguments> b = Stream.builder();
        for (DataType type : new DataType[] {DataType.FLOAT, DataType.DOUBLE}) {
            for (char order : new char[] {'c', 'f'}) {
                String o = "'" + order + "' " + type;
                b.add(Arguments.of(o + " [3, 4, 5]", array(type, order, 3, 4, 5)));
                b.add(Arguments.of(o + " [2, 3]", array(type, order, 2, 3)));
                b.add(Arguments.of(o + " [7]", array(type, order, 7)));
                b.add(Arguments.of(o + " [2, 1, 3, 2]", array(type, order, 2, 1, 3, 2)));
                INDArray big = array(type, order, 4, 5, 6);
                b.add(Arguments.of(o + " interval view [1:3, 1:4, 2:6]",
                        big.get(NDArrayIndex.interval(1, 3), NDArrayIndex.interval(1, 4), NDArrayIndex.interval(2, 6))));
                // (ND4J 1.0.0-M2.1 returns an empty array for some indexes into views — a point index, or an
                // interval over dimension 0 of a view cut in its last dimension — so the view of a view here is one
                // that ND4J gets right, and the point index goes into a non-view.)
                b.add(Arguments.of(o + " view of a view",
                        big.get(NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.interval(1, 5))
                                .get(NDArrayIndex.interval(1, 3), NDArrayIndex.interval(2, 5), NDArrayIndex.interval(1, 3))));
                b.add(Arguments.of(o + " point index (rank 3 to 2)",
                        big.get(NDArrayIndex.point(2), NDArrayIndex.interval(1, 4), NDArrayIndex.all())));
                b.add(Arguments.of(o + " strided view [::2, :, 1::2]",
                        big.get(NDArrayIndex.interval(0, 2, 4), NDArrayIndex.all(), NDArrayIndex.interval(1, 2, 6))));
                INDArray m = array(type, order, 5, 6);
                b.add(Arguments.of(o + " transposed (strides swapped)", m.transpose()));
                b.add(Arguments.of(o + " permuted (2, 0, 1)", big.permute(2, 0, 1)));
                b.add(Arguments.of(o + " row view", m.getRow(2)));
                b.add(Arguments.of(o + " column view", m.getColumn(3)));
                b.add(Arguments.of(o + " tensor along dimension", big.tensorAlongDimension(3, 0, 2)));
            }
        }
        return b.build();
    }

    // INDArray is AutoCloseable, and closing one view releases the buffer the other views of it share: JUnit must
    // not close the arguments after each case.
    @ParameterizedTest(name = "{0}", autoCloseArguments = false)
    @MethodSource("arrays")
    void roundTripPreservesShapeAndValues(String name, INDArray a) {
        assertFalse(a.isEmpty(), name + ": the case itself must have elements");
        if (name.contains("view")) {
            assertTrue(a.isView(), name + ": the case must be a view");
        }
        double[] expected = rowMajor(a);
        float[] expectedFloats = asFloats(expected);
        for (Backend backend : new Backend[] {CPU, STAGED}) {
            try (Tensor t = Nd4jTensors.fromINDArray(a, backend)) {
                assertEquals(backend, t.backend());
                assertArrayEquals(Arrays.stream(a.shape()).mapToInt(x -> (int) x).toArray(), t.shape(),
                        name + " on " + backend.name() + ": shape");
                assertArrayEquals(expectedFloats, t.toFloatArray(), name + " on " + backend.name() + ": values");

                INDArray back = Nd4jTensors.toINDArray(t);
                assertEquals(DataType.FLOAT, back.dataType());
                assertEquals('c', back.ordering());
                assertArrayEquals(a.shape(), back.shape(), name + ": shape back");
                double[] got = rowMajor(back);
                for (int i = 0; i < got.length; i++) {
                    assertEquals(expectedFloats[i], (float) got[i], name + " on " + backend.name() + ": element " + i);
                }

                INDArray backDouble = Nd4jTensors.toINDArray(t, DataType.DOUBLE);
                assertEquals(DataType.DOUBLE, backDouble.dataType());
                assertArrayEquals(a.shape(), backDouble.shape());
                double[] gotDouble = rowMajor(backDouble);
                for (int i = 0; i < gotDouble.length; i++) {
                    assertEquals((double) expectedFloats[i], gotDouble[i], name + ": element " + i + " as DOUBLE");
                }
            }
        }
        if (a.dataType() == DataType.FLOAT) {
            // FLOAT → F32 → FLOAT is exact: the arrays are equal as ND4J sees them.
            try (Tensor t = Nd4jTensors.fromINDArray(a, CPU)) {
                assertEquals(a, Nd4jTensors.toINDArray(t), name);
            }
        }
    }

    @Test
    void viewsAreReadInPlaceWithoutChangingTheSource() {
        INDArray big = array(DataType.FLOAT, 'f', 4, 5, 6);
        INDArray before = big.dup();
        INDArray view = big.get(NDArrayIndex.interval(1, 3), NDArrayIndex.all(), NDArrayIndex.interval(2, 4));
        assertTrue(view.isView());
        try (Tensor t = Nd4jTensors.fromINDArray(view, CPU)) {
            assertArrayEquals(new int[] {2, 5, 2}, t.shape());
        }
        assertEquals(before, big);
    }

    @Test
    void doubleValuesAreRoundedToFloat() {
        INDArray a = Nd4j.create(new double[] {1.0 / 3, Math.PI, 1e-40, -2.5e38, 0.1}, new long[] {5}, 'c');
        try (Tensor t = Nd4jTensors.fromINDArray(a, CPU)) {
            assertArrayEquals(new float[] {(float) (1.0 / 3), (float) Math.PI, (float) 1e-40, -2.5e38f, 0.1f},
                    t.toFloatArray());
        }
    }

    @Test
    void scalarsAndEmptyArrays() {
        INDArray scalar = Nd4j.scalar(2.5f);
        try (Tensor t = Nd4jTensors.fromINDArray(scalar, CPU)) {
            assertEquals(0, t.rank());
            assertArrayEquals(new float[] {2.5f}, t.toFloatArray());
            INDArray back = Nd4jTensors.toINDArray(t);
            assertEquals(0, back.rank());
            assertEquals(2.5f, back.getFloat(0));
        }
        INDArray empty = Nd4j.create(DataType.FLOAT, 0, 3);
        for (Backend backend : new Backend[] {CPU, STAGED}) {
            try (Tensor t = Nd4jTensors.fromINDArray(empty, backend)) {
                assertArrayEquals(new int[] {0, 3}, t.shape());
                INDArray back = Nd4jTensors.toINDArray(t);
                assertArrayEquals(new long[] {0, 3}, back.shape());
                assertTrue(back.isEmpty());
            }
        }
    }

    @Test
    void arraysMadeInAWorkspaceConvertAndResultsOutliveIt() {
        var config = org.nd4j.linalg.api.memory.conf.WorkspaceConfiguration.builder().initialSize(1 << 20).build();
        INDArray out;
        float[] expected;
        try (var ws = Nd4j.getWorkspaceManager().getAndActivateWorkspace(config, "recur-nd4j-test")) {
            INDArray a = Nd4j.rand(DataType.FLOAT, 3, 4).permute(1, 0);
            assertTrue(a.isAttached());
            expected = asFloats(rowMajor(a));
            try (Tensor t = Nd4jTensors.fromINDArray(a, CPU)) {
                out = Nd4jTensors.toINDArray(t);
            }
            assertFalse(out.isAttached(), "the result must be detached from the caller's workspace");
        }
        assertArrayEquals(expected, asFloats(rowMajor(out)));
    }
}
