package dev.recur.cpu;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.recur.autograd.Tape;
import dev.recur.autograd.Var;
import dev.recur.backend.Backend;
import dev.recur.backend.Backends;
import dev.recur.nn.Embedding;
import dev.recur.nn.Linear;
import dev.recur.nn.Parameter;
import dev.recur.nn.rnn.Lstm;
import dev.recur.tensor.Tensor;
import dev.recur.train.Losses;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Autograd through a composed model — embedding → LSTM (variable lengths) → linear → cross-entropy with
 * padded targets ignored — agrees with central finite differences of the loss, for parameters of every layer.
 */
class AutogradFiniteDifferenceTest {
    private static final int V = 7;
    private static final int E = 5;
    private static final int H = 6;
    private static final int T = 6;
    private static final int B = 3;
    private static final long IGNORE = -100;
    private static final long[] LENGTHS = {6, 2, 4};

    private final Backend be = Backends.get("cpu");

    @Test
    void gradientsMatchCentralDifferences() {
        SplittableRandom r = new SplittableRandom(3);
        long[] ids = new long[T * B];
        long[] targets = new long[T * B];
        for (int t = 0; t < T; t++) {
            for (int b = 0; b < B; b++) {
                ids[t * B + b] = r.nextInt(V);
                targets[t * B + b] = t < LENGTHS[b] ? r.nextInt(V) : IGNORE;
            }
        }
        try (Embedding emb = new Embedding(be, V, E, 1); Lstm lstm = Lstm.builder(E, H).seed(2).build(be);
             Linear out = new Linear(be, H, V, true, 3); Tensor idT = be.fromLongs(ids, T, B);
             Tensor targetT = be.fromLongs(targets, T, B)) {
            // Analytic gradients.
            try (Tape tape = new Tape()) {
                Var loss = loss(tape, emb, lstm, out, idT, targetT);
                tape.backward(loss);
            }
            List<Parameter> params = new ArrayList<>();
            params.add(emb.parameter("weight"));
            params.addAll(lstm.parameters().values());
            params.addAll(out.parameters().values());
            int checked = 0;
            double worst = 0;
            for (Parameter p : params) {
                float[] grad = p.grad().toFloatArray();
                float[] value = p.value().toFloatArray();
                for (int k = 0; k < 4; k++) {
                    int i = r.nextInt(value.length);
                    if (p == emb.parameter("weight") && k == 0) {
                        i = (int) ids[0] * E; // a row that is looked up
                    }
                    double eps = 3e-3;
                    double up = lossAt(p, value, i, value[i] + eps, emb, lstm, out, idT, targetT);
                    double down = lossAt(p, value, i, value[i] - eps, emb, lstm, out, idT, targetT);
                    double fd = (up - down) / (2 * eps);
                    double err = Math.abs(fd - grad[i]) / (1e-3 + Math.abs(fd));
                    worst = Math.max(worst, err);
                    checked++;
                    String msg = p.name() + "[" + i + "]: analytic " + grad[i] + ", finite difference " + fd;
                    assertTrue(Math.abs(fd - grad[i]) <= 2e-3 + 2e-2 * Math.abs(fd), msg);
                }
            }
            System.out.println("autograd vs central differences: " + checked + " entries, worst relative error "
                    + worst);
        }
    }

    private double lossAt(Parameter p, float[] value, int i, double v, Embedding emb, Lstm lstm, Linear out,
                          Tensor ids, Tensor targets) {
        float[] changed = value.clone();
        changed[i] = (float) v;
        try (Tensor src = be.fromFloats(changed, p.value().shape())) {
            be.copy(src, p.value());
        }
        try (Tape tape = new Tape()) {
            return loss(tape, emb, lstm, out, ids, targets).value().toFloatArray()[0];
        } finally {
            try (Tensor src = be.fromFloats(value, p.value().shape())) {
                be.copy(src, p.value());
            }
        }
    }

    /** mean cross-entropy of linear(lstm(embedding(ids))) over the steps that are not padding. */
    private static Var loss(Tape tape, Embedding emb, Lstm lstm, Linear out, Tensor ids, Tensor targets) {
        Var x = tape.record(emb.forward(ids), tape.constant(ids));
        Var h = tape.rnn(lstm, x, LENGTHS, null, null).output();
        Var logits = tape.record(out.forward(h.value()), h);
        return Losses.crossEntropy(tape, logits, targets, IGNORE, 0f);
    }
}
