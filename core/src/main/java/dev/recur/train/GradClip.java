package dev.recur.train;

import dev.recur.nn.Parameter;
import java.util.Collection;

/** Gradient clipping, as {@code torch.nn.utils.clip_grad_norm_} and {@code clip_grad_value_}. */
public final class GradClip {
    private GradClip() {
    }

    /** The L2 norm of all gradients together (parameters without a gradient count 0). */
    public static double globalNorm(Collection<Parameter> parameters) {
        double sum = 0;
        for (Parameter p : parameters) {
            if (p.hasGrad()) {
                sum += p.grad().backend().sumOfSquares(p.grad());
            }
        }
        return Math.sqrt(sum);
    }

    /**
     * Scales every gradient by {@code maxNorm / (norm + 1e-6)} when the global norm exceeds {@code maxNorm}.
     *
     * @return the global norm before clipping (report it every step)
     */
    public static double byGlobalNorm(Collection<Parameter> parameters, double maxNorm) {
        if (!(maxNorm > 0)) {
            throw new IllegalArgumentException("clip_grad_norm: max_norm must be > 0, got " + maxNorm);
        }
        double norm = globalNorm(parameters);
        double coef = maxNorm / (norm + 1e-6);
        if (coef < 1) {
            for (Parameter p : parameters) {
                if (p.hasGrad()) {
                    p.grad().backend().scale(p.grad(), (float) coef);
                }
            }
        }
        return norm;
    }

    /** Clamps every gradient element into {@code [-clip, clip]}. */
    public static void byValue(Collection<Parameter> parameters, double clip) {
        if (!(clip > 0)) {
            throw new IllegalArgumentException("clip_grad_value: clip_value must be > 0, got " + clip);
        }
        for (Parameter p : parameters) {
            if (p.hasGrad()) {
                p.grad().backend().clamp(p.grad(), (float) -clip, (float) clip);
            }
        }
    }
}
