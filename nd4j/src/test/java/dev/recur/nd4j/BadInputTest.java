package dev.recur.nd4j;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.recur.backend.Backend;
import dev.recur.backend.Backends;
import dev.recur.tensor.DType;
import dev.recur.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Bad input gives an exception naming the argument, what was expected and what was found. */
class BadInputTest {
    private static final Backend CPU = Backends.get("cpu");

    private static void fails(Class<? extends RuntimeException> type, Executable call, String... parts) {
        RuntimeException e = assertThrows(type, call);
        System.out.println("rejected: " + e.getMessage());
        for (String p : parts) {
            assertTrue(e.getMessage().contains(p), "message \"" + e.getMessage() + "\" must contain \"" + p + "\"");
        }
    }

    private static void fails(Executable call, String... parts) {
        fails(IllegalArgumentException.class, call, parts);
    }

    private static INDArray features() {
        return Nd4j.rand(DataType.FLOAT, 3, 4, 6);
    }

    private static INDArray mask(float[][] rows) {
        return Nd4j.create(rows);
    }

    @Test
    void unsupportedDtypes() {
        fails(() -> Nd4jTensors.fromINDArray(Nd4j.create(DataType.INT, 2, 3), CPU),
                "fromINDArray: a must be", "FLOAT or DOUBLE", "got INT [2, 3]");
        fails(() -> Nd4jTensors.fromINDArray(Nd4j.create(DataType.HALF, 4), CPU), "a must be", "FLOAT or DOUBLE",
                "got HALF [4]");
        fails(() -> Nd4jTensors.fromINDArray(Nd4j.create(DataType.LONG, 1, 2), CPU), "got LONG [1, 2]");
        fails(() -> Dl4jSequences.fromDl4j(Nd4j.create(DataType.BFLOAT16, 3, 4, 6), null, CPU),
                "fromDl4j: features must be", "FLOAT or DOUBLE", "got BFLOAT16 [3, 4, 6]");
        fails(() -> Dl4jSequences.fromDl4j(features(), Nd4j.create(DataType.UTF8, 3, 6), CPU), "mask must be",
                "numeric or BOOL", "got UTF8");
        try (Tensor lengths = CPU.fromLongs(new long[] {1, 2}, 2)) {
            fails(() -> Nd4jTensors.toINDArray(lengths), "toINDArray: t must be an F32 tensor", "got I64 [2]");
        }
        try (Tensor t = CPU.zeros(DType.F32, 2)) {
            fails(() -> Nd4jTensors.toINDArray(t, DataType.INT), "type must be FLOAT or DOUBLE", "got INT");
            fails(() -> Dl4jSequences.toDl4j(t, DataType.HALF), "type must be FLOAT or DOUBLE", "got HALF");
        }
    }

    @Test
    void ranksThatDoNotFit() {
        fails(() -> Dl4jSequences.fromDl4j(Nd4j.rand(DataType.FLOAT, 3, 4), null, CPU),
                "fromDl4j: features must be rank 3 [B, I, T]", "got rank 2 [3, 4]");
        fails(() -> Dl4jSequences.fromDl4j(Nd4j.rand(DataType.FLOAT, 2, 3, 4, 5), null, CPU),
                "features must be rank 3 [B, I, T]", "got rank 4 [2, 3, 4, 5]");
        try (Tensor t = CPU.zeros(DType.F32, 6, 3)) {
            fails(() -> Dl4jSequences.toDl4j(t), "toDl4j: timeMajor must be rank 3 [T, B, F]", "got rank 2 [6, 3]");
        }
        fails(() -> Dl4jSequences.lengths(Nd4j.ones(DataType.FLOAT, 3)), "lengths: mask must be rank 2 [B, T]",
                "got rank 1 [3]");
        fails(() -> Nd4jTensors.fromINDArray(Nd4j.empty(DataType.FLOAT), CPU),
                "a must be an array with a shape", "got an empty rank-0 array");
    }

    @Test
    void masksWhoseShapeDoesNotMatch() {
        fails(() -> Dl4jSequences.fromDl4j(features(), Nd4j.ones(DataType.FLOAT, 3, 7), CPU),
                "fromDl4j: mask must be [B, T] = [3, 6]", "got [3, 7]");
        fails(() -> Dl4jSequences.fromDl4j(features(), Nd4j.ones(DataType.FLOAT, 2, 6), CPU),
                "mask must be [B, T] = [3, 6]", "got [2, 6]");
        fails(() -> Dl4jSequences.fromDl4j(features(), Nd4j.ones(DataType.FLOAT, 3, 1, 6), CPU),
                "mask must be [B, T] = [3, 6]", "got [3, 1, 6]");
        fails(() -> Dl4jSequences.fromDl4j(features(), Nd4j.ones(DataType.FLOAT, 6, 3), CPU),
                "mask must be [B, T] = [3, 6]", "got [6, 3]");
    }

    @Test
    void masksThatAreNotAPrefixOfOnes() {
        float[][] endAligned = {{1, 1, 1, 1, 1, 1}, {0, 0, 0, 1, 1, 1}, {1, 1, 0, 0, 0, 0}};
        fails(() -> Dl4jSequences.fromDl4j(features(), mask(endAligned), CPU),
                "mask row 1 must be ones followed by zeros", "got 1 at step 3 after 0 at step 0", "[0, 0, 0, 1, 1, 1]");
        float[][] gap = {{1, 1, 1, 1, 1, 1}, {1, 1, 1, 1, 1, 1}, {1, 1, 0, 1, 0, 0}};
        fails(() -> Dl4jSequences.fromDl4j(features(), mask(gap), CPU), "mask row 2", "got 1 at step 3 after 0 at step 2");
        float[][] empty = {{1, 0, 0, 0, 0, 0}, {0, 0, 0, 0, 0, 0}, {1, 1, 1, 0, 0, 0}};
        fails(() -> Dl4jSequences.fromDl4j(features(), mask(empty), CPU), "mask row 1 must have at least one 1",
                "got all zeros");
        float[][] half = {{1, 1, 1, 1, 1, 1}, {1, 0.5f, 0, 0, 0, 0}, {1, 1, 1, 0, 0, 0}};
        fails(() -> Dl4jSequences.fromDl4j(features(), mask(half), CPU), "mask values must be 0 or 1",
                "got 0.5 at row 1, step 1");
    }

    @Test
    void nullsAndClosedTensors() {
        fails(() -> Nd4jTensors.fromINDArray(null, CPU), "fromINDArray: a must be a FLOAT or DOUBLE INDArray, got null");
        fails(() -> Nd4jTensors.fromINDArray(features(), null), "fromINDArray: backend must be", "got null");
        fails(() -> Dl4jSequences.fromDl4j(null, null, CPU), "fromDl4j: features must be", "got null");
        fails(() -> Nd4jTensors.toINDArray(null), "toINDArray: t must be an F32 tensor, got null");
        Tensor closed = CPU.zeros(DType.F32, 2);
        closed.close();
        fails(IllegalStateException.class, () -> Nd4jTensors.toINDArray(closed), "toINDArray: t must be open",
                "got a closed tensor");
        fails(() -> Dl4jSequences.mask(new int[] {2, 7}, 6), "mask: lengths[1] must be in [0, T] = [0, 6]", "got 7");
    }
}
