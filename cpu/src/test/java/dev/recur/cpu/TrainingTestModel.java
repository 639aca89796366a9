package dev.recur.cpu;

import dev.recur.autograd.Tape;
import dev.recur.autograd.Var;
import dev.recur.backend.Backend;
import dev.recur.nn.Linear;
import dev.recur.nn.Module;
import dev.recur.nn.Parameter;
import dev.recur.nn.rnn.Gru;
import dev.recur.tensor.Tensor;
import dev.recur.train.Losses;
import dev.recur.train.Rng;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A small model for training tests: a GRU over random sequences whose last output, through a linear layer,
 * regresses the sum of the inputs' first feature. Batches are drawn from an {@link Rng}, so the data a run
 * sees depends only on the RNG state.
 */
final class TrainingTestModel extends Module {
    static final int I = 3;
    static final int H = 8;
    static final int T = 12;
    static final int B = 4;

    final Gru gru;
    final Linear head;

    TrainingTestModel(Backend backend, long seed) {
        super(backend, "test_model");
        this.gru = registerChild("gru", Gru.builder(I, H).seed(seed).build(backend));
        this.head = registerChild("head", new Linear(backend, H, 1, true, seed + 1));
    }

    Map<String, Parameter> params() {
        return new LinkedHashMap<>(parameters());
    }

    /** One training step's loss on a batch drawn from {@code rng}; runs backward on the tape. */
    double trainStep(Rng rng) {
        Backend be = backend();
        float[] x = new float[T * B * I];
        float[] y = new float[B];
        for (int t = 0; t < T; t++) {
            for (int b = 0; b < B; b++) {
                for (int i = 0; i < I; i++) {
                    float v = (float) (rng.nextDouble() - 0.5);
                    x[(t * B + b) * I + i] = v;
                    if (i == 0) {
                        y[b] += v;
                    }
                }
            }
        }
        try (Tensor xt = be.fromFloats(x, T, B, I); Tensor yt = be.fromFloats(y, B, 1); Tape tape = new Tape()) {
            Var h = tape.rnn(gru, tape.constant(xt), null, null, null).hn();
            Var last = tape.reshape(h, B, H);
            Var pred = tape.record(head.forward(last.value()), last);
            Var loss = Losses.mse(tape, pred, yt);
            tape.backward(loss);
            return loss.value().toFloatArray()[0];
        }
    }
}
