package dev.recur.nn.rnn;

import dev.recur.backend.Backend;
import dev.recur.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;

/**
 * One Elman RNN step, as {@code torch.nn.RNNCell(input_size, hidden_size, bias=True, nonlinearity='tanh')}:
 * {@code h' = act(x W_ih^T + b_ih + h W_hh^T + b_hh)}. {@code x [B, I]}, {@code h [B, H]}.
 */
public final class RnnCell extends RecurrentCell {
    private final Nonlinearity nonlinearity;

    /** A cell with fresh random weights from the given seed. */
    public RnnCell(Backend backend, int inputSize, int hiddenSize, boolean bias, Nonlinearity nonlinearity,
                   long seed) {
        super(backend, "rnn_cell", 1, inputSize, hiddenSize, bias, seed);
        this.nonlinearity = nonlinearity;
    }

    /** A tanh cell with bias and fresh random weights. */
    public RnnCell(Backend backend, int inputSize, int hiddenSize) {
        this(backend, inputSize, hiddenSize, true, Nonlinearity.TANH, dev.recur.nn.Init.nextSeed());
    }

    /** The activation. */
    public Nonlinearity nonlinearity() {
        return nonlinearity;
    }

    @Override
    CellResult step(Tensor x, Tensor h, Tensor c, int batch, boolean keepForBackward) {
        Backend be = backend();
        List<Tensor> saved = new ArrayList<>();
        Tensor h0 = orZeros(h, batch, saved);
        Tensor h1 = zeros(batch, hiddenSize);
        affine(x, weightIh, biasIh, 0f, h1);
        affine(h0, weightHh, biasHh, 1f, h1);
        be.activation(nonlinearity.activation(), h1, h1);
        if (!keepForBackward) {
            saved.forEach(Tensor::close);
            return new CellResult(opName(), h1, null, null, List.of());
        }
        return new CellResult(opName(), h1, null, (dh1, dc1) -> {
            Tensor dPre = zeros(batch, hiddenSize);
            if (dh1 != null) {
                be.activationBackward(nonlinearity.activation(), null, h1, dh1, dPre);
            }
            Tensor dx = zeros(batch, inputSize);
            Tensor dhPrev = zeros(batch, hiddenSize);
            affineBackward(dPre, x, weightIh, biasIh, 0f, dx);
            affineBackward(dPre, h0, weightHh, biasHh, 0f, dhPrev);
            dPre.close();
            return new RnnGradients(dx, dhPrev, null);
        }, saved);
    }
}
