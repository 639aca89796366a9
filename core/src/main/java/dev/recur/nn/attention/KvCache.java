package dev.recur.nn.attention;

import dev.recur.backend.Backend;
import dev.recur.tensor.DType;
import dev.recur.tensor.Tensor;

/**
 * The keys and values of the tokens decoded so far, for one attention layer: {@code k, v [B, maxLen, E]},
 * of which the first {@link #length()} positions are filled. Decoding token t then costs one query against
 * t cached keys instead of a forward over the whole prefix.
 */
public final class KvCache implements AutoCloseable {
    final Tensor keys;
    final Tensor values;
    final int batch;
    final int capacity;
    final int dim;
    int length;

    KvCache(Backend backend, int batch, int capacity, int dim) {
        if (batch <= 0 || capacity <= 0) {
            throw new IllegalArgumentException(String.format(java.util.Locale.ROOT,
                    "kv_cache: batch and max_len must be > 0, got %d and %d", batch, capacity));
        }
        this.keys = backend.zeros(DType.F32, batch, capacity, dim);
        this.values = backend.zeros(DType.F32, batch, capacity, dim);
        this.batch = batch;
        this.capacity = capacity;
        this.dim = dim;
    }

    /** Tokens cached so far. */
    public int length() {
        return length;
    }

    /** The most tokens this cache holds. */
    public int capacity() {
        return capacity;
    }

    /** Forgets every cached token (keeps the memory). */
    public void clear() {
        length = 0;
    }

    /** {@code [1, length, E]} view of batch element b's first {@code n} keys or values. */
    Tensor prefix(Tensor store, int b, int n) {
        return store.slice(b, b + 1).reshape(capacity, dim).slice(0, n).reshape(1, n, dim);
    }

    /** {@code [1, E]} view of batch element b's slot at position {@code pos}. */
    Tensor slot(Tensor store, int b, int pos) {
        return store.slice(b, b + 1).reshape(capacity, dim).slice(pos, pos + 1);
    }

    @Override
    public void close() {
        keys.close();
        values.close();
    }
}
