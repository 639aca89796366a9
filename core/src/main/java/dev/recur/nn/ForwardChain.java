package dev.recur.nn;

import dev.recur.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * Forwards applied one after another, each to the previous one's output, as one {@link Forward}: backward
 * runs them in reverse. Closing closes every step.
 * <pre>{@code
 * Forward ff = new ForwardChain(linear1.forward(x))
 *         .then(h -> Functions.activation(Activation.RELU, h))
 *         .then(linear2::forward);
 * }</pre>
 */
public final class ForwardChain implements Forward {
    private final List<Forward> steps = new ArrayList<>();

    /** A chain starting with {@code first}. */
    public ForwardChain(Forward first) {
        steps.add(first);
    }

    /** Appends {@code next} applied to the current output. */
    public ForwardChain then(Function<Tensor, Forward> next) {
        steps.add(next.apply(output()));
        return this;
    }

    @Override
    public Tensor output() {
        return steps.get(steps.size() - 1).output();
    }

    @Override
    public Tensor backward(Tensor dOutput) {
        Tensor d = dOutput;
        for (int i = steps.size() - 1; i >= 0; i--) {
            Tensor next = steps.get(i).backward(d);
            if (d != dOutput) {
                d.close();
            }
            d = next;
        }
        return d;
    }

    @Override
    public void close() {
        for (int i = steps.size() - 1; i >= 0; i--) {
            steps.get(i).close();
        }
    }
}
