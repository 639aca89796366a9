package dev.recur.nn.rnn;

import dev.recur.tensor.Tensor;

/**
 * What a backward pass returns besides the parameter gradients (which accumulate in each
 * {@link dev.recur.nn.Parameter#grad()}): the gradients of the input and of the initial states, shaped like
 * them. Closing frees all three.
 *
 * @param input d loss / d input
 * @param h0    d loss / d h0 (also when the forward started from zeros)
 * @param c0    d loss / d c0 (LSTM), else null
 */
public record RnnGradients(Tensor input, Tensor h0, Tensor c0) implements AutoCloseable {
    @Override
    public void close() {
        input.close();
        h0.close();
        if (c0 != null) {
            c0.close();
        }
    }
}
