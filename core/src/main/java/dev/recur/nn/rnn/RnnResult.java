package dev.recur.nn.rnn;

import dev.recur.backend.Backend;
import dev.recur.backend.RnnContext;
import dev.recur.backend.RnnSpec;
import dev.recur.internal.Checks;
import dev.recur.tensor.DType;
import dev.recur.tensor.Tensor;

/**
 * The result of a {@link RecurrentLayer} forward: {@code output [T, B, D*Hout]} (batch-first:
 * {@code [B, T, D*Hout]}; exactly 0 past each sequence's end), final states {@code h_n [L*D, B, Hout]} and
 * {@code c_n [L*D, B, H]} (LSTM), each taken at the sequence's own last step. When the forward ran with
 * {@link dev.recur.autograd.GradMode} on, {@link #backward} computes the gradients. Closing frees the outputs
 * and the saved activations.
 */
public final class RnnResult implements AutoCloseable {
    private final RecurrentLayer layer;
    private final Tensor output;
    private final Tensor hn;
    private final Tensor cn;
    private final RnnContext ctx;
    private final Tensor timeMajorInput; // owned copy when batch-first, else null
    private final int steps;
    private final int batch;

    RnnResult(RecurrentLayer layer, Tensor output, Tensor hn, Tensor cn, RnnContext ctx, Tensor timeMajorInput,
              int steps, int batch) {
        this.layer = layer;
        this.output = output;
        this.hn = hn;
        this.cn = cn;
        this.ctx = ctx;
        this.timeMajorInput = timeMajorInput;
        this.steps = steps;
        this.batch = batch;
    }

    /** {@code [T, B, D*Hout]}, or {@code [B, T, D*Hout]} when batch-first. */
    public Tensor output() {
        return output;
    }

    /** {@code h_n [L*D, B, Hout]}, index {@code layer * D + direction}. */
    public Tensor hn() {
        return hn;
    }

    /** {@code c_n [L*D, B, H]} (LSTM), else null. */
    public Tensor cn() {
        return cn;
    }

    /** The final state, to continue a sequence from. */
    public RnnState state() {
        return new RnnState(hn, cn);
    }

    /**
     * Backpropagates the loss whose gradients with respect to the outputs are given: accumulates into every
     * parameter's {@link dev.recur.nn.Parameter#grad()} and returns the gradients of the input and initial
     * states. Any upstream gradient may be null (that output does not reach the loss).
     *
     * @param dOutput d loss / d output, shaped like {@link #output()}, or null
     * @param dHn     d loss / d h_n, or null
     * @param dCn     d loss / d c_n (LSTM), or null
     * @throws IllegalStateException    if the forward ran with grad mode off, or this result was closed
     * @throws IllegalArgumentException naming a mis-shaped gradient
     */
    public RnnGradients backward(Tensor dOutput, Tensor dHn, Tensor dCn) {
        String op = layer.opName();
        if (ctx == null) {
            throw new IllegalStateException(op + ": backward needs a forward run with GradMode enabled, got one "
                    + "run with it disabled");
        }
        if (output.isClosed()) {
            throw new IllegalStateException(op + ": backward needs an open result, got a closed one");
        }
        Backend be = layer.backend();
        RnnSpec spec = layer.spec();
        int states = spec.numLayers() * spec.directions();
        if (dOutput != null) {
            Checks.tensor(op, "dOutput", dOutput, be, layer.batchFirst() ? "[B, T, D*Hout]" : "[T, B, D*Hout]",
                    output.shape());
        }
        if (dHn != null) {
            Checks.tensor(op, "dHn", dHn, be, "[L*D, B, Hout]", states, batch, spec.outputSize());
        }
        if (dCn != null) {
            if (!spec.hasCellState()) {
                throw new IllegalArgumentException(op + ": dCn must be null (only LSTM has a cell state), got " + dCn);
            }
            Checks.tensor(op, "dCn", dCn, be, "[L*D, B, H]", states, batch, spec.hiddenSize());
        }
        Tensor dy = dOutput != null && layer.batchFirst() ? layer.transposed(dOutput) : dOutput;
        Tensor dx = be.zeros(DType.F32, steps, batch, spec.inputSize());
        Tensor dh0 = be.zeros(DType.F32, states, batch, spec.outputSize());
        Tensor dc0 = spec.hasCellState() ? be.zeros(DType.F32, states, batch, spec.hiddenSize()) : null;
        try {
            be.rnnBackward(ctx, dy, dHn, dCn, dx, dh0, dc0, layer.gradients());
        } finally {
            if (dy != dOutput) {
                dy.close();
            }
        }
        Tensor dInput = dx;
        if (layer.batchFirst()) {
            dInput = layer.transposed(dx);
            dx.close();
        }
        return new RnnGradients(dInput, dh0, dc0);
    }

    /** Frees the outputs and the saved activations. */
    @Override
    public void close() {
        output.close();
        hn.close();
        if (cn != null) {
            cn.close();
        }
        if (ctx != null) {
            ctx.close();
        }
        if (timeMajorInput != null) {
            timeMajorInput.close();
        }
    }
}
