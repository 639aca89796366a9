package dev.recur.backend;

/**
 * Pointwise activations. The backward of TANH, RELU and SIGMOID is written in terms of the forward's output
 * {@code y}; GELU's needs the input {@code x} (see {@link Backend#activationBackward}).
 */
public enum Activation {
    /** y = tanh(x); dy/dx = 1 - y². */
    TANH,
    /** y = max(x, 0); dy/dx = [y > 0]. */
    RELU,
    /** y = 1 / (1 + e^-x); dy/dx = y (1 - y). */
    SIGMOID,
    /** y = x Φ(x) = 0.5 x (1 + erf(x / √2)) (exact erf form); dy/dx = Φ(x) + x φ(x). */
    GELU;

    /** Whether the backward needs the input x (else the output y suffices). */
    public boolean backwardNeedsInput() {
        return this == GELU;
    }
}
