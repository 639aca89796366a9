package dev.recur.nn.attention;

import dev.recur.backend.Backend;
import dev.recur.internal.Checks;
import dev.recur.nn.AbstractForward;
import dev.recur.nn.Forward;
import dev.recur.nn.Module;
import dev.recur.nn.Parameter;
import dev.recur.tensor.DType;
import dev.recur.tensor.Shapes;
import dev.recur.tensor.Tensor;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Adds a position table {@code [maxLen, E]} to a batch: {@code y[b, t, :] = x[b, t, :] + table[offset + t, :]}.
 * Two kinds: {@link #sinusoidal} (fixed, "Attention Is All You Need":
 * {@code PE[p, 2i] = sin(p / 10000^(2i/E))}, {@code PE[p, 2i+1] = cos(p / 10000^(2i/E))}) and {@link #learned}
 * (a parameter {@code weight [maxLen, E]} drawn from N(0, 0.02²)).
 */
public final class PositionalEncoding extends Module {
    private final int maxLen;
    private final int dim;
    private final Tensor table;
    private final Parameter weight; // null when fixed

    private PositionalEncoding(Backend backend, int maxLen, int dim, float[] values, boolean learned) {
        super(backend, "positional_encoding");
        this.maxLen = maxLen;
        this.dim = dim;
        Tensor t = backend.fromFloats(values, maxLen, dim);
        this.weight = learned ? register("weight", "[max_len, E]", t) : null;
        this.table = t;
    }

    /** The fixed sinusoidal table. */
    public static PositionalEncoding sinusoidal(Backend backend, int maxLen, int dim) {
        checkSizes(maxLen, dim);
        float[] v = new float[maxLen * dim];
        for (int p = 0; p < maxLen; p++) {
            for (int i = 0; i < dim; i++) {
                double angle = p / Math.pow(10000, (double) (i - i % 2) / dim);
                v[p * dim + i] = (float) (i % 2 == 0 ? Math.sin(angle) : Math.cos(angle));
            }
        }
        return new PositionalEncoding(backend, maxLen, dim, v, false);
    }

    /** A learned table, initialised from N(0, 0.02²) with the seed. */
    public static PositionalEncoding learned(Backend backend, int maxLen, int dim, long seed) {
        checkSizes(maxLen, dim);
        SplittableRandom r = new SplittableRandom(seed);
        float[] v = new float[maxLen * dim];
        for (int i = 0; i < v.length; i++) {
            double u = 1 - r.nextDouble();
            v[i] = (float) (0.02 * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * r.nextDouble()));
        }
        return new PositionalEncoding(backend, maxLen, dim, v, true);
    }

    /** The table {@code [maxLen, E]}. */
    public Tensor table() {
        return table;
    }

    /** Adds positions {@code 0..T-1}: x {@code [B, T, E]}. */
    public Forward forward(Tensor x) {
        return forward(x, 0);
    }

    /**
     * Adds positions {@code offset..offset+T-1} (a decoding step passes its position).
     *
     * @throws IllegalArgumentException if x is not {@code [B, T, E]} or the positions pass max_len
     */
    public Forward forward(Tensor x, int offset) {
        Checks.live(opName(), "input", x, backend());
        if (x.rank() != 3 || x.dim(2) != dim) {
            throw new IllegalArgumentException(String.format(Locale.ROOT,
                    "positional_encoding: input must be [B, T, E] with E = %d (the table's width), got %s", dim,
                    Shapes.toString(x.shape())));
        }
        int batch = x.dim(0);
        int steps = x.dim(1);
        if (offset < 0 || offset + steps > maxLen) {
            throw new IllegalArgumentException(String.format(Locale.ROOT,
                    "positional_encoding: positions must lie in [0, max_len) = [0, %d), got %d..%d", maxLen, offset,
                    offset + steps - 1));
        }
        Backend be = backend();
        Tensor rows = table.slice(offset, offset + steps).reshape(steps * dim);
        Tensor y = be.zeros(DType.F32, x.shape());
        be.copy(x, y);
        be.addRowVector(y.reshape(batch, steps * dim), rows);
        return new AbstractForward(opName(), y) {
            @Override
            protected Tensor backwardChecked(Tensor dOutput) {
                if (weight != null) {
                    be.sumRowsInto(dOutput.reshape(batch, steps * dim),
                            weight.grad().slice(offset, offset + steps).reshape(steps * dim));
                }
                Tensor dx = be.zeros(DType.F32, x.shape());
                be.copy(dOutput, dx);
                return dx;
            }
        };
    }

    @Override
    public void close() {
        super.close();
        table.close();
    }

    private static void checkSizes(int maxLen, int dim) {
        if (maxLen <= 0 || dim <= 0) {
            throw new IllegalArgumentException(String.format(Locale.ROOT,
                    "positional_encoding: max_len and E must be > 0, got %d and %d", maxLen, dim));
        }
    }
}
