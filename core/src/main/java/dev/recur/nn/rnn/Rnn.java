package dev.recur.nn.rnn;

import dev.recur.backend.Backend;
import dev.recur.backend.RnnMode;
import dev.recur.backend.RnnSpec;

/**
 * Elman RNN over whole sequences, as {@code torch.nn.RNN(input_size, hidden_size, num_layers=1,
 * nonlinearity='tanh', bias=True, batch_first=False, dropout=0, bidirectional=False)}:
 * {@code h' = act(W_ih x + b_ih + W_hh h + b_hh)}. Parameters {@code weight_ih_l{k}[_reverse] [H, I_k]},
 * {@code weight_hh_l{k} [H, H]}, {@code bias_ih_l{k}, bias_hh_l{k} [H]}.
 */
public final class Rnn extends RecurrentLayer {
    private Rnn(Backend backend, RnnSpec spec, boolean batchFirst, long seed) {
        super(backend, spec, batchFirst, seed);
    }

    /** A builder with PyTorch's defaults (tanh). */
    public static Builder builder(int inputSize, int hiddenSize) {
        return new Builder(inputSize, hiddenSize);
    }

    /** The activation. */
    public Nonlinearity nonlinearity() {
        return spec().mode() == RnnMode.RNN_RELU ? Nonlinearity.RELU : Nonlinearity.TANH;
    }

    /** Arguments of an {@link Rnn}. */
    public static final class Builder extends RecurrentBuilder<Builder, Rnn> {
        private Nonlinearity nonlinearity = Nonlinearity.TANH;

        Builder(int inputSize, int hiddenSize) {
            super(inputSize, hiddenSize);
        }

        /** tanh (default) or relu. */
        public Builder nonlinearity(Nonlinearity nonlinearity) {
            this.nonlinearity = nonlinearity;
            return this;
        }

        @Override
        public Rnn build(Backend backend) {
            RnnMode mode = nonlinearity == Nonlinearity.RELU ? RnnMode.RNN_RELU : RnnMode.RNN_TANH;
            return new Rnn(backend, new RnnSpec(mode, inputSize, hiddenSize, 0, numLayers, bidirectional, bias),
                    batchFirst, seedOrNext());
        }
    }
}
