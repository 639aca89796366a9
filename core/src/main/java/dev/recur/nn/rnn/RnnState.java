package dev.recur.nn.rnn;

import dev.recur.tensor.Tensor;

/**
 * The recurrent state: hidden state {@code h} and, for LSTM, cell state {@code c}.
 * For sequence layers {@code h [L*D, B, Hout]}, {@code c [L*D, B, H]}; for cells {@code h, c [B, H]}.
 *
 * @param h hidden state
 * @param c cell state (LSTM), else null
 */
public record RnnState(Tensor h, Tensor c) implements AutoCloseable {
    /** A hidden state alone (RNN, GRU). */
    public static RnnState of(Tensor h) {
        return new RnnState(h, null);
    }

    /** Hidden and cell state (LSTM). */
    public static RnnState of(Tensor h, Tensor c) {
        return new RnnState(h, c);
    }

    /** Closes {@code h} and {@code c} (when present). */
    @Override
    public void close() {
        if (h != null) {
            h.close();
        }
        if (c != null) {
            c.close();
        }
    }
}
