package dev.recur.nn.rnn;

import dev.recur.tensor.Tensor;
import java.util.List;

/**
 * The result of one {@link RecurrentCell} step: {@code h' [B, H]} and, for LSTM, {@code c' [B, H]}; with
 * grad mode on, {@link #backward} computes the gradients. Closing frees the outputs and the saved values.
 */
public final class CellResult implements AutoCloseable {
    /** Computes the gradients of one step from the upstream gradients (either may be null). */
    @FunctionalInterface
    interface Backward {
        RnnGradients run(Tensor dh, Tensor dc);
    }

    private final String op;
    private final Tensor h;
    private final Tensor c;
    private final Backward backward;
    private final List<Tensor> saved;

    CellResult(String op, Tensor h, Tensor c, Backward backward, List<Tensor> saved) {
        this.op = op;
        this.h = h;
        this.c = c;
        this.backward = backward;
        this.saved = saved;
    }

    /** The new hidden state {@code h' [B, H]}. */
    public Tensor h() {
        return h;
    }

    /** The new cell state {@code c' [B, H]} (LSTM), else null. */
    public Tensor c() {
        return c;
    }

    /** The new state, to feed the next step. */
    public RnnState state() {
        return new RnnState(h, c);
    }

    /**
     * Accumulates the parameter gradients and returns d loss / d x, d loss / d h, d loss / d c.
     *
     * @param dh d loss / d h' {@code [B, H]}, or null
     * @param dc d loss / d c' {@code [B, H]} (LSTM), or null
     * @throws IllegalStateException if the step ran with grad mode off
     */
    public RnnGradients backward(Tensor dh, Tensor dc) {
        if (backward == null) {
            throw new IllegalStateException(op + ": backward needs a forward run with GradMode enabled, got one "
                    + "run with it disabled");
        }
        return backward.run(dh, dc);
    }

    @Override
    public void close() {
        h.close();
        if (c != null) {
            c.close();
        }
        saved.forEach(Tensor::close);
    }
}
