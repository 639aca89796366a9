package dev.recur.nd4j;

import dev.recur.tensor.Tensor;

/**
 * A padded batch in Recur's layout, ready for {@code layer.forward(batch.input(), batch.lengths(), null)}:
 * the time-major input {@code [T, B, I]} and the valid steps of each sequence. Closing it closes the input.
 *
 * @param input   F32 {@code [T, B, I]}, owned by this batch
 * @param lengths valid steps per sequence, {@code B} entries each in {@code [1, T]}; null when every sequence
 *                has all T steps (no mask was given)
 */
public record SequenceBatch(Tensor input, int[] lengths) implements AutoCloseable {
    /** T, the number of steps of the padded batch. */
    public int steps() {
        return input.dim(0);
    }

    /** B, the number of sequences. */
    public int batch() {
        return input.dim(1);
    }

    /** Closes the input tensor. */
    @Override
    public void close() {
        input.close();
    }
}
