package dev.recur.nn.rnn;

import dev.recur.autograd.GradMode;
import dev.recur.backend.Backend;
import dev.recur.internal.Checks;
import dev.recur.nn.Init;
import dev.recur.nn.Linear;
import dev.recur.nn.Module;
import dev.recur.nn.Parameter;
import dev.recur.tensor.DType;
import dev.recur.tensor.Tensor;
import java.util.SplittableRandom;

/**
 * One step of a recurrent cell ({@link LstmCell}, {@link GruCell}, {@link RnnCell}), composed from the
 * backend's GEMM, bias and fused pointwise ops. Parameters as PyTorch names them: {@code weight_ih [G*H, I]},
 * {@code weight_hh [G*H, H]}, {@code bias_ih, bias_hh [G*H]}. Input {@code x [B, I]}, states {@code [B, H]}.
 */
public abstract class RecurrentCell extends Module {
    final int inputSize;
    final int hiddenSize;
    final int gates;
    final Parameter weightIh;
    final Parameter weightHh;
    final Parameter biasIh;
    final Parameter biasHh;

    RecurrentCell(Backend backend, String opName, int gates, int inputSize, int hiddenSize, boolean bias,
                  long seed) {
        super(backend, opName);
        if (inputSize <= 0 || hiddenSize <= 0) {
            throw new IllegalArgumentException(String.format(java.util.Locale.ROOT,
                    "%s: input_size and hidden_size must be > 0, got %d and %d", opName, inputSize, hiddenSize));
        }
        this.inputSize = inputSize;
        this.hiddenSize = hiddenSize;
        this.gates = gates;
        SplittableRandom random = new SplittableRandom(seed);
        float bound = (float) (1.0 / Math.sqrt(hiddenSize));
        String g = gates == 1 ? "H" : gates + "H";
        int rows = gates * hiddenSize;
        weightIh = register("weight_ih", "[" + g + ", I]", Init.uniform(backend, random, bound, rows, inputSize));
        weightHh = register("weight_hh", "[" + g + ", H]", Init.uniform(backend, random, bound, rows, hiddenSize));
        biasIh = bias ? register("bias_ih", "[" + g + "]", Init.uniform(backend, random, bound, rows)) : null;
        biasHh = bias ? register("bias_hh", "[" + g + "]", Init.uniform(backend, random, bound, rows)) : null;
    }

    /** I. */
    public final int inputSize() {
        return inputSize;
    }

    /** H. */
    public final int hiddenSize() {
        return hiddenSize;
    }

    /**
     * One step.
     *
     * @param x     input {@code [B, I]}
     * @param state {@code h [B, H]} (and for LSTM {@code c [B, H]}); null or null parts for zeros
     * @throws IllegalArgumentException naming the argument, the expected and the found value
     */
    public final CellResult forward(Tensor x, RnnState state) {
        String op = opName();
        Checks.live(op, "input", x, backend());
        if (x.rank() != 2 || x.dim(1) != inputSize) {
            throw new IllegalArgumentException(String.format(java.util.Locale.ROOT,
                    "%s: input must be [B, I] with I = input_size = %d, got %s", op, inputSize,
                    dev.recur.tensor.Shapes.toString(x.shape())));
        }
        int batch = x.dim(0);
        Checks.tensor(op, "input", x, backend(), "[B, I]", batch, inputSize);
        Tensor h = state == null ? null : state.h();
        Tensor c = state == null ? null : state.c();
        if (h != null) {
            Checks.tensor(op, "h", h, backend(), "[B, H]", batch, hiddenSize);
        }
        if (c != null) {
            if (!(this instanceof LstmCell)) {
                throw new IllegalArgumentException(op + ": c must be null (only LSTM has a cell state), got " + c);
            }
            Checks.tensor(op, "c", c, backend(), "[B, H]", batch, hiddenSize);
        }
        return step(x, h, c, batch, GradMode.isEnabled());
    }

    /** The cell's step on checked arguments; null states mean zeros. */
    abstract CellResult step(Tensor x, Tensor h, Tensor c, int batch, boolean keepForBackward);

    /** A new zero tensor {@code [rows, cols]}. */
    final Tensor zeros(int rows, int cols) {
        return backend().zeros(DType.F32, rows, cols);
    }

    /** {@code out = beta * out + in W^T + b} ({@link Linear#affine}). */
    final void affine(Tensor in, Parameter w, Parameter b, float beta, Tensor out) {
        Linear.affine(in, w, b, beta, out);
    }

    /** Backward of {@link #affine} ({@link Linear#affineBackward}). */
    final void affineBackward(Tensor dOut, Tensor in, Parameter w, Parameter b, float betaIn, Tensor dIn) {
        Linear.affineBackward(dOut, in, w, b, betaIn, dIn);
    }

    /** The given state, or a new zero state {@code [B, H]} that {@code owned} records for closing. */
    final Tensor orZeros(Tensor state, int batch, java.util.List<Tensor> owned) {
        if (state != null) {
            return state;
        }
        Tensor z = zeros(batch, hiddenSize);
        owned.add(z);
        return z;
    }
}
