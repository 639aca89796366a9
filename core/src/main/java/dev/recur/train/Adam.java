package dev.recur.train;

import dev.recur.nn.Parameter;
import java.util.Map;

/**
 * Adam as {@code torch.optim.Adam(params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0)}, and AdamW
 * ({@link #adamW}: decoupled weight decay, default 0.01); one fused {@link dev.recur.backend.Backend#adamStep}
 * per parameter.
 */
public final class Adam extends AbstractOptimizer {
    private final float beta1;
    private final float beta2;
    private final float eps;
    private final float weightDecay;
    private final boolean decoupled;

    /** Adam with PyTorch's defaults and the given learning rate. */
    public Adam(Map<String, Parameter> parameters, double lr) {
        this(parameters, lr, 0.9, 0.999, 1e-8, 0, false);
    }

    /** AdamW with PyTorch's defaults (weight decay 0.01) and the given learning rate. */
    public static Adam adamW(Map<String, Parameter> parameters, double lr) {
        return new Adam(parameters, lr, 0.9, 0.999, 1e-8, 0.01, true);
    }

    /**
     * @param decoupled AdamW's decoupled weight decay instead of L2 added to the gradient
     * @throws IllegalArgumentException for betas outside [0, 1), eps or weight decay < 0
     */
    public Adam(Map<String, Parameter> parameters, double lr, double beta1, double beta2, double eps,
                double weightDecay, boolean decoupled) {
        super(parameters, lr);
        if (!(beta1 >= 0 && beta1 < 1 && beta2 >= 0 && beta2 < 1)) {
            throw new IllegalArgumentException("adam: betas must be in [0, 1), got (" + beta1 + ", " + beta2 + ")");
        }
        if (!(eps >= 0 && weightDecay >= 0)) {
            throw new IllegalArgumentException("adam: eps and weight_decay must be >= 0, got " + eps + " and "
                    + weightDecay);
        }
        this.beta1 = (float) beta1;
        this.beta2 = (float) beta2;
        this.eps = (float) eps;
        this.weightDecay = (float) weightDecay;
        this.decoupled = decoupled;
    }

    @Override
    void update(String name, Parameter p, long step) {
        p.value().backend().adamStep(p.value(), p.grad(), buffer("m", name, p), buffer("v", name, p),
                (float) learningRate(), beta1, beta2, eps, weightDecay, decoupled, step);
    }

    @Override
    Map<String, String> hyperParameters() {
        return Map.of("beta1", Float.toString(beta1), "beta2", Float.toString(beta2), "eps", Float.toString(eps),
                "weight_decay", Float.toString(weightDecay), "decoupled", Boolean.toString(decoupled));
    }
}
