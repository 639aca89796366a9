package dev.recur.examples.experiment;

import dev.recur.autograd.GradMode;
import dev.recur.autograd.Tape;
import dev.recur.autograd.Var;
import dev.recur.backend.AttentionMask;
import dev.recur.backend.Backend;
import dev.recur.nn.Forward;
import dev.recur.nn.Linear;
import dev.recur.nn.Module;
import dev.recur.nn.rnn.RecurrentLayer;
import dev.recur.nn.rnn.RnnGradients;
import dev.recur.nn.rnn.RnnResult;
import dev.recur.nn.rnn.RnnState;
import dev.recur.nn.attention.PositionalEncoding;
import dev.recur.nn.attention.TransformerEncoder;
import dev.recur.nn.attention.TransformerEncoderLayer;
import dev.recur.tensor.DType;
import dev.recur.tensor.Tensor;
import dev.recur.train.Losses;

/** A many-to-one regressor over {@link AddingProblem} batches: a sequence model and a linear head. */
abstract class SequenceRegressor extends Module {
    SequenceRegressor(Backend backend, String name) {
        super(backend, name);
    }

    /** Records the prediction {@code [B, 1]} for a batch. */
    abstract Var predict(Tape tape, AddingProblem batch);

    /**
     * The norm of d loss / d h_t for every step t (index = distance to the end, T-1-t), for the MSE loss of
     * the batch: how much each step's state can still learn from the target.
     */
    abstract double[] stateGradientNorms(AddingProblem batch);

    /** MSE of the prediction on a batch, without recording anything. */
    double mse(AddingProblem batch) {
        try (GradMode.Scope s = GradMode.disable(); Tape tape = new Tape(); Tensor y = batch.targets(backend())) {
            return Losses.mse(tape, predict(tape, batch), y).value().toFloatArray()[0];
        }
    }

    /** A recurrent layer (time-major) reading its last hidden state. */
    static final class Recurrent extends SequenceRegressor {
        private final RecurrentLayer layer;
        private final Linear head;

        Recurrent(Backend backend, String name, RecurrentLayer layer, long seed) {
            super(backend, name);
            this.layer = registerChild("rnn", layer);
            this.head = registerChild("head", new Linear(backend, layer.spec().hiddenSize(), 1, true, seed));
        }

        @Override
        Var predict(Tape tape, AddingProblem batch) {
            Tensor x = tape.own(batch.timeMajor(backend()));
            Var hn = tape.rnn(layer, tape.constant(x), null, null, null).hn();
            Var last = tape.reshape(hn, batch.batch(), layer.spec().hiddenSize());
            return tape.record(head.forward(last.value()), last);
        }

        @Override
        double[] stateGradientNorms(AddingProblem batch) {
            // Step by step, so that backward can report d loss / d h_t between the steps.
            Backend be = backend();
            int steps = batch.steps();
            int b = batch.batch();
            int h = layer.spec().hiddenSize();
            RnnResult[] results = new RnnResult[steps];
            double[] norms = new double[steps];
            try (Tensor x = batch.timeMajor(be); Tensor y = batch.targets(be)) {
                RnnState state = null;
                for (int t = 0; t < steps; t++) {
                    results[t] = layer.step(x.slice(t, t + 1).reshape(b, 2), state);
                    state = results[t].state();
                }
                Tensor dh;
                Tensor dc = null;
                try (Tape tape = new Tape()) {
                    Var last = tape.leaf(results[steps - 1].hn().reshape(b, h));
                    Var pred = tape.record(head.forward(last.value()), last);
                    tape.backward(Losses.mse(tape, pred, y));
                    dh = be.zeros(DType.F32, 1, b, h);
                    be.copy(last.grad(), dh);
                }
                for (int t = steps - 1; t >= 0; t--) {
                    norms[steps - 1 - t] = Math.sqrt(be.sumOfSquares(dh));
                    RnnGradients g = results[t].backward(null, dh, dc);
                    dh.close();
                    if (dc != null) {
                        dc.close();
                    }
                    g.input().close();
                    dh = g.h0();
                    dc = g.c0();
                }
                dh.close();
                if (dc != null) {
                    dc.close();
                }
            } finally {
                for (RnnResult r : results) {
                    if (r != null) {
                        r.close();
                    }
                }
                zeroGrad();
            }
            return norms;
        }
    }

    /** A small transformer encoder over the steps (with learned positions), reading the last position. */
    static final class Transformer extends SequenceRegressor {
        private final Linear embed;
        private final PositionalEncoding positions;
        private final TransformerEncoder encoder;
        private final Linear head;
        private final int dModel;

        Transformer(Backend backend, int dModel, int heads, int layers, int maxLen, long seed) {
            super(backend, "transformer");
            this.dModel = dModel;
            this.embed = registerChild("embed", new Linear(backend, 2, dModel, true, seed));
            this.positions = registerChild("pos", PositionalEncoding.learned(backend, maxLen, dModel, seed + 1));
            this.encoder = registerChild("encoder", new TransformerEncoder(backend,
                    TransformerEncoderLayer.builder(dModel, heads).dimFeedforward(2 * dModel).dropout(0f), layers,
                    seed + 2));
            this.head = registerChild("head", new Linear(backend, dModel, 1, true, seed + 3));
        }

        /** The input representation before the encoder, {@code [B, T, E]}. */
        private Var inputs(Tape tape, AddingProblem batch) {
            Tensor x = tape.own(batch.batchFirst(backend()));
            Var e = tape.record(embed.forward(x), tape.constant(x));
            return tape.record(positions.forward(e.value()), e);
        }

        private Var fromInputs(Tape tape, Var h0, AddingProblem batch) {
            Forward f = encoder.forward(h0.value(), AttentionMask.NONE);
            Var h = tape.record(f, h0);
            // The last position [B, E]: a copy of rows T-1, with the gradient scattered back.
            int b = batch.batch();
            int steps = batch.steps();
            Backend be = backend();
            Tensor last = be.zeros(DType.F32, b, dModel);
            for (int i = 0; i < b; i++) {
                be.copy(h.value().slice(i, i + 1).reshape(steps, dModel).slice(steps - 1, steps), last.slice(i, i + 1));
            }
            Var lastVar = tape.custom(last, dLast -> {
                Tensor dh = be.zeros(DType.F32, b, steps, dModel);
                for (int i = 0; i < b; i++) {
                    be.copy(dLast.slice(i, i + 1), dh.slice(i, i + 1).reshape(steps, dModel).slice(steps - 1, steps));
                }
                tape.accumulate(h, dh);
            });
            return tape.record(head.forward(lastVar.value()), lastVar);
        }

        @Override
        Var predict(Tape tape, AddingProblem batch) {
            return fromInputs(tape, inputs(tape, batch), batch);
        }

        @Override
        double[] stateGradientNorms(AddingProblem batch) {
            int steps = batch.steps();
            double[] norms = new double[steps];
            try (Tape tape = new Tape(); Tensor y = batch.targets(backend())) {
                Var h0 = inputs(tape, batch);
                Var leaf = tape.leaf(h0.value());
                tape.backward(Losses.mse(tape, fromInputs(tape, leaf, batch), y));
                float[] g = leaf.grad().toFloatArray();
                for (int i = 0; i < batch.batch(); i++) {
                    for (int t = 0; t < steps; t++) {
                        for (int j = 0; j < dModel; j++) {
                            double v = g[(i * steps + t) * dModel + j];
                            norms[steps - 1 - t] += v * v;
                        }
                    }
                }
            } finally {
                zeroGrad();
            }
            for (int t = 0; t < steps; t++) {
                norms[t] = Math.sqrt(norms[t]);
            }
            return norms;
        }
    }
}
