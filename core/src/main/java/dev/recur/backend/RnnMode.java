package dev.recur.backend;

/** The recurrent cell of a sequence op, as PyTorch names its modes. */
public enum RnnMode {
    /** Elman RNN, h' = tanh(W_ih x + b_ih + W_hh h + b_hh). */
    RNN_TANH(1, "rnn_tanh"),
    /** Elman RNN, h' = relu(W_ih x + b_ih + W_hh h + b_hh). */
    RNN_RELU(1, "rnn_relu"),
    /** LSTM, gates in {@link LstmGates} order. */
    LSTM(LstmGates.COUNT, "lstm"),
    /** GRU, gates in {@link GruGates} order. */
    GRU(GruGates.COUNT, "gru");

    private final int gates;
    private final String opName;

    RnnMode(int gates, String opName) {
        this.gates = gates;
        this.opName = opName;
    }

    /** G: blocks of H rows in weight_ih / weight_hh. */
    public int gates() {
        return gates;
    }

    /** Lower-case name used in messages and golden files ("lstm", "rnn_tanh", ...). */
    public String opName() {
        return opName;
    }

    /** The activation of a plain RNN's cell. */
    public Activation activation() {
        return this == RNN_RELU ? Activation.RELU : Activation.TANH;
    }
}
