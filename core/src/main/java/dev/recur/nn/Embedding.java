package dev.recur.nn;

import dev.recur.backend.Backend;
import dev.recur.internal.Checks;
import dev.recur.tensor.DType;
import dev.recur.tensor.Tensor;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * A lookup table, as {@code torch.nn.Embedding(num_embeddings, embedding_dim)}: {@code weight [V, E]} drawn
 * from N(0, 1); ids I64 {@code [...]}, each in {@code [0, V)} → {@code [..., E]}. Backward scatter-adds into
 * the rows that were looked up.
 */
public final class Embedding extends Module {
    private final int count;
    private final int dim;
    private final Parameter weight;

    /** A table of {@code count} rows of {@code dim} features from the seed. */
    public Embedding(Backend backend, int count, int dim, long seed) {
        super(backend, "embedding");
        if (count <= 0 || dim <= 0) {
            throw new IllegalArgumentException(String.format(Locale.ROOT,
                    "embedding: num_embeddings and embedding_dim must be > 0, got %d and %d", count, dim));
        }
        this.count = count;
        this.dim = dim;
        SplittableRandom random = new SplittableRandom(seed);
        float[] values = new float[Math.multiplyExact(count, dim)];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) gaussian(random);
        }
        this.weight = register("weight", "[V, E]", backend.fromFloats(values, count, dim));
    }

    /** V. */
    public int count() {
        return count;
    }

    /** E. */
    public int dim() {
        return dim;
    }

    /** The table {@code [V, E]}. */
    public Parameter weight() {
        return weight;
    }

    /**
     * Looks up ids.
     *
     * @param ids I64 {@code [...]}, each in {@code [0, V)}
     * @return {@code [..., E]}; its backward returns null (ids have no gradient)
     */
    public Forward forward(Tensor ids) {
        Checks.live(opName(), "ids", ids, backend());
        if (ids.dtype() != DType.I64) {
            throw new IllegalArgumentException("embedding: ids must be I64, got " + ids.dtype());
        }
        long[] values = ids.toLongArray();
        for (int i = 0; i < values.length; i++) {
            if (values[i] < 0 || values[i] >= count) {
                throw new IllegalArgumentException(String.format(Locale.ROOT,
                        "embedding: ids must be in [0, num_embeddings) = [0, %d), got %d at index %d", count,
                        values[i], i));
            }
        }
        int n = Math.toIntExact(ids.numel());
        int[] outShape = java.util.Arrays.copyOf(ids.shape(), ids.rank() + 1);
        outShape[ids.rank()] = dim;
        Backend be = backend();
        Tensor out = be.zeros(DType.F32, outShape);
        Tensor flatIds = ids.reshape(n);
        be.embeddingForward(flatIds, weight.value(), out.reshape(n, dim));
        return new AbstractForward(opName(), out) {
            @Override
            protected Tensor backwardChecked(Tensor dOutput) {
                be.embeddingBackward(flatIds, dOutput.reshape(n, dim), weight.grad());
                return null;
            }
        };
    }

    private static double gaussian(SplittableRandom r) {
        // Box–Muller; SplittableRandom has no nextGaussian on Java 17.
        double u = 1 - r.nextDouble();
        double v = r.nextDouble();
        return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    }
}
