package dev.recur.nn;

import dev.recur.autograd.GradMode;
import dev.recur.internal.Checks;
import dev.recur.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;

/**
 * The common part of a {@link Forward}: the output, the tensors (and sub-forwards) it owns, whether grad mode
 * was on when it ran, and the check of the upstream gradient's shape.
 */
public abstract class AbstractForward implements Forward {
    private final String op;
    private final Tensor output;
    private final boolean differentiable;
    private final List<AutoCloseable> owned = new ArrayList<>();
    private boolean closed;

    /**
     * @param op     the op name for messages
     * @param output the output, owned by this forward
     */
    protected AbstractForward(String op, Tensor output) {
        this.op = op;
        this.output = output;
        this.differentiable = GradMode.isEnabled();
    }

    /** Whether backward may run (grad mode was on during the forward). */
    protected final boolean differentiable() {
        return differentiable;
    }

    /** Takes ownership: closed with this forward. */
    public final <T extends AutoCloseable> T own(T resource) {
        owned.add(resource);
        return resource;
    }

    @Override
    public final Tensor output() {
        return output;
    }

    @Override
    public final Tensor backward(Tensor dOutput) {
        checkBackward(dOutput);
        return backwardChecked(dOutput);
    }

    /** Fails unless backward may run with this upstream gradient (grad mode was on, open, output's shape). */
    protected final void checkBackward(Tensor dOutput) {
        if (!differentiable) {
            throw new IllegalStateException(op + ": backward needs a forward run with GradMode enabled, got one run "
                    + "with it disabled");
        }
        if (closed) {
            throw new IllegalStateException(op + ": backward needs an open forward, got a closed one");
        }
        Checks.tensor(op, "dOutput", dOutput, output.backend(), "the output's shape", output.shape());
    }

    /** Backward on a checked upstream gradient. */
    protected abstract Tensor backwardChecked(Tensor dOutput);

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        output.close();
        for (int i = owned.size() - 1; i >= 0; i--) {
            try {
                owned.get(i).close();
            } catch (Exception e) {
                throw new IllegalStateException(op + ": closing a saved value failed", e);
            }
        }
    }
}
