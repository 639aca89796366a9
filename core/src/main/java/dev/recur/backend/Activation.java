package dev.recur.backend;

/** Pointwise activations. Each backward is written in terms of the forward's output {@code y}. */
public enum Activation {
    /** y = tanh(x); dy/dx = 1 - y². */
    TANH,
    /** y = max(x, 0); dy/dx = [y > 0]. */
    RELU,
    /** y = 1 / (1 + e^-x); dy/dx = y (1 - y). */
    SIGMOID
}
