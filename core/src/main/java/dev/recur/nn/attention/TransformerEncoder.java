package dev.recur.nn.attention;

import dev.recur.backend.AttentionMask;
import dev.recur.backend.Backend;
import dev.recur.nn.Forward;
import dev.recur.nn.ForwardChain;
import dev.recur.nn.Init;
import dev.recur.nn.Module;
import dev.recur.tensor.Tensor;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A stack of {@link TransformerEncoderLayer}s, as {@code torch.nn.TransformerEncoder(layer, num_layers)}
 * (parameters {@code layers.0.*}, {@code layers.1.*}, ...). With a causal mask it is a decoder-only stack, and
 * {@link #decode} generates token by token with one {@link KvCache} per layer.
 */
public final class TransformerEncoder extends Module {
    private final List<TransformerEncoderLayer> layers = new ArrayList<>();

    /**
     * @param layer     the arguments of every layer (each gets its own weights)
     * @param numLayers how many layers
     * @param seed      seed of the initial weights
     */
    public TransformerEncoder(Backend backend, TransformerEncoderLayer.Builder layer, int numLayers, long seed) {
        super(backend, "transformer_encoder");
        if (numLayers <= 0) {
            throw new IllegalArgumentException("transformer_encoder: num_layers must be > 0, got " + numLayers);
        }
        SplittableRandom random = new SplittableRandom(seed);
        for (int l = 0; l < numLayers; l++) {
            layers.add(registerChild("layers." + l, layer.seed(random.nextLong()).build(backend)));
        }
    }

    /** A stack with a fresh seed. */
    public TransformerEncoder(Backend backend, TransformerEncoderLayer.Builder layer, int numLayers) {
        this(backend, layer, numLayers, Init.nextSeed());
    }

    /** The layers, bottom first. */
    public List<TransformerEncoderLayer> layers() {
        return Collections.unmodifiableList(layers);
    }

    /** Runs every layer with the same mask: x {@code [B, T, E]} → {@code [B, T, E]}. */
    public Forward forward(Tensor x, AttentionMask mask) {
        ForwardChain chain = new ForwardChain(layers.get(0).forward(x, mask));
        for (int l = 1; l < layers.size(); l++) {
            TransformerEncoderLayer layer = layers.get(l);
            chain.then(h -> layer.forward(h, mask));
        }
        return chain;
    }

    /** One cache per layer for {@link #decode}. */
    public List<KvCache> newCaches(int batch, int maxLen) {
        List<KvCache> caches = new ArrayList<>();
        for (TransformerEncoderLayer layer : layers) {
            caches.add(layer.newCache(batch, maxLen));
        }
        return caches;
    }

    /**
     * One new token per sequence through the causal stack (inference).
     *
     * @param x      {@code [B, 1, E]}, the token at position {@code caches.get(0).length()}
     * @param caches from {@link #newCaches}
     * @return {@code [B, 1, E]}, a new tensor
     */
    public Tensor decode(Tensor x, List<KvCache> caches) {
        if (caches.size() != layers.size()) {
            throw new IllegalArgumentException("transformer_encoder: caches must have one entry per layer = "
                    + layers.size() + ", got " + caches.size());
        }
        Tensor h = x;
        for (int l = 0; l < layers.size(); l++) {
            Tensor next = layers.get(l).decode(h, caches.get(l));
            if (h != x) {
                h.close();
            }
            h = next;
        }
        return h;
    }
}
