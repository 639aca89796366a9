package dev.recur.nn.attention;

import dev.recur.internal.Checks;
import dev.recur.nn.AbstractForward;
import dev.recur.tensor.Tensor;

/**
 * The result of {@link MultiHeadAttention#forward}: {@code output [B, T, E]} and, when asked for, the
 * attention weights averaged over heads {@code [B, T, T]}. {@link #backward(Tensor, Tensor)} also takes
 * the upstream gradient of the weights.
 */
public abstract class AttentionForward extends AbstractForward {
    private final Tensor weights;

    AttentionForward(Tensor output, Tensor weights) {
        super("mha", output);
        this.weights = weights;
        if (weights != null) {
            own(weights);
        }
    }

    /** The attention weights averaged over heads {@code [B, T, T]}, or null when not asked for. */
    public Tensor weights() {
        return weights;
    }

    /**
     * Backpropagates both outputs.
     *
     * @param dOutput  d loss / d output {@code [B, T, E]}
     * @param dWeights d loss / d weights {@code [B, T, T]}, or null
     * @return d loss / d input
     */
    public final Tensor backward(Tensor dOutput, Tensor dWeights) {
        checkBackward(dOutput);
        if (dWeights != null) {
            if (weights == null) {
                throw new IllegalArgumentException("mha: dWeights must be null when the forward did not return "
                        + "weights (need_weights = false), got " + dWeights);
            }
            Checks.tensor("mha", "dWeights", dWeights, weights.backend(), "[B, T, T]", weights.shape());
        }
        return backwardBoth(dOutput, dWeights);
    }

    @Override
    protected final Tensor backwardChecked(Tensor dOutput) {
        return backwardBoth(dOutput, null);
    }

    /** Backward on checked gradients; {@code dWeights} may be null. */
    abstract Tensor backwardBoth(Tensor dOutput, Tensor dWeights);
}
