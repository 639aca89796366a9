package dev.recur.bench;

import dev.recur.autograd.GradMode;
import dev.recur.autograd.Tape;
import dev.recur.autograd.Var;
import dev.recur.backend.AttentionMask;
import dev.recur.backend.Backend;
import dev.recur.nn.Forward;
import dev.recur.nn.Module;
import dev.recur.nn.attention.MultiHeadAttention;
import dev.recur.nn.attention.TransformerEncoderLayer;
import dev.recur.nn.rnn.Gru;
import dev.recur.nn.rnn.Lstm;
import dev.recur.nn.rnn.RecurrentLayer;
import dev.recur.nn.rnn.Rnn;
import dev.recur.nn.rnn.RnnResult;
import dev.recur.tensor.Tensor;
import dev.recur.train.Adam;
import dev.recur.train.Losses;
import java.util.function.Consumer;

/**
 * One benchmarked sequence model ({@link BenchShapes#MODELS}) at a width, through Recur's public API only:
 * recurrent layers take time-major {@code x [T, B, w]}, the attention models batch-first {@code x [B, T, w]}
 * (each layer's native layout, so no transpose is timed). Inference runs with {@link GradMode} off; the
 * training step is {@code zeroGrad}, a forward recorded on a {@link Tape}, the MSE loss against a fixed target
 * of the output's shape, {@code backward}, and one {@link Adam} update (lr 1e-4).
 */
abstract class BenchModel implements AutoCloseable {
    final Backend be;
    final String kind;
    final int width;
    private Adam adam;

    private BenchModel(Backend be, String kind, int width) {
        this.be = be;
        this.kind = kind;
        this.width = width;
    }

    /** The model {@code kind} at width w, weights from {@code seed}. */
    static BenchModel create(Backend be, String kind, int width, long seed) {
        return switch (kind) {
            case "rnn" -> new Recurrent(be, kind, width, Rnn.builder(width, width).seed(seed).build(be));
            case "lstm" -> new Recurrent(be, kind, width, Lstm.builder(width, width).seed(seed).build(be));
            case "gru" -> new Recurrent(be, kind, width, Gru.builder(width, width).seed(seed).build(be));
            case "transformer" -> new Transformer(be, width, TransformerEncoderLayer.builder(width, BenchShapes.HEADS)
                    .dimFeedforward(4 * width).dropout(0f).seed(seed).build(be));
            case "attention" -> new Attention(be, width,
                    new MultiHeadAttention(be, width, BenchShapes.HEADS, true, seed));
            default -> throw new IllegalArgumentException("unknown model " + kind + ", expected one of "
                    + BenchShapes.MODELS);
        };
    }

    abstract Module module();

    /** A random input of B sequences of T steps in the model's layout. */
    final Tensor input(int batch, int steps, long seed) {
        int[] shape = shape(batch, steps);
        return be.fromFloats(BenchShapes.uniform(seed, batch * steps * width), shape);
    }

    /** The input and output shape: {@code [T, B, w]} recurrent, {@code [B, T, w]} attention. */
    final int[] shape(int batch, int steps) {
        return BenchShapes.recurrent(kind) ? new int[] {steps, batch, width} : new int[] {batch, steps, width};
    }

    /** Inference over a padded batch ({@code lengths} null: all T), grad mode off; the output is consumed. */
    abstract void forward(Tensor x, long[] lengths, Consumer<Object> bh);

    /** The forward recorded on a tape, for training; returns the output. */
    abstract Var record(Tape tape, Var x);

    /** One training step: zero the gradients, forward, MSE to {@code target}, backward, Adam update. */
    final void trainStep(Tensor x, Tensor target, Consumer<Object> bh) {
        Module m = module();
        if (adam == null) {
            m.train(true);
            adam = new Adam(m.parameters(), 1e-4);
        }
        adam.zeroGrad();
        try (GradMode.Scope g = GradMode.enable(); Tape tape = new Tape()) {
            Var out = record(tape, tape.constant(x));
            Var loss = Losses.mse(tape, out, target);
            tape.backward(loss);
            bh.accept(loss.value());
        }
        adam.step();
    }

    /** Warm-up rounds of {@link #warmUp}. */
    static final int WARM_ROUNDS = 300;

    /**
     * Compiles the code paths before JMH's own warm-up: {@value #WARM_ROUNDS} forwards (or training steps) of
     * the same kind of model on a tiny problem (w = 16, B = 2, T = 8; with lengths when {@code varlen}), which
     * costs well under a second. JMH's warm-up iterations then run at the real shape as usual.
     */
    static void warmUp(Backend be, String kind, boolean train, boolean varlen) {
        Consumer<Object> sink = o -> { };
        try (BenchModel tiny = create(be, kind, 16, 3); Tensor x = tiny.input(2, 8, 4);
             Tensor y = tiny.input(2, 8, 5)) {
            long[] lengths = varlen ? new long[] {8, 3} : null;
            for (int i = 0; i < WARM_ROUNDS; i++) {
                if (train) {
                    tiny.trainStep(x, y, sink);
                } else {
                    tiny.forward(x, lengths, sink);
                }
            }
        }
    }

    @Override
    public void close() {
        if (adam != null) {
            adam.close();
        }
        module().close();
    }

    /** RNN, LSTM or GRU. */
    static final class Recurrent extends BenchModel {
        final RecurrentLayer layer;

        Recurrent(Backend be, String kind, int width, RecurrentLayer layer) {
            super(be, kind, width);
            this.layer = layer;
        }

        @Override
        Module module() {
            return layer;
        }

        @Override
        void forward(Tensor x, long[] lengths, Consumer<Object> bh) {
            try (GradMode.Scope g = GradMode.disable(); RnnResult r = layer.forward(x, lengths, null)) {
                bh.accept(r.output());
                bh.accept(r.hn());
            }
        }

        @Override
        Var record(Tape tape, Var x) {
            return tape.rnn(layer, x, null, null, null).output();
        }
    }

    /** One transformer encoder layer (evaluation mode for inference, dropout 0 either way). */
    static final class Transformer extends BenchModel {
        final TransformerEncoderLayer layer;

        Transformer(Backend be, int width, TransformerEncoderLayer layer) {
            super(be, "transformer", width);
            this.layer = layer;
            layer.eval();
        }

        @Override
        Module module() {
            return layer;
        }

        @Override
        void forward(Tensor x, long[] lengths, Consumer<Object> bh) {
            AttentionMask mask = lengths == null ? AttentionMask.NONE
                    : new AttentionMask(false, null, AttentionMask.keyPaddingFromLengths(lengths, x.dim(1)));
            try (GradMode.Scope g = GradMode.disable(); Forward f = layer.forward(x, mask)) {
                bh.accept(f.output());
            }
        }

        @Override
        Var record(Tape tape, Var x) {
            return tape.record(layer.forward(x.value(), AttentionMask.NONE), x);
        }
    }

    /** Multi-head self-attention alone (no mask, no weights returned). */
    static final class Attention extends BenchModel {
        final MultiHeadAttention mha;

        Attention(Backend be, int width, MultiHeadAttention mha) {
            super(be, "attention", width);
            this.mha = mha;
        }

        @Override
        Module module() {
            return mha;
        }

        @Override
        void forward(Tensor x, long[] lengths, Consumer<Object> bh) {
            AttentionMask mask = lengths == null ? AttentionMask.NONE
                    : new AttentionMask(false, null, AttentionMask.keyPaddingFromLengths(lengths, x.dim(1)));
            try (GradMode.Scope g = GradMode.disable(); Forward f = mha.forward(x, mask, false)) {
                bh.accept(f.output());
            }
        }

        @Override
        Var record(Tape tape, Var x) {
            return tape.record(mha.forward(x.value(), AttentionMask.NONE, false), x);
        }
    }
}
