package dev.recur.train;

import dev.recur.autograd.Tape;
import dev.recur.autograd.Var;
import dev.recur.backend.Backend;
import dev.recur.internal.Checks;
import dev.recur.tensor.DType;
import dev.recur.tensor.Shapes;
import dev.recur.tensor.Tensor;
import java.util.Locale;

/**
 * Losses recorded on a {@link Tape}, each the mean over the elements (rows) that count, as one-element
 * {@link Var}s. Shapes: {@code N} rows, {@code C} classes.
 */
public final class Losses {
    private Losses() {
    }

    /**
     * Softmax cross-entropy, as {@code torch.nn.functional.cross_entropy(logits, targets,
     * ignore_index=ignoreIndex, label_smoothing=smoothing)}: the mean over rows whose target is not
     * {@code ignoreIndex} (padding). Logits of any rank {@code [..., C]} are read as {@code [N, C]}.
     *
     * @param targets I64 {@code [...]} with N elements, each in {@code [0, C)} or ignoreIndex
     * @throws IllegalArgumentException for mismatched shapes, targets out of range, or every row ignored
     */
    public static Var crossEntropy(Tape tape, Var logits, Tensor targets, long ignoreIndex, float smoothing) {
        Tensor x = logits.value();
        Backend be = x.backend();
        int classes = x.dim(-1);
        int rows = Math.toIntExact(x.numel() / classes);
        Checks.live("cross_entropy", "targets", targets, be);
        if (targets.dtype() != DType.I64 || targets.numel() != rows) {
            throw new IllegalArgumentException(String.format(Locale.ROOT,
                    "cross_entropy: targets must be I64 with one entry per row of logits %s (N = %d), got %s %s",
                    Shapes.toString(x.shape()), rows, targets.dtype(), Shapes.toString(targets.shape())));
        }
        if (!(smoothing >= 0 && smoothing <= 1)) {
            throw new IllegalArgumentException("cross_entropy: label_smoothing must be in [0, 1], got " + smoothing);
        }
        long[] t = targets.toLongArray();
        int counted = 0;
        for (int i = 0; i < t.length; i++) {
            if (t[i] == ignoreIndex) {
                continue;
            }
            if (t[i] < 0 || t[i] >= classes) {
                throw new IllegalArgumentException(String.format(Locale.ROOT,
                        "cross_entropy: targets[%d] must be in [0, C) = [0, %d) or ignore_index %d, got %d", i,
                        classes, ignoreIndex, t[i]));
            }
            counted++;
        }
        if (counted == 0) {
            throw new IllegalArgumentException("cross_entropy: at least one target must differ from ignore_index "
                    + ignoreIndex + ", got all " + rows + " ignored");
        }
        Tensor x2 = x.reshape(rows, classes);
        Tensor flat = targets.reshape(rows);
        Tensor lse = tape.own(be.zeros(DType.F32, rows));
        double sum = be.crossEntropyForward(x2, flat, ignoreIndex, smoothing, lse);
        int n = counted;
        return tape.custom(be.fromFloats(new float[] {(float) (sum / n)}, 1), dLoss -> {
            float scale = dLoss.toFloatArray()[0] / n;
            Tensor dx = be.zeros(DType.F32, x.shape());
            be.crossEntropyBackward(x2, flat, ignoreIndex, smoothing, lse, scale, dx.reshape(rows, classes));
            tape.accumulate(logits, dx);
        });
    }

    /** Mean squared error {@code mean((pred - target)²)}, as {@code torch.nn.functional.mse_loss}. */
    public static Var mse(Tape tape, Var pred, Tensor target) {
        Tensor p = pred.value();
        Backend be = p.backend();
        Checks.tensor("mse", "target", target, be, "the prediction's shape", p.shape());
        Tensor diff = tape.own(be.zeros(DType.F32, p.shape()));
        be.copy(p, diff);
        be.axpy(-1f, target, diff);
        long n = p.numel();
        double sum = be.sumOfSquares(diff);
        return tape.custom(be.fromFloats(new float[] {(float) (sum / n)}, 1), dLoss -> {
            // d/dp mean((p - t)²) = 2 (p - t) / n
            Tensor dp = be.zeros(DType.F32, p.shape());
            be.axpy(2f * dLoss.toFloatArray()[0] / n, diff, dp);
            tape.accumulate(pred, dp);
        });
    }

    /**
     * Binary cross-entropy on logits, as {@code torch.nn.functional.binary_cross_entropy_with_logits}: the mean
     * of {@code max(x, 0) - x y + log(1 + e^-|x|)}.
     */
    public static Var bceWithLogits(Tape tape, Var logits, Tensor targets) {
        Tensor x = logits.value();
        Backend be = x.backend();
        Checks.tensor("bce_with_logits", "targets", targets, be, "the logits' shape", x.shape());
        long n = x.numel();
        double sum = be.bceWithLogitsForward(x, targets);
        return tape.custom(be.fromFloats(new float[] {(float) (sum / n)}, 1), dLoss -> {
            Tensor dx = be.zeros(DType.F32, x.shape());
            be.bceWithLogitsBackward(x, targets, dLoss.toFloatArray()[0] / n, dx);
            tape.accumulate(logits, dx);
        });
    }
}
