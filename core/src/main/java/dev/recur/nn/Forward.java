package dev.recur.nn;

import dev.recur.tensor.Tensor;

/**
 * The output of one layer's forward pass, and its backward. {@link #backward} accumulates the layer's
 * parameter gradients and returns d loss / d input (owned by the caller). Closing frees the output and
 * whatever the forward kept; the input must stay open until backward.
 */
public interface Forward extends AutoCloseable {
    /** The layer's output. */
    Tensor output();

    /**
     * Backpropagates {@code dOutput} (shaped like {@link #output()}).
     *
     * @return d loss / d input, a new tensor
     * @throws IllegalStateException if the forward ran with {@link dev.recur.autograd.GradMode} off
     */
    Tensor backward(Tensor dOutput);

    /** Frees the output and the saved values. */
    @Override
    void close();
}
