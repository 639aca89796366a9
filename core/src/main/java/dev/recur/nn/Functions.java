package dev.recur.nn;

import dev.recur.backend.Activation;
import dev.recur.backend.Backend;
import dev.recur.tensor.DType;
import dev.recur.tensor.Tensor;
import java.util.SplittableRandom;

/** Parameter-free pieces that layers compose: sums, activations, dropout. */
public final class Functions {
    private Functions() {
    }

    /** A new tensor {@code a + b} (same shapes). */
    public static Tensor add(Tensor a, Tensor b) {
        Backend be = a.backend();
        Tensor out = be.empty(DType.F32, a.shape());
        be.copy(a, out);
        be.axpy(1f, b, out);
        return out;
    }

    /** {@code y = act(x)} as a forward; its backward gives {@code dy * act'(x)}. */
    public static Forward activation(Activation act, Tensor x) {
        Backend be = x.backend();
        Tensor y = be.empty(DType.F32, x.shape());
        be.activation(act, x, y);
        return new AbstractForward(act.name().toLowerCase(java.util.Locale.ROOT), y) {
            @Override
            protected Tensor backwardChecked(Tensor dOutput) {
                Tensor dx = be.empty(DType.F32, x.shape());
                be.activationBackward(act, x, y, dOutput, dx);
                return dx;
            }
        };
    }

    /**
     * Inverted dropout as a forward: when {@code active} and {@code p > 0}, each element is kept with
     * probability {@code 1 - p} and scaled by {@code 1/(1-p)}; otherwise a copy of x.
     */
    public static Forward dropout(Tensor x, float p, boolean active, SplittableRandom seeds) {
        if (!(p >= 0 && p < 1)) {
            throw new IllegalArgumentException("dropout: p must be in [0, 1), got " + p);
        }
        Backend be = x.backend();
        Tensor y = be.empty(DType.F32, x.shape()); // a copy or the dropout op writes every element
        if (!active || p == 0f) {
            be.copy(x, y);
            return new AbstractForward("dropout", y) {
                @Override
                protected Tensor backwardChecked(Tensor dOutput) {
                    Tensor dx = be.empty(DType.F32, x.shape());
                    be.copy(dOutput, dx);
                    return dx;
                }
            };
        }
        Tensor keep = be.zeros(DType.F32, x.shape());
        be.dropout(x, p, seeds.nextLong(), keep, y);
        AbstractForward f = new AbstractForward("dropout", y) {
            @Override
            protected Tensor backwardChecked(Tensor dOutput) {
                Tensor dx = be.empty(DType.F32, x.shape());
                be.mul(dOutput, keep, dx);
                return dx;
            }
        };
        f.own(keep);
        return f;
    }
}
