package dev.recur.nd4j;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.recur.autograd.GradMode;
import dev.recur.backend.Backend;
import dev.recur.backend.Backends;
import dev.recur.nn.rnn.Lstm;
import dev.recur.nn.rnn.RnnResult;
import dev.recur.tensor.Tensor;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * DL4J's sequence layout ({@code [B, I, T]} features, {@code [B, T]} mask) through {@link Dl4jSequences}: an LSTM
 * on the converted batch gives exactly what it gives on the same batch handed to Recur as {@code [T, B, I]}
 * with lengths.
 */
class Dl4jSequencesTest {
    private static final Backend CPU = Backends.get("cpu");
    private static final int B = 3;
    private static final int I = 4;
    private static final int T = 6;
    private static final int H = 5;
    private static final int[] LENGTHS = {6, 2, 4};

    /** x[b][i][t]: random at valid steps, large junk at padded ones (which must not matter). */
    private static double[][][] batch() {
        Random r = new Random(7);
        double[][][] x = new double[B][I][T];
        for (int b = 0; b < B; b++) {
            for (int i = 0; i < I; i++) {
                for (int t = 0; t < T; t++) {
                    x[b][i][t] = t < LENGTHS[b] ? r.nextGaussian() : 1000 + r.nextInt(1000);
                }
            }
        }
        return x;
    }

    private static INDArray dl4jFeatures(double[][][] x, DataType type, char order) {
        INDArray a = Nd4j.create(type, new long[] {B, I, T}, order);
        for (int b = 0; b < B; b++) {
            for (int i = 0; i < I; i++) {
                for (int t = 0; t < T; t++) {
                    a.putScalar(new long[] {b, i, t}, x[b][i][t]);
                }
            }
        }
        return a;
    }

    private static INDArray dl4jMask() {
        INDArray m = Nd4j.zeros(DataType.FLOAT, B, T);
        for (int b = 0; b < B; b++) {
            for (int t = 0; t < LENGTHS[b]; t++) {
                m.putScalar(b, t, 1.0);
            }
        }
        return m;
    }

    /** The same batch as Recur takes it directly: [T, B, I], padded steps as given or zeroed. */
    private static float[] timeMajor(double[][][] x, boolean zeroPadding) {
        float[] out = new float[T * B * I];
        for (int t = 0; t < T; t++) {
            for (int b = 0; b < B; b++) {
                for (int i = 0; i < I; i++) {
                    out[(t * B + b) * I + i] = zeroPadding && t >= LENGTHS[b] ? 0f : (float) x[b][i][t];
                }
            }
        }
        return out;
    }

    @ParameterizedTest(name = "{0} ''{1}''")
    @CsvSource({"FLOAT, c", "FLOAT, f", "DOUBLE, c", "DOUBLE, f"})
    void lstmOnAConvertedDl4jBatchEqualsLstmOnTheSameBatchGivenDirectly(DataType type, char order) {
        double[][][] x = batch();
        INDArray features = dl4jFeatures(x, type, order);
        INDArray mask = dl4jMask();
        try (var noGrad = GradMode.disable();
             Lstm lstm = Lstm.builder(I, H).seed(1).build(CPU);
             SequenceBatch batch = Dl4jSequences.fromDl4j(features, mask, CPU);
             Tensor direct = CPU.fromFloats(timeMajor(x, false), T, B, I);
             Tensor directZeroPadded = CPU.fromFloats(timeMajor(x, true), T, B, I);
             RnnResult viaNd4j = lstm.forward(batch.input(), batch.lengths(), null);
             RnnResult viaRecur = lstm.forward(direct, LENGTHS, null);
             RnnResult viaRecurZeroPadded = lstm.forward(directZeroPadded, LENGTHS, null)) {
            assertArrayEquals(new int[] {T, B, I}, batch.input().shape());
            assertArrayEquals(LENGTHS, batch.lengths());
            assertArrayEquals(timeMajor(x, false), batch.input().toFloatArray(), "converted input");

            float[] out = viaNd4j.output().toFloatArray();
            assertArrayEquals(viaRecur.output().toFloatArray(), out, "output");
            assertArrayEquals(viaRecur.hn().toFloatArray(), viaNd4j.hn().toFloatArray(), "h_n");
            assertArrayEquals(viaRecur.cn().toFloatArray(), viaNd4j.cn().toFloatArray(), "c_n");
            assertArrayEquals(viaRecurZeroPadded.output().toFloatArray(), out, "output, padding zeroed");

            // Back to DL4J's layout: [B, H, T], 0 past each sequence's end.
            INDArray dl4jOut = Dl4jSequences.toDl4j(viaNd4j.output());
            assertArrayEquals(new long[] {B, H, T}, dl4jOut.shape());
            for (int b = 0; b < B; b++) {
                for (int h = 0; h < H; h++) {
                    for (int t = 0; t < T; t++) {
                        float expected = out[(t * B + b) * H + h];
                        assertEquals(expected, dl4jOut.getFloat(b, h, t), "out[" + b + ", " + h + ", " + t + "]");
                        if (t >= LENGTHS[b]) {
                            assertEquals(0f, expected, "padded output must be 0");
                        } else {
                            assertNotEquals(0f, expected);
                        }
                    }
                }
            }
        }
    }

    @Test
    void aBatchCutFromALargerArrayConvertsAsAView() {
        double[][][] x = batch();
        // The batch sits at rows 1..3 and steps 2..7 of a larger 'f' array: a view with offset and strides.
        INDArray big = Nd4j.rand(DataType.FLOAT, 'f', B + 2, I, T + 3);
        INDArray view = big.get(NDArrayIndex.interval(1, 1 + B), NDArrayIndex.all(), NDArrayIndex.interval(2, 2 + T));
        view.assign(dl4jFeatures(x, DataType.FLOAT, 'c'));
        try (SequenceBatch batch = Dl4jSequences.fromDl4j(view, dl4jMask(), CPU)) {
            assertArrayEquals(timeMajor(x, false), batch.input().toFloatArray());
            assertEquals(T, batch.steps());
            assertEquals(B, batch.batch());
        }
    }

    @Test
    void theHostStagedPathGivesTheSameAsTheCpuPath() {
        Backend staged = StagedBackend.create();
        INDArray features = dl4jFeatures(batch(), DataType.DOUBLE, 'f');
        try (SequenceBatch onCpu = Dl4jSequences.fromDl4j(features, dl4jMask(), CPU);
             SequenceBatch onStaged = Dl4jSequences.fromDl4j(features, dl4jMask(), staged)) {
            assertEquals(staged, onStaged.input().backend());
            assertArrayEquals(onCpu.input().toFloatArray(), onStaged.input().toFloatArray());
            assertArrayEquals(onCpu.lengths(), onStaged.lengths());
            assertEquals(Dl4jSequences.toDl4j(onCpu.input()), Dl4jSequences.toDl4j(onStaged.input()));
            assertEquals(Dl4jSequences.toDl4j(onCpu.input(), DataType.DOUBLE),
                    Dl4jSequences.toDl4j(onStaged.input(), DataType.DOUBLE));
        }
    }

    @Test
    void withoutAMaskEverySequenceHasAllSteps() {
        try (SequenceBatch batch = Dl4jSequences.fromDl4j(dl4jFeatures(batch(), DataType.FLOAT, 'f'), null, CPU)) {
            assertNull(batch.lengths());
            assertArrayEquals(new int[] {T, B, I}, batch.input().shape());
        }
    }

    @Test
    void masksOfAnyNumericTypeGiveLengthsAndLengthsGiveMasks() {
        INDArray mask = dl4jMask();
        assertArrayEquals(LENGTHS, Dl4jSequences.lengths(mask));
        assertArrayEquals(LENGTHS, Dl4jSequences.lengths(mask.castTo(DataType.DOUBLE).dup('f')));
        assertArrayEquals(LENGTHS, Dl4jSequences.lengths(mask.castTo(DataType.INT)));
        assertArrayEquals(LENGTHS, Dl4jSequences.lengths(mask.castTo(DataType.BOOL)));
        assertEquals(mask, Dl4jSequences.mask(LENGTHS, T));
    }
}
