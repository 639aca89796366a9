package dev.recur.train;

/**
 * A learning rate per step (step 0 is the first update): {@link #constant}, {@link #step} decay,
 * {@link #cosine} annealing, each optionally behind a {@link #withWarmup linear warm-up}.
 */
@FunctionalInterface
public interface LrSchedule {
    /** The learning rate for the given step. */
    double at(long step);

    /** Always {@code lr}. */
    static LrSchedule constant(double lr) {
        return s -> lr;
    }

    /** {@code lr * gamma^(step / stepSize)}, as {@code torch.optim.lr_scheduler.StepLR}. */
    static LrSchedule step(double lr, long stepSize, double gamma) {
        if (stepSize <= 0) {
            throw new IllegalArgumentException("step_lr: step_size must be > 0, got " + stepSize);
        }
        return s -> lr * Math.pow(gamma, Math.floorDiv(s, stepSize));
    }

    /** From {@code lr} down to {@code minLr} along half a cosine over {@code totalSteps}, then {@code minLr}. */
    static LrSchedule cosine(double lr, double minLr, long totalSteps) {
        if (totalSteps <= 0) {
            throw new IllegalArgumentException("cosine_lr: total_steps must be > 0, got " + totalSteps);
        }
        return s -> s >= totalSteps ? minLr : minLr + (lr - minLr) * 0.5 * (1 + Math.cos(Math.PI * s / totalSteps));
    }

    /** Rises linearly from {@code lr/warmupSteps} to this schedule's value over the first {@code warmupSteps}. */
    default LrSchedule withWarmup(long warmupSteps) {
        if (warmupSteps < 0) {
            throw new IllegalArgumentException("warmup: steps must be >= 0, got " + warmupSteps);
        }
        return s -> s < warmupSteps ? at(s) * (s + 1) / warmupSteps : at(s);
    }
}
