package dev.recur.nn.rnn;

import dev.recur.backend.Activation;

/** The activation of a plain RNN ({@code nonlinearity} in PyTorch). */
public enum Nonlinearity {
    /** h' = tanh(...). */
    TANH,
    /** h' = relu(...). */
    RELU;

    /** The backend activation. */
    public Activation activation() {
        return this == TANH ? Activation.TANH : Activation.RELU;
    }

    /** Parses PyTorch's spelling, "tanh" or "relu". */
    public static Nonlinearity parse(String s) {
        return switch (s.toLowerCase(java.util.Locale.ROOT)) {
            case "tanh" -> TANH;
            case "relu" -> RELU;
            default -> throw new IllegalArgumentException("rnn: nonlinearity must be \"tanh\" or \"relu\", got \"" + s + "\"");
        };
    }
}
