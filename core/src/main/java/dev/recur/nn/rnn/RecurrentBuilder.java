package dev.recur.nn.rnn;

import dev.recur.backend.Backend;
import dev.recur.backend.Backends;
import dev.recur.nn.Init;

/**
 * The constructor arguments that {@link Rnn}, {@link Lstm} and {@link Gru} share, with PyTorch's defaults:
 * {@code num_layers=1, bias=True, batch_first=False, bidirectional=False}.
 *
 * @param <S> the concrete builder
 * @param <L> the layer it builds
 */
public abstract class RecurrentBuilder<S extends RecurrentBuilder<S, L>, L extends RecurrentLayer> {
    final int inputSize;
    final int hiddenSize;
    int numLayers = 1;
    boolean bias = true;
    boolean batchFirst;
    boolean bidirectional;
    Long seed;

    RecurrentBuilder(int inputSize, int hiddenSize) {
        this.inputSize = inputSize;
        this.hiddenSize = hiddenSize;
    }

    @SuppressWarnings("unchecked")
    private S self() {
        return (S) this;
    }

    /** L, stacked layers (default 1). */
    public S numLayers(int numLayers) {
        this.numLayers = numLayers;
        return self();
    }

    /** Whether bias_ih and bias_hh exist (default true). */
    public S bias(boolean bias) {
        this.bias = bias;
        return self();
    }

    /** Input and output as {@code [B, T, F]} (default false: {@code [T, B, F]}). */
    public S batchFirst(boolean batchFirst) {
        this.batchFirst = batchFirst;
        return self();
    }

    /** Two directions, outputs concatenated {@code [forward | reverse]} (default false). */
    public S bidirectional(boolean bidirectional) {
        this.bidirectional = bidirectional;
        return self();
    }

    /** Seed of the initial weights (default: a fresh seed per layer). */
    public S seed(long seed) {
        this.seed = seed;
        return self();
    }

    long seedOrNext() {
        return seed != null ? seed : Init.nextSeed();
    }

    /** Builds the layer on the given backend. */
    public abstract L build(Backend backend);

    /** Builds the layer on {@link Backends#get()}. */
    public L build() {
        return build(Backends.get());
    }
}
