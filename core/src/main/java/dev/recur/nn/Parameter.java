package dev.recur.nn;

import dev.recur.tensor.DType;
import dev.recur.tensor.Tensor;

/**
 * A trainable tensor of a {@link Module}, under its PyTorch {@code state_dict} name, with its gradient.
 * The gradient is allocated (as zeros) on first use and accumulated by backward passes.
 */
public final class Parameter implements AutoCloseable {
    private final String name;
    private final String symbolicShape;
    private final Tensor value;
    private Tensor grad;

    /**
     * @param name          state_dict name, e.g. {@code weight_ih_l0}
     * @param symbolicShape the shape in the legend's letters for messages, e.g. {@code [4H, I]}
     * @param value         the tensor (owned by this parameter)
     */
    public Parameter(String name, String symbolicShape, Tensor value) {
        this.name = name;
        this.symbolicShape = symbolicShape;
        this.value = value;
    }

    /** The state_dict name. */
    public String name() {
        return name;
    }

    /** The shape in the legend's letters, e.g. {@code [4H, I]}. */
    public String symbolicShape() {
        return symbolicShape;
    }

    /** The value. */
    public Tensor value() {
        return value;
    }

    /** The accumulated gradient, allocated as zeros on first call. */
    public Tensor grad() {
        if (grad == null) {
            grad = value.backend().zeros(DType.F32, value.shape());
        }
        return grad;
    }

    /** Whether a gradient was allocated. */
    public boolean hasGrad() {
        return grad != null;
    }

    /** Sets the gradient to zero in place (allocates nothing). */
    public void zeroGrad() {
        if (grad != null) {
            value.backend().fill(grad, 0f);
        }
    }

    /** Frees the value and the gradient. */
    @Override
    public void close() {
        value.close();
        if (grad != null) {
            grad.close();
        }
    }
}
