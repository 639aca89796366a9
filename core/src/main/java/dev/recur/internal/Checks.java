package dev.recur.internal;

import dev.recur.RecurConfig;
import dev.recur.backend.Backend;
import dev.recur.tensor.DType;
import dev.recur.tensor.Shapes;
import dev.recur.tensor.Tensor;
import java.util.Locale;

/**
 * Argument checks for the public facade. Every message names the op, the argument, what was expected and
 * what was found: {@code "lstm: h0 must be [L*D, B, Hout] = [2, 3, 4], got [2, 3, 5]"}.
 */
public final class Checks {
    private Checks() {
    }

    /** Fails unless {@code t} is a live F32 tensor of {@code backend} with exactly the expected shape. */
    public static void tensor(String op, String arg, Tensor t, Backend backend, String symbolic, int... expected) {
        live(op, arg, t, backend);
        if (t.dtype() != DType.F32) {
            throw new IllegalArgumentException(String.format(Locale.ROOT, "%s: %s must be F32, got %s", op, arg,
                    t.dtype()));
        }
        if (!t.hasShape(expected)) {
            throw new IllegalArgumentException(String.format(Locale.ROOT, "%s: %s must be %s = %s, got %s", op, arg,
                    symbolic, Shapes.toString(expected), Shapes.toString(t.shape())));
        }
        finite(op, arg, t);
    }

    /** Fails unless {@code t} is non-null, open, and belongs to {@code backend}. */
    public static void live(String op, String arg, Tensor t, Backend backend) {
        if (t == null) {
            throw new IllegalArgumentException(op + ": " + arg + " must be a tensor, got null");
        }
        if (t.isClosed()) {
            throw new IllegalStateException(op + ": " + arg + " must be open, got a closed tensor " + t);
        }
        if (t.backend() != backend) {
            throw new IllegalArgumentException(String.format(Locale.ROOT,
                    "%s: %s must be on the layer's backend %s, got a tensor on %s", op, arg, backend.name(),
                    t.backend().name()));
        }
    }

    /** When {@link RecurConfig#checkFinite()} is on, fails if {@code t} holds NaN or infinity. */
    public static void finite(String op, String arg, Tensor t) {
        if (!RecurConfig.checkFinite()) {
            return;
        }
        long bad = t.backend().firstNonFinite(t);
        if (bad >= 0) {
            float value = t.toFloatArray()[(int) bad];
            throw new IllegalArgumentException(String.format(Locale.ROOT,
                    "%s: %s must be finite (recur.checkFinite is on), got %s at index %s of shape %s", op, arg,
                    value, Shapes.toString(unravel(bad, t.shape())), Shapes.toString(t.shape())));
        }
    }

    /**
     * Checks per-sequence lengths: {@code B} entries, each in {@code [1, T]}.
     *
     * @return the lengths as ints
     */
    public static int[] lengths(String op, long[] lengths, int steps, int batch) {
        if (lengths.length != batch) {
            throw new IllegalArgumentException(String.format(Locale.ROOT,
                    "%s: lengths must have B = %d entries (one per sequence), got %d", op, batch, lengths.length));
        }
        int[] out = new int[batch];
        for (int b = 0; b < batch; b++) {
            if (lengths[b] < 1 || lengths[b] > steps) {
                throw new IllegalArgumentException(String.format(Locale.ROOT,
                        "%s: lengths[%d] must be in [1, T] = [1, %d], got %d", op, b, steps, lengths[b]));
            }
            out[b] = (int) lengths[b];
        }
        return out;
    }

    private static int[] unravel(long index, int[] shape) {
        int[] out = new int[shape.length];
        for (int i = shape.length - 1; i >= 0; i--) {
            out[i] = (int) (index % shape[i]);
            index /= shape[i];
        }
        return out;
    }
}
