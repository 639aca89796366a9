package dev.recur.nd4j;

import dev.recur.backend.Backend;
import dev.recur.tensor.Tensor;
import java.util.Arrays;
import java.util.Locale;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Deeplearning4j's layout of sequence batches to and from Recur's. DL4J's recurrent layers take features
 * {@code [B, I, T]} (NCW: batch, features, time) with a mask {@code [B, T]} of 1 for a real step and 0 for
 * padding; Recur takes time-major {@code [T, B, I]} with per-sequence lengths.
 *
 * <pre>{@code
 * try (SequenceBatch batch = Dl4jSequences.fromDl4j(features, featuresMask, backend);
 *      RnnResult r = lstm.forward(batch.input(), batch.lengths(), null)) {
 *     INDArray out = Dl4jSequences.toDl4j(r.output());   // [B, H, T], 0 past each sequence's end
 * }
 * }</pre>
 *
 * <p>Masks must be DL4J's default, start-aligned padding: each row a run of ones followed by zeros, with at least
 * one 1 (Recur's lengths are in {@code [1, T]}). End-aligned masks ({@code AlignmentMode.ALIGN_END}: zeros, then
 * ones) are rejected with the row that shows it.
 */
public final class Dl4jSequences {
    private static final int[] NCW_TO_TBI = {2, 0, 1};
    private static final int[] TBF_TO_BFT = {1, 2, 0};

    private Dl4jSequences() {
    }

    /**
     * A DL4J batch as Recur's input: features {@code [B, I, T]} → {@code [T, B, I]} (one pass over ND4J's buffer,
     * any ordering or view), mask {@code [B, T]} → lengths.
     *
     * @param features FLOAT or DOUBLE {@code [B, I, T]}
     * @param mask     {@code [B, T]} of 0 and 1 (any numeric type), or null when every sequence has T steps
     * @param backend  the backend that will own the input tensor
     * @throws IllegalArgumentException naming the argument, the expected and the found value
     */
    public static SequenceBatch fromDl4j(INDArray features, INDArray mask, Backend backend) {
        String op = "fromDl4j";
        Nd4jTensors.requireBackend(op, backend);
        INDArray f = Nd4jTensors.checkFloating(op, "features", features);
        if (f.rank() != 3) {
            throw new IllegalArgumentException(String.format(Locale.ROOT,
                    "%s: features must be rank 3 [B, I, T] (DL4J's NCW sequence layout), got rank %d %s", op,
                    f.rank(), Arrays.toString(f.shape())));
        }
        long batch = f.size(0);
        long steps = f.size(2);
        int[] lengths = mask == null ? null : lengths(op, mask, batch, steps);
        return new SequenceBatch(Nd4jTensors.gather(op, "features", f, NCW_TO_TBI, backend), lengths);
    }

    /**
     * The lengths of a DL4J mask {@code [B, T]}: row {@code b}'s number of leading ones.
     *
     * @throws IllegalArgumentException if a value is not 0 or 1, or a row is not a non-empty run of ones
     *                                  followed by zeros (naming the row and step)
     */
    public static int[] lengths(INDArray mask) {
        if (mask == null || mask.rank() != 2) {
            throw new IllegalArgumentException("lengths: mask must be rank 2 [B, T], got "
                    + (mask == null ? "null" : "rank " + mask.rank() + " " + Arrays.toString(mask.shape())));
        }
        return lengths("lengths", mask, mask.size(0), mask.size(1));
    }

    /**
     * A Recur output {@code [T, B, F]} as a DL4J activation array {@code [B, F, T]}: a new 'c'-ordered array
     * (FLOAT), created outside any workspace; one copy on the cpu backend with nd4j-native.
     *
     * @param timeMajor an F32 tensor {@code [T, B, F]}, e.g. {@code RnnResult.output()} of a layer that is not
     *                  batch-first
     */
    public static INDArray toDl4j(Tensor timeMajor) {
        return toDl4j(timeMajor, DataType.FLOAT);
    }

    /** {@link #toDl4j(Tensor)} as FLOAT or DOUBLE. */
    public static INDArray toDl4j(Tensor timeMajor, DataType type) {
        String op = "toDl4j";
        Nd4jTensors.checkTensor(op, "timeMajor", timeMajor);
        Nd4jTensors.checkOutputType(op, type);
        if (timeMajor.rank() != 3) {
            throw new IllegalArgumentException(String.format(Locale.ROOT,
                    "%s: timeMajor must be rank 3 [T, B, F], got rank %d %s", op, timeMajor.rank(),
                    Arrays.toString(timeMajor.shape())));
        }
        return Nd4jTensors.scatter(timeMajor, TBF_TO_BFT, type);
    }

    /**
     * A DL4J mask {@code [B, T]} (FLOAT, 'c') with ones at the first {@code lengths[b]} steps of row {@code b}.
     *
     * @param lengths each in {@code [0, T]}
     */
    public static INDArray mask(int[] lengths, int steps) {
        if (lengths == null) {
            throw new IllegalArgumentException("mask: lengths must be an array of B lengths, got null");
        }
        float[] m = new float[lengths.length * steps];
        for (int b = 0; b < lengths.length; b++) {
            if (lengths[b] < 0 || lengths[b] > steps) {
                throw new IllegalArgumentException(String.format(Locale.ROOT,
                        "mask: lengths[%d] must be in [0, T] = [0, %d], got %d", b, steps, lengths[b]));
            }
            Arrays.fill(m, b * steps, b * steps + lengths[b], 1f);
        }
        try (var ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            return Nd4j.create(m, new long[] {lengths.length, steps}, 'c');
        }
    }

    private static int[] lengths(String op, INDArray mask, long batch, long steps) {
        long[] shape = mask.shape();
        if (shape.length != 2 || shape[0] != batch || shape[1] != steps) {
            throw new IllegalArgumentException(String.format(Locale.ROOT,
                    "%s: mask must be [B, T] = [%d, %d] (DL4J's per-step mask of features [B, I, T]), got %s", op,
                    batch, steps, Arrays.toString(shape)));
        }
        float[] m = maskValues(op, mask);
        int t = (int) steps;
        int[] lengths = new int[(int) batch];
        for (int b = 0; b < batch; b++) {
            int len = 0;
            for (int s = 0; s < t; s++) {
                float v = m[b * t + s];
                if (v != 0f && v != 1f) {
                    throw new IllegalArgumentException(String.format(Locale.ROOT,
                            "%s: mask values must be 0 or 1, got %s at row %d, step %d", op, v, b, s));
                }
                if (v == 1f) {
                    if (len != s) {
                        throw new IllegalArgumentException(String.format(Locale.ROOT,
                                "%s: mask row %d must be ones followed by zeros (start-aligned sequences), got 1 at "
                                        + "step %d after 0 at step %d: %s", op, b, s, len, rowString(m, b, t)));
                    }
                    len++;
                }
            }
            if (len == 0) {
                throw new IllegalArgumentException(String.format(Locale.ROOT,
                        "%s: mask row %d must have at least one 1 (lengths are in [1, T]), got all zeros", op, b));
            }
            lengths[b] = len;
        }
        return lengths;
    }

    private static float[] maskValues(String op, INDArray mask) {
        INDArray m = mask.isCompressed() ? Nd4j.getCompressor().decompress(mask) : mask;
        DataType type = m.dataType();
        if (type == DataType.FLOAT || type == DataType.DOUBLE) {
            return Nd4jTensors.hostFloats(m);
        }
        if (!m.isR() && !m.isZ() && !m.isB()) {
            throw new IllegalArgumentException(String.format(Locale.ROOT,
                    "%s: mask must be a numeric or BOOL INDArray of 0 and 1, got %s %s", op, type,
                    Arrays.toString(m.shape())));
        }
        try (var ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            return Nd4jTensors.hostFloats(m.castTo(DataType.FLOAT));
        }
    }

    private static String rowString(float[] m, int b, int t) {
        int shown = Math.min(t, 20);
        StringBuilder sb = new StringBuilder("[");
        for (int s = 0; s < shown; s++) {
            sb.append(s == 0 ? "" : ", ").append((int) m[b * t + s]);
        }
        return sb.append(t > shown ? ", ...]" : "]").toString();
    }
}
