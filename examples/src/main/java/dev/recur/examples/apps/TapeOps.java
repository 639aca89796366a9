package dev.recur.examples.apps;

import dev.recur.autograd.Tape;
import dev.recur.autograd.Var;
import dev.recur.backend.Backend;
import dev.recur.nn.Module;
import dev.recur.nn.Parameter;
import dev.recur.tensor.DType;
import dev.recur.tensor.Tensor;
import dev.recur.train.GradClip;
import dev.recur.train.Optimizer;
import java.util.LinkedHashMap;
import java.util.Map;

/** Small ops the examples need on a {@link Tape} that the core API does not have, and parameter snapshots. */
public final class TapeOps {
    private TapeOps() {
    }

    /**
     * The final states of a bidirectional layer side by side: {@code h_n [D, B, H]} (one layer, {@code D}
     * directions) to {@code [B, D*H]}, row {@code b} = forward state then backward state, as
     * {@code torch.cat([h_n[0], h_n[1]], dim=1)}. The gradient flows back transposed.
     */
    static Var directionsSideBySide(Tape tape, Var hn) {
        Tensor h = hn.value();
        return directionsSideBySide(tape, hn, h.dim(1), h.dim(0) * h.dim(2));
    }

    /**
     * {@link #directionsSideBySide(Tape, Var)} into a tensor of the given {@code shape} (its elements in the
     * order of {@code [B, D*H]}; e.g. {@code [1, B, D*H]}, the initial state of a layer {@code D} times wider).
     */
    public static Var directionsSideBySide(Tape tape, Var hn, int... shape) {
        Tensor h = hn.value();
        Backend be = h.backend();
        int d = h.dim(0);
        int b = h.dim(1);
        int hidden = h.dim(2);
        return tape.custom(sideBySide(h, shape), dOut -> {
            Tensor dh = be.zeros(DType.F32, d, b, hidden);
            be.transpose01(dOut.reshape(b, d, hidden), dh);
            tape.accumulate(hn, dh);
        });
    }

    /** {@code h [D, B, H]} side by side as above, without a tape: a new tensor of {@code shape} the caller owns. */
    public static Tensor sideBySide(Tensor h, int... shape) {
        Backend be = h.backend();
        Tensor out = be.zeros(DType.F32, shape);
        be.transpose01(h, out.reshape(h.dim(1), h.dim(0), h.dim(2)));
        return out;
    }

    /**
     * The update after a training step's backward pass: the gradients clipped to global norm {@code clip}
     * ({@link GradClip#byGlobalNorm}), one optimizer step, the gradients zeroed for the next step.
     */
    public static void update(Module model, Optimizer opt, double clip) {
        GradClip.byGlobalNorm(model.parameters().values(), clip);
        opt.step();
        opt.zeroGrad();
    }

    /** Copies of every parameter's values, by name (to keep the best epoch's model). */
    public static Map<String, float[]> snapshot(Module m) {
        Map<String, float[]> out = new LinkedHashMap<>();
        m.parameters().forEach((k, p) -> out.put(k, p.value().toFloatArray()));
        return out;
    }

    /** Writes a {@link #snapshot} back. */
    public static void restore(Module m, Map<String, float[]> snapshot) {
        for (Map.Entry<String, Parameter> e : m.parameters().entrySet()) {
            Tensor v = e.getValue().value();
            try (Tensor src = m.backend().fromFloats(snapshot.get(e.getKey()), v.shape())) {
                m.backend().copy(src, v);
            }
        }
    }

    /** Row-wise softmax of {@code [N, C]} logits, in double. */
    static double[][] softmax(float[] logits, int rows, int classes) {
        double[][] p = new double[rows][classes];
        for (int i = 0; i < rows; i++) {
            double max = Double.NEGATIVE_INFINITY;
            for (int c = 0; c < classes; c++) {
                max = Math.max(max, logits[i * classes + c]);
            }
            double sum = 0;
            for (int c = 0; c < classes; c++) {
                p[i][c] = Math.exp(logits[i * classes + c] - max);
                sum += p[i][c];
            }
            for (int c = 0; c < classes; c++) {
                p[i][c] /= sum;
            }
        }
        return p;
    }
}
