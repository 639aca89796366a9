package dev.recur.backend;

/**
 * The one place that defines the LSTM gate order (PyTorch's: i, f, g, o). Gate {@code k} of hidden unit
 * {@code j} sits at column {@code k * H + j} of a {@code [B, 4H]} pre-activation, and at row
 * {@code k * H + j} of {@code weight_ih [4H, I]} and {@code weight_hh [4H, Hout]}.
 *
 * <pre>
 * i  = sigmoid(W_ii x + b_ii + W_hi h + b_hi)      input gate
 * f  = sigmoid(W_if x + b_if + W_hf h + b_hf)      forget gate
 * g  = tanh   (W_ig x + b_ig + W_hg h + b_hg)      cell candidate
 * o  = sigmoid(W_io x + b_io + W_ho h + b_ho)      output gate
 * c' = f * c + i * g
 * h' = o * tanh(c')                (with proj_size P > 0: h' = (o * tanh(c')) W_hr^T, [B, P])
 * </pre>
 */
public final class LstmGates {
    /** Input gate. */
    public static final int I = 0;
    /** Forget gate. */
    public static final int F = 1;
    /** Cell candidate. */
    public static final int G = 2;
    /** Output gate. */
    public static final int O = 3;
    /** Number of gates. */
    public static final int COUNT = 4;

    private LstmGates() {
    }
}
