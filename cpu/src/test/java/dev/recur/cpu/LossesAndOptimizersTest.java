package dev.recur.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.recur.autograd.Tape;
import dev.recur.autograd.Var;
import dev.recur.backend.Backend;
import dev.recur.backend.Backends;
import dev.recur.nn.Parameter;
import dev.recur.nn.rnn.Lstm;
import dev.recur.nn.rnn.RnnResult;
import dev.recur.nn.rnn.RnnState;
import dev.recur.tensor.Tensor;
import dev.recur.train.Adam;
import dev.recur.train.GradClip;
import dev.recur.train.Losses;
import dev.recur.train.LrSchedule;
import dev.recur.train.Sgd;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Losses against values worked out by hand (in double, from their definitions), optimizers against their
 * update formulas, schedules, clipping, and the streaming step against a whole-sequence forward.
 */
class LossesAndOptimizersTest {
    private final Backend be = Backends.get("cpu");

    private static double logSumExp(double... v) {
        double m = Double.NEGATIVE_INFINITY;
        for (double x : v) {
            m = Math.max(m, x);
        }
        double s = 0;
        for (double x : v) {
            s += Math.exp(x - m);
        }
        return m + Math.log(s);
    }

    @Test
    void crossEntropyWithIgnoreIndexAndLabelSmoothing() {
        float[] logits = {1f, 2f, 0.5f, -1f, 0f, 3f, 0.2f, 0.1f, -0.3f};
        long[] targets = {1, -100, 2};
        double s = 0.1;
        double expected = 0;
        for (int n : new int[] {0, 2}) {
            double[] row = {logits[3 * n], logits[3 * n + 1], logits[3 * n + 2]};
            double lse = logSumExp(row);
            double nll = lse - row[(int) targets[n]];
            double smooth = lse - (row[0] + row[1] + row[2]) / 3;
            expected += (1 - s) * nll + s * smooth;
        }
        expected /= 2;
        try (Tensor x = be.fromFloats(logits, 3, 3); Tensor t = be.fromLongs(targets, 3); Tape tape = new Tape()) {
            Var xv = tape.leaf(x);
            Var loss = Losses.crossEntropy(tape, xv, t, -100, (float) s);
            assertEquals(expected, loss.value().toFloatArray()[0], 1e-6);
            tape.backward(loss);
            float[] g = xv.grad().toFloatArray();
            // Ignored row: no gradient; counted rows: (softmax - q) / 2, which sums to 0 per row.
            assertEquals(0f, g[3] + g[4] + g[5], 0f);
            double p = Math.exp(logits[1] - logSumExp(logits[0], logits[1], logits[2]));
            assertEquals((p - (1 - s) - s / 3) / 2, g[1], 1e-6);
            assertEquals(0, g[0] + g[1] + g[2], 1e-6);
        }
        try (Tensor x = be.fromFloats(logits, 3, 3); Tensor t = be.fromLongs(new long[] {-100, -100, -100}, 3);
             Tape tape = new Tape()) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> Losses.crossEntropy(tape, tape.leaf(x), t, -100, 0f));
            assertTrue(e.getMessage().contains("ignore_index"), e.getMessage());
        }
    }

    @Test
    void mseAndBinaryCrossEntropyWithLogits() {
        float[] x = {0.5f, -2f, 3f, 0f};
        float[] y = {1f, 0f, 1f, 0.5f};
        double mse = 0;
        double bce = 0;
        for (int i = 0; i < 4; i++) {
            mse += (x[i] - y[i]) * (x[i] - y[i]) / 4.0;
            double sig = 1 / (1 + Math.exp(-x[i]));
            bce += -(y[i] * Math.log(sig) + (1 - y[i]) * Math.log(1 - sig)) / 4.0;
        }
        try (Tensor xt = be.fromFloats(x, 4); Tensor yt = be.fromFloats(y, 4); Tape tape = new Tape()) {
            Var xv = tape.leaf(xt);
            assertEquals(mse, Losses.mse(tape, xv, yt).value().toFloatArray()[0], 1e-6);
            Var b = Losses.bceWithLogits(tape, xv, yt);
            assertEquals(bce, b.value().toFloatArray()[0], 1e-6);
            tape.backward(b);
            double sig0 = 1 / (1 + Math.exp(-x[0]));
            assertEquals((sig0 - y[0]) / 4, xv.grad().toFloatArray()[0], 1e-6);
        }
    }

    private Map<String, Parameter> oneParameter(float[] value, float[] grad) {
        Parameter p = new Parameter("w", "[n]", be.fromFloats(value, value.length));
        try (Tensor g = be.fromFloats(grad, grad.length)) {
            be.copy(g, p.grad());
        }
        return Map.of("w", p);
    }

    @Test
    void sgdWithNesterovMomentumFollowsTorchFormula() {
        Map<String, Parameter> ps = oneParameter(new float[] {1f, -2f}, new float[] {0.5f, 0.25f});
        try (Sgd sgd = new Sgd(ps, 0.1, 0.9, 0, true, 0.01)) {
            double[] w = {1, -2};
            double[] buf = new double[2];
            double[] grad = {0.5, 0.25};
            for (int step = 0; step < 3; step++) {
                sgd.step();
                for (int i = 0; i < 2; i++) {
                    double g = grad[i] + 0.01 * w[i];
                    buf[i] = step == 0 ? g : 0.9 * buf[i] + g;
                    w[i] -= 0.1 * (g + 0.9 * buf[i]);
                }
            }
            float[] got = ps.get("w").value().toFloatArray();
            assertEquals(w[0], got[0], 1e-6);
            assertEquals(w[1], got[1], 1e-6);
        }
    }

    @Test
    void adamAndAdamWFollowTorchFormulas() {
        for (boolean decoupled : new boolean[] {false, true}) {
            Map<String, Parameter> ps = oneParameter(new float[] {0.3f}, new float[] {-0.2f});
            try (Adam adam = new Adam(ps, 0.01, 0.9, 0.999, 1e-8, 0.1, decoupled)) {
                double w = 0.3;
                double m = 0;
                double v = 0;
                for (int t = 1; t <= 4; t++) {
                    adam.step();
                    double g = -0.2;
                    if (decoupled) {
                        w -= 0.01 * 0.1 * w;
                    } else {
                        g += 0.1 * w;
                    }
                    m = 0.9 * m + 0.1 * g;
                    v = 0.999 * v + 0.001 * g * g;
                    w -= 0.01 * (m / (1 - Math.pow(0.9, t))) / (Math.sqrt(v / (1 - Math.pow(0.999, t))) + 1e-8);
                }
                assertEquals(w, ps.get("w").value().toFloatArray()[0], 1e-6, "decoupled=" + decoupled);
                assertEquals(4, adam.steps());
            }
        }
    }

    @Test
    void schedulesAndClipping() {
        assertEquals(0.1 * 0.5 * 0.5, LrSchedule.step(0.1, 10, 0.5).at(25), 1e-12);
        assertEquals(0.1, LrSchedule.cosine(0.1, 0.0, 100).at(0), 1e-12);
        assertEquals(0.05, LrSchedule.cosine(0.1, 0.0, 100).at(50), 1e-12);
        assertEquals(0.1 * 3 / 10, LrSchedule.constant(0.1).withWarmup(10).at(2), 1e-12);
        Map<String, Parameter> ps = oneParameter(new float[] {0f, 0f}, new float[] {3f, 4f});
        double norm = GradClip.byGlobalNorm(ps.values(), 1.0);
        assertEquals(5.0, norm, 1e-6);
        float[] g = ps.get("w").grad().toFloatArray();
        assertEquals(1.0, Math.hypot(g[0], g[1]), 1e-5);
        GradClip.byValue(ps.values(), 0.5);
        g = ps.get("w").grad().toFloatArray();
        assertTrue(Math.abs(g[0]) <= 0.5f && Math.abs(g[1]) <= 0.5f);
        ps.values().forEach(Parameter::close);
    }

    @Test
    void streamingStepsEqualOneForward() {
        int steps = 9;
        float[] data = new float[steps * 2 * 3];
        for (int i = 0; i < data.length; i++) {
            data[i] = (float) Math.cos(i * 0.7);
        }
        try (Lstm lstm = Lstm.builder(3, 4).seed(8).build(be); Tensor x = be.fromFloats(data, steps, 2, 3);
             RnnResult full = lstm.forward(x)) {
            float[] expected = full.output().toFloatArray();
            RnnState state = null;
            List<RnnResult> kept = new java.util.ArrayList<>();
            for (int t = 0; t < steps; t++) {
                RnnResult r = lstm.step(x.slice(t, t + 1).reshape(2, 3), state);
                kept.add(r);
                float[] y = r.output().toFloatArray();
                for (int j = 0; j < y.length; j++) {
                    assertEquals(expected[t * y.length + j], y[j], 1e-6, "step " + t);
                }
                state = r.state();
            }
            kept.forEach(RnnResult::close);
        }
    }
}
