package dev.recur.train;

import dev.recur.nn.Parameter;
import java.util.Map;

/**
 * Stochastic gradient descent as {@code torch.optim.SGD(params, lr, momentum=0, dampening=0,
 * weight_decay=0, nesterov=False)}, one fused {@link dev.recur.backend.Backend#sgdStep} per parameter.
 */
public final class Sgd extends AbstractOptimizer {
    private final float momentum;
    private final float dampening;
    private final boolean nesterov;
    private final float weightDecay;

    /** Plain SGD. */
    public Sgd(Map<String, Parameter> parameters, double lr) {
        this(parameters, lr, 0, 0, false, 0);
    }

    /**
     * @throws IllegalArgumentException for negative momentum or weight decay, or Nesterov without momentum
     */
    public Sgd(Map<String, Parameter> parameters, double lr, double momentum, double dampening, boolean nesterov,
               double weightDecay) {
        super(parameters, lr);
        if (momentum < 0 || weightDecay < 0) {
            throw new IllegalArgumentException("sgd: momentum and weight_decay must be >= 0, got " + momentum + " and "
                    + weightDecay);
        }
        if (nesterov && (momentum <= 0 || dampening != 0)) {
            throw new IllegalArgumentException("sgd: nesterov needs momentum > 0 and dampening = 0, got momentum "
                    + momentum + ", dampening " + dampening);
        }
        this.momentum = (float) momentum;
        this.dampening = (float) dampening;
        this.nesterov = nesterov;
        this.weightDecay = (float) weightDecay;
    }

    @Override
    void update(String name, Parameter p, long step) {
        boolean first = momentum > 0 && !state().containsKey("momentum." + name);
        p.value().backend().sgdStep(p.value(), p.grad(), momentum > 0 ? buffer("momentum", name, p) : null,
                (float) learningRate(), momentum, dampening, nesterov, weightDecay, first);
    }

    @Override
    Map<String, String> hyperParameters() {
        return Map.of("momentum", Float.toString(momentum), "dampening", Float.toString(dampening), "nesterov",
                Boolean.toString(nesterov), "weight_decay", Float.toString(weightDecay));
    }
}
