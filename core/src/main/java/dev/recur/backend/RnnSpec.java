package dev.recur.backend;

/**
 * The structure of a (possibly stacked, possibly bidirectional) recurrent network, with PyTorch's
 * constructor arguments. Shapes that follow from it:
 * <ul>
 *   <li>{@code Hout = projSize > 0 ? projSize : hiddenSize} (LSTM only may project)</li>
 *   <li>layer {@code l} input size {@code I_l = l == 0 ? inputSize : D * Hout}</li>
 *   <li>{@code weight_ih [G*H, I_l]}, {@code weight_hh [G*H, Hout]}, {@code bias_ih, bias_hh [G*H]},
 *       {@code weight_hr [P, H]}</li>
 *   <li>output {@code [T, B, D*Hout]}, {@code h0/h_n [L*D, B, Hout]}, {@code c0/c_n [L*D, B, H]}</li>
 * </ul>
 *
 * @param mode          the cell
 * @param inputSize     I
 * @param hiddenSize    H
 * @param projSize      P, 0 for none (LSTM only)
 * @param numLayers     L
 * @param bidirectional D = 2 when true
 * @param bias          whether bias_ih and bias_hh exist
 */
public record RnnSpec(RnnMode mode, int inputSize, int hiddenSize, int projSize, int numLayers,
                      boolean bidirectional, boolean bias) {

    /** Checks the arguments, naming the bad one. */
    public RnnSpec {
        if (mode == null) {
            throw new IllegalArgumentException("rnn: mode must be given, got null");
        }
        requirePositive(mode, "input_size", inputSize);
        requirePositive(mode, "hidden_size", hiddenSize);
        requirePositive(mode, "num_layers", numLayers);
        if (projSize < 0) {
            throw new IllegalArgumentException(mode.opName() + ": proj_size must be >= 0, got " + projSize);
        }
        if (projSize > 0 && mode != RnnMode.LSTM) {
            throw new IllegalArgumentException(mode.opName() + ": proj_size is only supported by LSTM, got " + projSize);
        }
        if (projSize >= hiddenSize) {
            throw new IllegalArgumentException(mode.opName() + ": proj_size must be smaller than hidden_size = "
                    + hiddenSize + ", got " + projSize);
        }
    }

    private static void requirePositive(RnnMode mode, String name, int value) {
        if (value <= 0) {
            throw new IllegalArgumentException(mode.opName() + ": " + name + " must be > 0, got " + value);
        }
    }

    /** D: 2 when bidirectional, else 1. */
    public int directions() {
        return bidirectional ? 2 : 1;
    }

    /** Hout: the size of h (P when projecting, else H). */
    public int outputSize() {
        return projSize > 0 ? projSize : hiddenSize;
    }

    /** G*H: rows of weight_ih and weight_hh. */
    public int gateRows() {
        return mode.gates() * hiddenSize;
    }

    /** I_l: input features of layer {@code layer}. */
    public int layerInputSize(int layer) {
        return layer == 0 ? inputSize : directions() * outputSize();
    }

    /** True for LSTM, the only mode with a cell state c. */
    public boolean hasCellState() {
        return mode == RnnMode.LSTM;
    }
}
