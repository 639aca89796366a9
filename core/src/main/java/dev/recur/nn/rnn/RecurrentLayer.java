package dev.recur.nn.rnn;

import dev.recur.autograd.GradMode;
import dev.recur.backend.Backend;
import dev.recur.backend.RnnContext;
import dev.recur.backend.RnnSpec;
import dev.recur.backend.RnnWeights;
import dev.recur.internal.Checks;
import dev.recur.nn.Init;
import dev.recur.nn.Module;
import dev.recur.nn.Parameter;
import dev.recur.tensor.DType;
import dev.recur.tensor.Tensor;
import java.util.SplittableRandom;

/**
 * A stacked, optionally bidirectional recurrent network over whole sequences: the common part of
 * {@link Rnn}, {@link Lstm} and {@link Gru}, with PyTorch's arguments, semantics and parameter names.
 *
 * <p>Shapes (legend in {@link dev.recur}): input {@code [T, B, I]} ({@code [B, T, I]} when batch-first),
 * output {@code [T, B, D*Hout]} ({@code [B, T, D*Hout]}), {@code h0/h_n [L*D, B, Hout]},
 * {@code c0/c_n [L*D, B, H]}. Variable-length batches take {@code lengths [B]}, each in {@code [1, T]}: the
 * result equals PyTorch's {@code pack_padded_sequence(enforce_sorted=False)} → module →
 * {@code pad_packed_sequence(total_length=T)}.
 */
public abstract class RecurrentLayer extends Module {
    private final RnnSpec spec;
    private final boolean batchFirst;
    private final RnnWeights weights;

    /**
     * Registers the parameters in PyTorch's order, drawn from U(-1/sqrt(H), 1/sqrt(H)) as PyTorch does.
     */
    protected RecurrentLayer(Backend backend, RnnSpec spec, boolean batchFirst, long seed) {
        super(backend, spec.mode().opName());
        this.spec = spec;
        this.batchFirst = batchFirst;
        this.weights = new RnnWeights(spec);
        SplittableRandom random = new SplittableRandom(seed);
        float bound = (float) (1.0 / Math.sqrt(spec.hiddenSize()));
        for (int l = 0; l < spec.numLayers(); l++) {
            for (int d = 0; d < spec.directions(); d++) {
                for (RnnWeights.Kind k : RnnWeights.Kind.values()) {
                    if (RnnWeights.exists(spec, k)) {
                        Tensor t = Init.uniform(backend, random, bound, RnnWeights.shape(spec, k, l));
                        register(RnnWeights.name(k, l, d), RnnWeights.symbolicShape(spec, k, l), t);
                        weights.set(k, l, d, t);
                    }
                }
            }
        }
    }

    /** The structure (mode, sizes, layers, directions, bias). */
    public final RnnSpec spec() {
        return spec;
    }

    /** Whether input and output are {@code [B, T, F]} rather than {@code [T, B, F]}. */
    public final boolean batchFirst() {
        return batchFirst;
    }

    /** Runs every sequence for its full length T, from zero initial states. */
    public final RnnResult forward(Tensor input) {
        return forward(input, (int[]) null, null);
    }

    /** Runs every sequence for its full length T from the given initial state (null for zeros). */
    public final RnnResult forward(Tensor input, RnnState initial) {
        return forward(input, (int[]) null, initial);
    }

    /**
     * Runs a padded batch whose sequence {@code b} has {@code lengths} I64 {@code [B]} valid steps.
     *
     * @param lengths an I64 tensor {@code [B]}, or null for all T
     */
    public final RnnResult forward(Tensor input, Tensor lengths, RnnState initial) {
        long[] l = null;
        if (lengths != null) {
            Checks.live(opName(), "lengths", lengths, backend());
            if (lengths.dtype() != DType.I64 || lengths.rank() != 1) {
                throw new IllegalArgumentException(opName() + ": lengths must be an I64 tensor [B], got " + lengths);
            }
            l = lengths.toLongArray();
        }
        return forward(input, l, initial);
    }

    /** Like {@link #forward(Tensor, long[], RnnState)} with lengths as ints. */
    public final RnnResult forward(Tensor input, int[] lengths, RnnState initial) {
        return forward(input, lengths == null ? null : java.util.Arrays.stream(lengths).asLongStream().toArray(),
                initial);
    }

    /**
     * Runs a padded batch.
     *
     * @param input   {@code [T, B, I]} ({@code [B, T, I]} when batch-first); must stay open until backward
     * @param lengths valid steps per sequence, each in {@code [1, T]}; null when all sequences have T steps
     * @param initial {@code h0 [L*D, B, Hout]} and for LSTM {@code c0 [L*D, B, H]}; null (or null parts) for
     *                zeros
     * @return output, final states, and (when {@link GradMode} is on) what backward needs
     * @throws IllegalArgumentException naming the argument, the expected and the found value
     */
    public final RnnResult forward(Tensor input, long[] lengths, RnnState initial) {
        String op = opName();
        Backend be = backend();
        Checks.live(op, "input", input, be);
        if (input.rank() != 3 || input.dtype() != DType.F32 || input.dim(2) != spec.inputSize()) {
            throw new IllegalArgumentException(String.format(java.util.Locale.ROOT,
                    "%s: input must be an F32 tensor %s with I = input_size = %d, got %s %s", op,
                    batchFirst ? "[B, T, I]" : "[T, B, I]", spec.inputSize(), input.dtype(),
                    dev.recur.tensor.Shapes.toString(input.shape())));
        }
        int steps = batchFirst ? input.dim(1) : input.dim(0);
        int batch = batchFirst ? input.dim(0) : input.dim(1);
        if (steps < 1 || batch < 1) {
            throw new IllegalArgumentException(op + ": input must have T >= 1 and B >= 1, got T = " + steps
                    + ", B = " + batch);
        }
        Checks.finite(op, "input", input);
        int[] checkedLengths = lengths == null ? null : Checks.lengths(op, lengths, steps, batch);
        int states = spec.numLayers() * spec.directions();
        Tensor h0 = initial == null ? null : initial.h();
        Tensor c0 = initial == null ? null : initial.c();
        if (h0 != null) {
            Checks.tensor(op, "h0", h0, be, "[L*D, B, Hout]", states, batch, spec.outputSize());
        }
        if (c0 != null) {
            if (!spec.hasCellState()) {
                throw new IllegalArgumentException(op + ": c0 must be null (only LSTM has a cell state), got " + c0);
            }
            Checks.tensor(op, "c0", c0, be, "[L*D, B, H]", states, batch, spec.hiddenSize());
        }

        Tensor x = batchFirst ? transposed(input) : input;
        // rnnForward writes every element of its outputs (zeros past each sequence's end).
        Tensor y = be.empty(DType.F32, steps, batch, spec.directions() * spec.outputSize());
        Tensor hn = be.empty(DType.F32, states, batch, spec.outputSize());
        Tensor cn = spec.hasCellState() ? be.empty(DType.F32, states, batch, spec.hiddenSize()) : null;
        RnnContext ctx = be.rnnForward(weights, x, h0, c0, checkedLengths, y, hn, cn, GradMode.isEnabled());
        Tensor output = y;
        if (batchFirst) {
            output = transposed(y);
            y.close();
            if (ctx == null) {
                x.close();
            }
        }
        return new RnnResult(this, output, hn, cn, ctx, batchFirst && ctx != null ? x : null, steps, batch);
    }

    /**
     * One step of a stream (inference or truncated BPTT): {@code x [B, I]} from {@code state} (null for zeros).
     * The result's output is {@code [1, B, Hout]} ({@code [B, 1, Hout]} when batch-first) and its
     * {@link RnnResult#state()} feeds the next step.
     *
     * @throws IllegalArgumentException for a bidirectional layer (a stream has no future to run backwards from)
     */
    public final RnnResult step(Tensor x, RnnState state) {
        if (spec.bidirectional()) {
            throw new IllegalArgumentException(opName() + ": step needs a unidirectional layer, got bidirectional");
        }
        Checks.live(opName(), "input", x, backend());
        if (x.rank() != 2) {
            throw new IllegalArgumentException(opName() + ": step input must be [B, I], got "
                    + dev.recur.tensor.Shapes.toString(x.shape()));
        }
        Tensor seq = batchFirst ? x.reshape(x.dim(0), 1, x.dim(1)) : x.reshape(1, x.dim(0), x.dim(1));
        return forward(seq, state);
    }

    /** A new tensor with the first two dimensions swapped. */
    final Tensor transposed(Tensor t) {
        Tensor out = backend().zeros(DType.F32, t.dim(1), t.dim(0), t.dim(2));
        backend().transpose01(t, out);
        return out;
    }

    /** Gradient tensors of the parameters, laid out like the weights (allocated on first use). */
    final RnnWeights gradients() {
        RnnWeights g = new RnnWeights(spec);
        for (int l = 0; l < spec.numLayers(); l++) {
            for (int d = 0; d < spec.directions(); d++) {
                for (RnnWeights.Kind k : RnnWeights.Kind.values()) {
                    Parameter p = parameter(RnnWeights.name(k, l, d));
                    if (p != null) {
                        g.set(k, l, d, p.grad());
                    }
                }
            }
        }
        return g;
    }
}
