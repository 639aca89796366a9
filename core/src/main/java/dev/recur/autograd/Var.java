package dev.recur.autograd;

import dev.recur.tensor.Tensor;

/**
 * A value recorded on a {@link Tape}: a tensor and, after {@link Tape#backward}, d loss / d value. Constants
 * (inputs that need no gradient) collect none.
 */
public final class Var {
    private final Tensor value;
    private final boolean requiresGrad;
    Tensor grad;

    Var(Tensor value, boolean requiresGrad) {
        this.value = value;
        this.requiresGrad = requiresGrad;
    }

    /** The value. */
    public Tensor value() {
        return value;
    }

    /** Whether backward accumulates a gradient into this value. */
    public boolean requiresGrad() {
        return requiresGrad;
    }

    /** d loss / d value after {@link Tape#backward}; null if none reached it. Owned by the tape. */
    public Tensor grad() {
        return grad;
    }
}
