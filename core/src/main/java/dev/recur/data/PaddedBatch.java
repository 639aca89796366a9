package dev.recur.data;

import dev.recur.backend.Backend;
import dev.recur.tensor.Tensor;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * A batch of variable-length token sequences, right-padded to a common length. Immutable; every accessor that
 * returns an array returns a copy. Shapes use the {@link dev.recur package legend}: {@code B} sequences, {@code T}
 * = the longest sequence's length.
 *
 * <ul>
 *   <li>{@link #ids()} I64 {@code [B, T]}: row {@code b} holds sequence {@code b}, then {@link #padId()} up to
 *       {@code T}.</li>
 *   <li>{@link #lengths()} {@code [B]}: valid steps per sequence, each in {@code [1, T]}.</li>
 *   <li>{@link #mask()} F32 {@code [B, T]}: 1 where {@code t < lengths[b]}, else 0.</li>
 *   <li>{@link #indices()} {@code [B]}: which samples of the dataset the rows came from.</li>
 *   <li>Optional targets ({@link #targetKind()}): per step I64 {@code [B, T]} (many-to-many, padded with a fill
 *       id), per sequence I64 {@code [B]} (many-to-one), or F32 values {@code [B, k]}.</li>
 * </ul>
 * The recurrent layers are time-major inside, so {@link #timeMajorTensor}, {@link #timeMajorMaskTensor} and
 * {@link #timeMajorTargetTensor} give the {@code [T, B]} transposes; {@link #lengthsTensor} feeds the layers'
 * {@code lengths} argument.
 */
public final class PaddedBatch {
    /** What the batch's targets are. */
    public enum TargetKind {
        /** No targets. */
        NONE,
        /** One id per step, I64 {@code [B, T]} (many-to-many, e.g. next-token prediction). */
        PER_STEP,
        /** One id per sequence, I64 {@code [B]} (many-to-one classification). */
        PER_SEQUENCE,
        /** {@code k} values per sequence, F32 {@code [B, k]} (regression). */
        VALUES
    }

    private final int batch;
    private final int steps;
    private final long[] ids;
    private final int[] lengths;
    private final int[] indices;
    private final long padId;
    private final TargetKind targetKind;
    private final long[] targetIds;
    private final float[] targetValues;
    private final int targetWidth;

    private PaddedBatch(int batch, int steps, long[] ids, int[] lengths, int[] indices, long padId,
            TargetKind targetKind, long[] targetIds, float[] targetValues, int targetWidth) {
        this.batch = batch;
        this.steps = steps;
        this.ids = ids;
        this.lengths = lengths;
        this.indices = indices;
        this.padId = padId;
        this.targetKind = targetKind;
        this.targetIds = targetIds;
        this.targetValues = targetValues;
        this.targetWidth = targetWidth;
    }

    /**
     * A batch of {@code sequences}, padded with {@link Vocabulary#PAD_ID}; the sample indices are
     * {@code 0 .. B-1}.
     *
     * @param sequences {@code B >= 1} sequences of token ids, each with at least one id
     * @return the batch
     * @throws IllegalArgumentException when the list is empty or a sequence is null or empty (naming which)
     */
    public static PaddedBatch of(List<long[]> sequences) {
        int n = sequences == null ? 0 : sequences.size();
        int[] idx = new int[n];
        for (int i = 0; i < n; i++) {
            idx[i] = i;
        }
        return of(sequences, idx, Vocabulary.PAD_ID);
    }

    /**
     * A batch of {@code sequences} padded with {@code padId}.
     *
     * @param sequences {@code B >= 1} sequences of token ids, each with at least one id
     * @param indices   {@code [B]}: the dataset index of each sequence
     * @param padId     the id written after each sequence's end
     * @return the batch
     * @throws IllegalArgumentException when the list is empty, {@code indices} does not have {@code B} entries, or
     *                                  a sequence is null or empty (naming its position and sample index)
     */
    public static PaddedBatch of(List<long[]> sequences, int[] indices, long padId) {
        int b = checkSequences("paddedBatch", "sequences", sequences, indices, 1);
        int steps = 0;
        int[] lengths = new int[b];
        for (int i = 0; i < b; i++) {
            lengths[i] = sequences.get(i).length;
            steps = Math.max(steps, lengths[i]);
        }
        long[] ids = padRows(sequences, b, steps, padId);
        return new PaddedBatch(b, steps, ids, lengths, indices.clone(), padId, TargetKind.NONE, null, null, 0);
    }

    /**
     * The batch of {@code dataset}'s sequences at {@code indices} (as yielded by {@link BucketBatchSampler}),
     * padded with {@link Vocabulary#PAD_ID}.
     *
     * @param dataset all sequences
     * @param indices {@code [B]}: which of them, each in {@code [0, dataset.size())}
     * @return the batch, whose {@link #indices()} are {@code indices}
     * @throws IllegalArgumentException naming an out-of-range index or an empty sequence
     */
    public static PaddedBatch gather(List<long[]> dataset, int[] indices) {
        return of(Datasets.select(dataset, indices), indices, Vocabulary.PAD_ID);
    }

    /**
     * A next-token (language-model) batch: the inputs are each sequence without its last id, the
     * {@link TargetKind#PER_STEP} targets the same sequence without its first id, both padded with
     * {@code padId}.
     *
     * @param sequences {@code B >= 1} sequences, each with at least 2 ids
     * @param indices   {@code [B]}: the dataset index of each sequence
     * @param padId     the id written after each input and target row's end
     * @return the batch, with {@code lengths[b] = sequences[b].length - 1}
     * @throws IllegalArgumentException naming a sequence shorter than 2
     */
    public static PaddedBatch forNextToken(List<long[]> sequences, int[] indices, long padId) {
        int b = checkSequences("paddedBatch forNextToken", "sequences", sequences, indices, 2);
        List<long[]> inputs = new ArrayList<>(b);
        List<long[]> targets = new ArrayList<>(b);
        for (long[] s : sequences) {
            inputs.add(Arrays.copyOfRange(s, 0, s.length - 1));
            targets.add(Arrays.copyOfRange(s, 1, s.length));
        }
        return of(inputs, indices, padId).withStepTargets(targets, padId);
    }

    /**
     * This batch with {@link TargetKind#PER_STEP} targets I64 {@code [B, T]}.
     *
     * @param targets {@code [B]} rows, row {@code b} with exactly {@code lengths[b]} ids
     * @param fillId  the id written at padded steps (a loss's ignore index, or the pad id with a mask)
     * @return a new batch with the same ids
     * @throws IllegalArgumentException naming a row whose length differs from its sequence's
     */
    public PaddedBatch withStepTargets(List<long[]> targets, long fillId) {
        if (targets == null || targets.size() != batch) {
            throw new IllegalArgumentException(String.format(Locale.ROOT,
                    "paddedBatch: targets must have B = %d rows, got %s", batch,
                    targets == null ? "null" : String.valueOf(targets.size())));
        }
        for (int i = 0; i < batch; i++) {
            long[] row = targets.get(i);
            if (row == null || row.length != lengths[i]) {
                throw new IllegalArgumentException(String.format(Locale.ROOT,
                        "paddedBatch: targets[%d] must have lengths[%d] = %d ids (sample %d), got %s", i, i,
                        lengths[i], indices[i], row == null ? "null" : String.valueOf(row.length)));
            }
        }
        long[] padded = padRows(targets, batch, steps, fillId);
        return new PaddedBatch(batch, steps, ids, lengths, indices, padId, TargetKind.PER_STEP, padded, null, 0);
    }

    /**
     * This batch with {@link TargetKind#PER_SEQUENCE} targets I64 {@code [B]}.
     *
     * @param classes {@code [B]}: one id (a class) per sequence
     * @return a new batch with the same ids
     * @throws IllegalArgumentException when {@code classes} does not have {@code B} entries
     */
    public PaddedBatch withClassTargets(long[] classes) {
        if (classes == null || classes.length != batch) {
            throw new IllegalArgumentException(String.format(Locale.ROOT,
                    "paddedBatch: classes must be [B] = [%d], got %s", batch,
                    classes == null ? "null" : "[" + classes.length + "]"));
        }
        return new PaddedBatch(batch, steps, ids, lengths, indices, padId, TargetKind.PER_SEQUENCE, classes.clone(),
                null, 0);
    }

    /**
     * This batch with {@link TargetKind#VALUES} targets F32 {@code [B, k]}.
     *
     * @param values {@code [B, k]} row-major
     * @param k      values per sequence, {@code >= 1}
     * @return a new batch with the same ids
     * @throws IllegalArgumentException when {@code values} does not have {@code B * k} entries
     */
    public PaddedBatch withValueTargets(float[] values, int k) {
        if (k < 1 || values == null || values.length != (long) batch * k) {
            throw new IllegalArgumentException(String.format(Locale.ROOT,
                    "paddedBatch: values must be [B, k] = [%d, %d] (%d floats) with k >= 1, got %s", batch, k,
                    (long) batch * k, values == null ? "null" : values.length + " floats"));
        }
        return new PaddedBatch(batch, steps, ids, lengths, indices, padId, TargetKind.VALUES, null, values.clone(), k);
    }

    /** {@code B}, the number of sequences. */
    public int batchSize() {
        return batch;
    }

    /** {@code T}, the longest sequence's length. */
    public int steps() {
        return steps;
    }

    /** {@code [B, T]}, the shape of {@link #ids()}. */
    public int[] shape() {
        return new int[] {batch, steps};
    }

    /** The id written after each sequence's end. */
    public long padId() {
        return padId;
    }

    /** The ids, row-major {@code [B, T]}: element {@code (b, t)} at {@code b * T + t}. */
    public long[] ids() {
        return ids.clone();
    }

    /** The ids transposed, row-major {@code [T, B]}: element {@code (t, b)} at {@code t * B + b}. */
    public long[] timeMajorIds() {
        return transpose(ids, batch, steps);
    }

    /** The unpadded sequence of row {@code b}, {@code [lengths[b]]}. */
    public long[] sequence(int b) {
        checkRow(b);
        return Arrays.copyOfRange(ids, b * steps, b * steps + lengths[b]);
    }

    /** Valid steps per sequence, {@code [B]}, each in {@code [1, T]}. */
    public int[] lengths() {
        return lengths.clone();
    }

    /** {@link #lengths()} as longs, the form the recurrent layers take. */
    public long[] lengthsAsLongs() {
        return Arrays.stream(lengths).asLongStream().toArray();
    }

    /** The dataset index of each row, {@code [B]}. */
    public int[] indices() {
        return indices.clone();
    }

    /** Number of valid (non-padding) steps: the sum of {@link #lengths()}. */
    public long tokenCount() {
        long sum = 0;
        for (int l : lengths) {
            sum += l;
        }
        return sum;
    }

    /** The mask, row-major {@code [B, T]}: 1 where {@code t < lengths[b]}, else 0. */
    public float[] mask() {
        float[] m = new float[batch * steps];
        for (int b = 0; b < batch; b++) {
            Arrays.fill(m, b * steps, b * steps + lengths[b], 1f);
        }
        return m;
    }

    /** The mask transposed, row-major {@code [T, B]}. */
    public float[] timeMajorMask() {
        float[] m = new float[batch * steps];
        for (int b = 0; b < batch; b++) {
            for (int t = 0; t < lengths[b]; t++) {
                m[t * batch + b] = 1f;
            }
        }
        return m;
    }

    /**
     * The ids as a tensor.
     *
     * @param backend where to allocate
     * @return a new I64 tensor {@code [B, T]}, owned by the caller
     */
    public Tensor toTensor(Backend backend) {
        return checkBackend(backend, "toTensor").fromLongs(ids, batch, steps);
    }

    /**
     * The ids as a time-major tensor, the layout of the recurrent layers.
     *
     * @param backend where to allocate
     * @return a new I64 tensor {@code [T, B]}, owned by the caller
     */
    public Tensor timeMajorTensor(Backend backend) {
        return checkBackend(backend, "timeMajorTensor").fromLongs(timeMajorIds(), steps, batch);
    }

    /**
     * The lengths as a tensor, for the layers' {@code lengths} argument.
     *
     * @param backend where to allocate
     * @return a new I64 tensor {@code [B]}, owned by the caller
     */
    public Tensor lengthsTensor(Backend backend) {
        return checkBackend(backend, "lengthsTensor").fromLongs(lengthsAsLongs(), batch);
    }

    /**
     * The mask as a tensor.
     *
     * @param backend where to allocate
     * @return a new F32 tensor {@code [B, T]}, owned by the caller
     */
    public Tensor maskTensor(Backend backend) {
        return checkBackend(backend, "maskTensor").fromFloats(mask(), batch, steps);
    }

    /**
     * The mask as a time-major tensor.
     *
     * @param backend where to allocate
     * @return a new F32 tensor {@code [T, B]}, owned by the caller
     */
    public Tensor timeMajorMaskTensor(Backend backend) {
        return checkBackend(backend, "timeMajorMaskTensor").fromFloats(timeMajorMask(), steps, batch);
    }

    /** What the targets are; {@link TargetKind#NONE} when there are none. */
    public TargetKind targetKind() {
        return targetKind;
    }

    /** True when the batch has targets. */
    public boolean hasTargets() {
        return targetKind != TargetKind.NONE;
    }

    /**
     * The shape of the targets: {@code [B, T]}, {@code [B]} or {@code [B, k]}.
     *
     * @throws IllegalStateException when the batch has no targets
     */
    public int[] targetShape() {
        switch (targetKind) {
            case PER_STEP:
                return new int[] {batch, steps};
            case PER_SEQUENCE:
                return new int[] {batch};
            case VALUES:
                return new int[] {batch, targetWidth};
            default:
                throw new IllegalStateException("paddedBatch: targetShape needs targets, got a batch without");
        }
    }

    /**
     * The id targets, row-major {@code [B, T]} ({@link TargetKind#PER_STEP}) or {@code [B]}
     * ({@link TargetKind#PER_SEQUENCE}).
     *
     * @throws IllegalStateException for other target kinds
     */
    public long[] targetIds() {
        if (targetIds == null) {
            throw new IllegalStateException("paddedBatch: targetIds needs PER_STEP or PER_SEQUENCE targets, got "
                    + targetKind);
        }
        return targetIds.clone();
    }

    /**
     * The value targets, row-major {@code [B, k]}.
     *
     * @throws IllegalStateException unless the targets are {@link TargetKind#VALUES}
     */
    public float[] targetValues() {
        if (targetValues == null) {
            throw new IllegalStateException("paddedBatch: targetValues needs VALUES targets, got " + targetKind);
        }
        return targetValues.clone();
    }

    /**
     * The targets as a tensor: I64 {@code [B, T]}, I64 {@code [B]} or F32 {@code [B, k]} by
     * {@link #targetKind()}.
     *
     * @param backend where to allocate
     * @return a new tensor, owned by the caller
     * @throws IllegalStateException when the batch has no targets
     */
    public Tensor targetTensor(Backend backend) {
        Backend be = checkBackend(backend, "targetTensor");
        int[] shape = targetShape();
        return targetKind == TargetKind.VALUES ? be.fromFloats(targetValues, shape) : be.fromLongs(targetIds, shape);
    }

    /**
     * The per-step targets as a time-major tensor.
     *
     * @param backend where to allocate
     * @return a new I64 tensor {@code [T, B]}, owned by the caller
     * @throws IllegalStateException unless the targets are {@link TargetKind#PER_STEP}
     */
    public Tensor timeMajorTargetTensor(Backend backend) {
        Backend be = checkBackend(backend, "timeMajorTargetTensor");
        if (targetKind != TargetKind.PER_STEP) {
            throw new IllegalStateException("paddedBatch: timeMajorTargetTensor needs PER_STEP targets, got "
                    + targetKind);
        }
        return be.fromLongs(transpose(targetIds, batch, steps), steps, batch);
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "PaddedBatch(B=%d, T=%d, tokens=%d, targets=%s)", batch, steps,
                tokenCount(), targetKind);
    }

    // ---------------------------------------------------------------- helpers

    /** Checks the list, its entries and the indices; returns {@code B}. */
    private static int checkSequences(String op, String arg, List<long[]> sequences, int[] indices, int minLength) {
        if (sequences == null || sequences.isEmpty()) {
            throw new IllegalArgumentException(String.format(Locale.ROOT,
                    "%s: %s must hold at least 1 sequence, got %s", op, arg, sequences == null ? "null" : "none"));
        }
        int b = sequences.size();
        if (indices == null || indices.length != b) {
            throw new IllegalArgumentException(String.format(Locale.ROOT,
                    "%s: indices must have B = %d entries (one per sequence), got %s", op, b,
                    indices == null ? "null" : String.valueOf(indices.length)));
        }
        long longest = 0;
        for (int i = 0; i < b; i++) {
            long[] s = sequences.get(i);
            if (s == null || s.length < minLength) {
                throw new IllegalArgumentException(String.format(Locale.ROOT,
                        "%s: %s[%d] (sample %d) must have at least %d id%s, got %s", op, arg, i, indices[i],
                        minLength, minLength == 1 ? "" : "s", s == null ? "null" : s.length + ""));
            }
            longest = Math.max(longest, s.length);
        }
        if (longest * b > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException(String.format(Locale.ROOT,
                    "%s: B * T must fit in one array (< 2^31), got %d * %d", op, b, longest));
        }
        return b;
    }

    /** Copies rows into a {@code [B, T]} array filled with {@code fill}. */
    private static long[] padRows(List<long[]> rows, int batch, int steps, long fill) {
        long[] out = new long[batch * steps];
        Arrays.fill(out, fill);
        for (int b = 0; b < batch; b++) {
            long[] row = rows.get(b);
            System.arraycopy(row, 0, out, b * steps, row.length);
        }
        return out;
    }

    private static long[] transpose(long[] src, int rows, int cols) {
        long[] out = new long[src.length];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                out[c * rows + r] = src[r * cols + c];
            }
        }
        return out;
    }

    private void checkRow(int b) {
        if (b < 0 || b >= batch) {
            throw new IndexOutOfBoundsException(String.format(Locale.ROOT,
                    "paddedBatch: row must be in [0, B) = [0, %d), got %d", batch, b));
        }
    }

    private static Backend checkBackend(Backend backend, String method) {
        if (backend == null) {
            throw new IllegalArgumentException("paddedBatch: " + method + " needs a backend, got null");
        }
        return backend;
    }
}
