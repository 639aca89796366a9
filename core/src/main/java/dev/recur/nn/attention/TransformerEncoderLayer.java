package dev.recur.nn.attention;

import dev.recur.autograd.GradMode;
import dev.recur.backend.Activation;
import dev.recur.backend.AttentionMask;
import dev.recur.backend.Backend;
import dev.recur.nn.AbstractForward;
import dev.recur.nn.Forward;
import dev.recur.nn.ForwardChain;
import dev.recur.nn.Functions;
import dev.recur.nn.Init;
import dev.recur.nn.LayerNorm;
import dev.recur.nn.Linear;
import dev.recur.nn.Module;
import dev.recur.tensor.Tensor;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * One transformer encoder layer, as {@code torch.nn.TransformerEncoderLayer(d_model, nhead,
 * dim_feedforward=2048, dropout=0.1, activation=relu, layer_norm_eps=1e-5, batch_first=True,
 * norm_first=False)}:
 * <pre>
 * SA(x) = dropout1(self_attn(x))                 FF(x) = dropout2(linear2(dropout(act(linear1(x)))))
 * norm_first = false:  x1 = norm1(x + SA(x));   out = norm2(x1 + FF(x1))
 * norm_first = true:   x1 = x + SA(norm1(x));   out = x1 + FF(norm2(x1))
 * </pre>
 * Parameters: {@code self_attn.*} ({@link MultiHeadAttention}), {@code linear1.* [F, E]}, {@code linear2.* [E, F]},
 * {@code norm1.*, norm2.* [E]}. x {@code [B, T, E]}. Dropout applies in training mode only ({@link #train}).
 */
public final class TransformerEncoderLayer extends Module {
    private final MultiHeadAttention selfAttn;
    private final Linear linear1;
    private final Linear linear2;
    private final LayerNorm norm1;
    private final LayerNorm norm2;
    private final Activation activation;
    private final boolean normFirst;
    private final float dropout;
    private final SplittableRandom dropoutSeeds;

    private TransformerEncoderLayer(Backend backend, Builder b) {
        super(backend, "transformer_encoder_layer");
        if (b.activation != Activation.RELU && b.activation != Activation.GELU) {
            throw new IllegalArgumentException("transformer_encoder_layer: activation must be relu or gelu, got "
                    + b.activation);
        }
        if (!(b.dropout >= 0 && b.dropout < 1)) {
            throw new IllegalArgumentException("transformer_encoder_layer: dropout must be in [0, 1), got " + b.dropout);
        }
        if (b.dimFeedforward <= 0) {
            throw new IllegalArgumentException("transformer_encoder_layer: dim_feedforward must be > 0, got "
                    + b.dimFeedforward);
        }
        SplittableRandom random = new SplittableRandom(b.seed != null ? b.seed : Init.nextSeed());
        this.selfAttn = registerChild("self_attn",
                new MultiHeadAttention(backend, b.dModel, b.nhead, b.bias, random.nextLong()));
        this.linear1 = registerChild("linear1", new Linear(backend, b.dModel, b.dimFeedforward, b.bias, random.nextLong()));
        this.linear2 = registerChild("linear2", new Linear(backend, b.dimFeedforward, b.dModel, b.bias, random.nextLong()));
        this.norm1 = registerChild("norm1", new LayerNorm(backend, b.dModel, b.layerNormEps));
        this.norm2 = registerChild("norm2", new LayerNorm(backend, b.dModel, b.layerNormEps));
        this.activation = b.activation;
        this.normFirst = b.normFirst;
        this.dropout = b.dropout;
        this.dropoutSeeds = new SplittableRandom(random.nextLong());
    }

    /** A builder with PyTorch's defaults (dim_feedforward 2048, dropout 0.1, relu, eps 1e-5, post-norm). */
    public static Builder builder(int dModel, int nhead) {
        return new Builder(dModel, nhead);
    }

    /** d_model (E). */
    public int dModel() {
        return selfAttn.embedDim();
    }

    /** The self-attention block. */
    public MultiHeadAttention selfAttention() {
        return selfAttn;
    }

    /**
     * Runs the layer.
     *
     * @param x    {@code [B, T, E]}
     * @param mask the self-attention mask (causal, attn_mask, key padding)
     */
    public Forward forward(Tensor x, AttentionMask mask) {
        return normFirst ? preNorm(x, mask) : postNorm(x, mask);
    }

    /** x1 = norm1(x + SA(x)); out = norm2(x1 + FF(x1)). */
    private Forward postNorm(Tensor x, AttentionMask mask) {
        Forward sa = selfAttentionBlock(x, mask, isTraining());
        Tensor s1 = Functions.add(x, sa.output());
        Forward n1 = norm1.forward(s1);
        Tensor x1 = n1.output();
        Forward ff = feedForwardBlock(x1, isTraining());
        Tensor s2 = Functions.add(x1, ff.output());
        Forward n2 = norm2.forward(s2);
        AbstractForward out = new AbstractForward(opName(), copyOf(n2.output())) {
            @Override
            protected Tensor backwardChecked(Tensor dOut) {
                try (Tensor ds2 = n2.backward(dOut); Tensor dx1 = ff.backward(ds2)) {
                    dx1.backend().axpy(1f, ds2, dx1); // x1 reaches s2 directly and through FF
                    try (Tensor ds1 = n1.backward(dx1); Tensor dx = sa.backward(ds1)) {
                        return Functions.add(dx, ds1); // x reaches s1 directly and through SA
                    }
                }
            }
        };
        for (AutoCloseable c : new AutoCloseable[] {sa, s1, n1, ff, s2, n2}) {
            out.own(c);
        }
        return out;
    }

    /** x1 = x + SA(norm1(x)); out = x1 + FF(norm2(x1)). */
    private Forward preNorm(Tensor x, AttentionMask mask) {
        Forward n1 = norm1.forward(x);
        Forward sa = selfAttentionBlock(n1.output(), mask, isTraining());
        Tensor x1 = Functions.add(x, sa.output());
        Forward n2 = norm2.forward(x1);
        Forward ff = feedForwardBlock(n2.output(), isTraining());
        AbstractForward out = new AbstractForward(opName(), Functions.add(x1, ff.output())) {
            @Override
            protected Tensor backwardChecked(Tensor dOut) {
                try (Tensor dn2 = ff.backward(dOut); Tensor dx1 = n2.backward(dn2)) {
                    dx1.backend().axpy(1f, dOut, dx1); // out = x1 + FF(norm2(x1))
                    try (Tensor dn1 = sa.backward(dx1); Tensor dx = n1.backward(dn1)) {
                        return Functions.add(dx, dx1); // x1 = x + SA(norm1(x))
                    }
                }
            }
        };
        for (AutoCloseable c : new AutoCloseable[] {n1, sa, x1, n2, ff}) {
            out.own(c);
        }
        return out;
    }

    /** SA(x) = dropout1(self_attn(x)). */
    private Forward selfAttentionBlock(Tensor x, AttentionMask mask, boolean train) {
        return new ForwardChain(selfAttn.forward(x, mask, false))
                .then(h -> Functions.dropout(h, dropout, train, dropoutSeeds));
    }

    /** FF(x) = dropout2(linear2(dropout(act(linear1(x))))). */
    private Forward feedForwardBlock(Tensor x, boolean train) {
        return new ForwardChain(linear1.forward(x))
                .then(h -> Functions.activation(activation, h))
                .then(h -> Functions.dropout(h, dropout, train, dropoutSeeds))
                .then(linear2::forward)
                .then(h -> Functions.dropout(h, dropout, train, dropoutSeeds));
    }

    private static Tensor copyOf(Tensor t) {
        Tensor c = t.backend().empty(t.dtype(), t.shape());
        t.backend().copy(t, c);
        return c;
    }

    /** A cache for {@link #decode} of up to {@code maxLen} tokens. */
    public KvCache newCache(int batch, int maxLen) {
        return selfAttn.newCache(batch, maxLen);
    }

    /**
     * One new token per sequence through this layer of a causal stack (inference): the same result as row t
     * of a causal {@link #forward} in evaluation mode (no dropout), at the cost of one query against the
     * cached keys.
     *
     * @param x {@code [B, 1, E]}, the token at position {@code cache.length()}
     * @return {@code [B, 1, E]}, a new tensor
     */
    public Tensor decode(Tensor x, KvCache cache) {
        try (GradMode.Scope s = GradMode.disable()) {
            if (normFirst) {
                try (Forward n1 = norm1.forward(x); Tensor sa = selfAttn.decode(n1.output(), cache);
                     Tensor x1 = Functions.add(x, sa); Forward n2 = norm2.forward(x1);
                     Forward ff = feedForwardBlock(n2.output(), false)) {
                    return Functions.add(x1, ff.output());
                }
            }
            try (Tensor sa = selfAttn.decode(x, cache); Tensor s1 = Functions.add(x, sa);
                 Forward n1 = norm1.forward(s1); Forward ff = feedForwardBlock(n1.output(), false);
                 Tensor s2 = Functions.add(n1.output(), ff.output()); Forward n2 = norm2.forward(s2)) {
                return copyOf(n2.output());
            }
        }
    }

    /** Arguments of a {@link TransformerEncoderLayer}, with PyTorch's defaults. */
    public static final class Builder {
        final int dModel;
        final int nhead;
        int dimFeedforward = 2048;
        float dropout = 0.1f;
        Activation activation = Activation.RELU;
        float layerNormEps = 1e-5f;
        boolean normFirst;
        boolean bias = true;
        Long seed;

        Builder(int dModel, int nhead) {
            this.dModel = dModel;
            this.nhead = nhead;
        }

        /** Width of the feed-forward block (default 2048). */
        public Builder dimFeedforward(int f) {
            this.dimFeedforward = f;
            return this;
        }

        /** Dropout probability in training mode (default 0.1). */
        public Builder dropout(float p) {
            this.dropout = p;
            return this;
        }

        /** "relu" (default) or "gelu" (exact erf form). */
        public Builder activation(String name) {
            this.activation = switch (name.toLowerCase(Locale.ROOT)) {
                case "relu" -> Activation.RELU;
                case "gelu" -> Activation.GELU;
                default -> throw new IllegalArgumentException(
                        "transformer_encoder_layer: activation must be \"relu\" or \"gelu\", got \"" + name + "\"");
            };
            return this;
        }

        /** LayerNorm epsilon (default 1e-5). */
        public Builder layerNormEps(float eps) {
            this.layerNormEps = eps;
            return this;
        }

        /** Pre-norm when true (default false: post-norm). */
        public Builder normFirst(boolean normFirst) {
            this.normFirst = normFirst;
            return this;
        }

        /** Biases in the linear and attention projections (default true). */
        public Builder bias(boolean bias) {
            this.bias = bias;
            return this;
        }

        /** Seed of the initial weights. */
        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        /** Builds the layer. */
        public TransformerEncoderLayer build(Backend backend) {
            return new TransformerEncoderLayer(backend, this);
        }
    }
}
