package dev.recur.nn.rnn;

import dev.recur.backend.Backend;
import dev.recur.backend.GruGates;
import dev.recur.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;

/**
 * One GRU step, as {@code torch.nn.GRUCell(input_size, hidden_size, bias=True)}; equations in
 * {@link GruGates}. {@code x [B, I]}, {@code h [B, H]}.
 */
public final class GruCell extends RecurrentCell {
    /** A cell with fresh random weights from the given seed. */
    public GruCell(Backend backend, int inputSize, int hiddenSize, boolean bias, long seed) {
        super(backend, "gru_cell", GruGates.COUNT, inputSize, hiddenSize, bias, seed);
    }

    /** A cell with bias and fresh random weights. */
    public GruCell(Backend backend, int inputSize, int hiddenSize) {
        this(backend, inputSize, hiddenSize, true, dev.recur.nn.Init.nextSeed());
    }

    @Override
    CellResult step(Tensor x, Tensor h, Tensor c, int batch, boolean keepForBackward) {
        Backend be = backend();
        List<Tensor> saved = new ArrayList<>();
        Tensor h0 = orZeros(h, batch, saved);
        int g = GruGates.COUNT * hiddenSize;
        // gi [B, 3H] = x W_ih^T + b_ih; gh [B, 3H] = h W_hh^T + b_hh (kept apart: r scales gh's n part).
        Tensor gi = zeros(batch, g);
        Tensor gh = zeros(batch, g);
        affine(x, weightIh, biasIh, 0f, gi);
        affine(h0, weightHh, biasHh, 0f, gh);
        Tensor gates = zeros(batch, GruGates.SAVED_COUNT * hiddenSize);
        saved.add(gates);
        Tensor h1 = zeros(batch, hiddenSize);
        be.gruCellForward(gi, gh, h0, h1, gates);
        gi.close();
        gh.close();
        if (!keepForBackward) {
            saved.forEach(Tensor::close);
            return new CellResult(opName(), h1, null, null, List.of());
        }
        return new CellResult(opName(), h1, null, (dh1, dc1) -> {
            List<Tensor> tmp = new ArrayList<>();
            Tensor dhNext = orZeros(dh1, batch, tmp);
            Tensor dGi = zeros(batch, g);
            Tensor dGh = zeros(batch, g);
            tmp.add(dGi);
            tmp.add(dGh);
            Tensor dhPrev = zeros(batch, hiddenSize);
            be.gruCellBackward(gates, h0, dhNext, dGi, dGh, dhPrev);
            Tensor dx = zeros(batch, inputSize);
            affineBackward(dGi, x, weightIh, biasIh, 0f, dx);
            affineBackward(dGh, h0, weightHh, biasHh, 1f, dhPrev);
            tmp.forEach(Tensor::close);
            return new RnnGradients(dx, dhPrev, null);
        }, saved);
    }
}
