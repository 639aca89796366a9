package dev.recur.nn.rnn;

import dev.recur.backend.Backend;
import dev.recur.backend.RnnMode;
import dev.recur.backend.RnnSpec;

/**
 * Gated recurrent unit over whole sequences, as {@code torch.nn.GRU(input_size, hidden_size, num_layers=1,
 * bias=True, batch_first=False, dropout=0, bidirectional=False)}; gate order and equations in
 * {@link dev.recur.backend.GruGates}. Parameters {@code weight_ih_l{k}[_reverse] [3H, I_k]},
 * {@code weight_hh_l{k} [3H, H]}, {@code bias_ih_l{k}, bias_hh_l{k} [3H]}.
 */
public final class Gru extends RecurrentLayer {
    private Gru(Backend backend, RnnSpec spec, boolean batchFirst, long seed) {
        super(backend, spec, batchFirst, seed);
    }

    /** A builder with PyTorch's defaults. */
    public static Builder builder(int inputSize, int hiddenSize) {
        return new Builder(inputSize, hiddenSize);
    }

    /** Arguments of a {@link Gru}. */
    public static final class Builder extends RecurrentBuilder<Builder, Gru> {
        Builder(int inputSize, int hiddenSize) {
            super(inputSize, hiddenSize);
        }

        @Override
        public Gru build(Backend backend) {
            return new Gru(backend, new RnnSpec(RnnMode.GRU, inputSize, hiddenSize, 0, numLayers, bidirectional,
                    bias), batchFirst, seedOrNext());
        }
    }
}
