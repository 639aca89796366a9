package dev.recur.nn.rnn;

import dev.recur.backend.Backend;
import dev.recur.backend.RnnMode;
import dev.recur.backend.RnnSpec;

/**
 * Long short-term memory over whole sequences, as {@code torch.nn.LSTM(input_size, hidden_size,
 * num_layers=1, bias=True, batch_first=False, dropout=0, bidirectional=False, proj_size=0)}; gate order
 * and equations in {@link dev.recur.backend.LstmGates}. Parameters {@code weight_ih_l{k}[_reverse] [4H, I_k]},
 * {@code weight_hh_l{k} [4H, Hout]}, {@code bias_ih_l{k}, bias_hh_l{k} [4H]}, and with {@code proj_size = P > 0}
 * {@code weight_hr_l{k} [P, H]}. Dropout between layers is not supported yet (PyTorch's default, 0).
 *
 * <pre>{@code
 * Lstm lstm = Lstm.builder(256, 512).numLayers(2).bidirectional(true).batchFirst(true).build(backend);
 * try (RnnResult r = lstm.forward(x, lengths, null)) { ... r.output() ... }
 * }</pre>
 */
public final class Lstm extends RecurrentLayer {
    private Lstm(Backend backend, RnnSpec spec, boolean batchFirst, long seed) {
        super(backend, spec, batchFirst, seed);
    }

    /** A builder with PyTorch's defaults. */
    public static Builder builder(int inputSize, int hiddenSize) {
        return new Builder(inputSize, hiddenSize);
    }

    /** Arguments of an {@link Lstm}. */
    public static final class Builder extends RecurrentBuilder<Builder, Lstm> {
        private int projSize;

        Builder(int inputSize, int hiddenSize) {
            super(inputSize, hiddenSize);
        }

        /** P: project h to P features with weight_hr (default 0: no projection); 0 < P < H. */
        public Builder projSize(int projSize) {
            this.projSize = projSize;
            return this;
        }

        @Override
        public Lstm build(Backend backend) {
            return new Lstm(backend, new RnnSpec(RnnMode.LSTM, inputSize, hiddenSize, projSize, numLayers,
                    bidirectional, bias), batchFirst, seedOrNext());
        }
    }
}
