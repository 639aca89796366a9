package dev.recur.nn.rnn;

import dev.recur.backend.Backend;
import dev.recur.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;

/**
 * One LSTM step, as {@code torch.nn.LSTMCell(input_size, hidden_size, bias=True)}; equations in
 * {@link dev.recur.backend.LstmGates}. {@code x [B, I]}, {@code h, c [B, H]}.
 */
public final class LstmCell extends RecurrentCell {
    /** A cell with fresh random weights from the given seed. */
    public LstmCell(Backend backend, int inputSize, int hiddenSize, boolean bias, long seed) {
        super(backend, "lstm_cell", 4, inputSize, hiddenSize, bias, seed);
    }

    /** A cell with bias and fresh random weights. */
    public LstmCell(Backend backend, int inputSize, int hiddenSize) {
        this(backend, inputSize, hiddenSize, true, dev.recur.nn.Init.nextSeed());
    }

    @Override
    CellResult step(Tensor x, Tensor h, Tensor c, int batch, boolean keepForBackward) {
        Backend be = backend();
        List<Tensor> saved = new ArrayList<>();
        Tensor h0 = orZeros(h, batch, saved);
        Tensor c0 = orZeros(c, batch, saved);
        // gates [B, 4H] = x W_ih^T + b_ih + h W_hh^T + b_hh, then activated in place.
        Tensor gates = zeros(batch, 4 * hiddenSize);
        saved.add(gates);
        affine(x, weightIh, biasIh, 0f, gates);
        affine(h0, weightHh, biasHh, 1f, gates);
        Tensor c1 = zeros(batch, hiddenSize);
        Tensor h1 = zeros(batch, hiddenSize);
        be.lstmCellForward(gates, c0, c1, h1);
        if (!keepForBackward) {
            saved.forEach(Tensor::close);
            return new CellResult(opName(), h1, c1, null, List.of());
        }
        return new CellResult(opName(), h1, c1, (dh1, dc1) -> {
            List<Tensor> tmp = new ArrayList<>();
            Tensor dh = orZeros(dh1, batch, tmp);
            Tensor dcNext = orZeros(dc1, batch, tmp);
            Tensor dGates = zeros(batch, 4 * hiddenSize);
            tmp.add(dGates);
            Tensor dc = zeros(batch, hiddenSize);
            be.lstmCellBackward(gates, c0, c1, dh, dcNext, dGates, dc);
            Tensor dx = zeros(batch, inputSize);
            Tensor dhPrev = zeros(batch, hiddenSize);
            affineBackward(dGates, x, weightIh, biasIh, 0f, dx);
            affineBackward(dGates, h0, weightHh, biasHh, 0f, dhPrev);
            tmp.forEach(Tensor::close);
            return new RnnGradients(dx, dhPrev, dc);
        }, saved);
    }
}
