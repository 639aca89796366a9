package dev.recur.nn.attention;

import dev.recur.autograd.GradMode;
import dev.recur.backend.AttentionMask;
import dev.recur.backend.Backend;
import dev.recur.internal.Checks;
import dev.recur.nn.Init;
import dev.recur.nn.Linear;
import dev.recur.nn.Module;
import dev.recur.nn.Parameter;
import dev.recur.tensor.DType;
import dev.recur.tensor.Shapes;
import dev.recur.tensor.Tensor;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Multi-head self-attention, as {@code torch.nn.MultiheadAttention(embed_dim, num_heads, bias=True,
 * batch_first=True)} called with query = key = value = x:
 * <pre>
 * q, k, v = x W_q^T + b_q, x W_k^T + b_k, x W_v^T + b_v      in_proj_weight = [W_q; W_k; W_v] [3E, E]
 * A_h     = softmax_over_keys(q_h k_h^T / sqrt(Dh) + mask)     head h: features h*Dh:(h+1)*Dh, Dh = E/NH
 * output  = concat_h(A_h v_h) out_proj.weight^T + out_proj.bias
 * </pre>
 * Parameters (PyTorch's names and initialisation): {@code in_proj_weight [3E, E]} (Xavier uniform),
 * {@code in_proj_bias [3E]} (0), {@code out_proj.weight [E, E]}, {@code out_proj.bias [E]} (0).
 * x {@code [B, T, E]}. {@link #decode} runs one new token against a {@link KvCache}.
 */
public final class MultiHeadAttention extends Module {
    private final int embedDim;
    private final int heads;
    private final Parameter inProjWeight;
    private final Parameter inProjBias;
    private final Linear outProj;

    /**
     * @throws IllegalArgumentException if {@code embedDim} is not divisible by {@code numHeads}
     */
    public MultiHeadAttention(Backend backend, int embedDim, int numHeads, boolean bias, long seed) {
        super(backend, "mha");
        if (embedDim <= 0 || numHeads <= 0 || embedDim % numHeads != 0) {
            throw new IllegalArgumentException(String.format(Locale.ROOT,
                    "mha: embed_dim must be a positive multiple of num_heads, got embed_dim = %d, num_heads = %d",
                    embedDim, numHeads));
        }
        this.embedDim = embedDim;
        this.heads = numHeads;
        SplittableRandom random = new SplittableRandom(seed);
        float xavier = (float) Math.sqrt(6.0 / (embedDim + 3 * embedDim));
        this.inProjWeight = register("in_proj_weight", "[3E, E]",
                Init.uniform(backend, random, xavier, 3 * embedDim, embedDim));
        this.inProjBias = bias ? register("in_proj_bias", "[3E]", backend.zeros(DType.F32, 3 * embedDim)) : null;
        this.outProj = registerChild("out_proj", new Linear(backend, embedDim, embedDim, bias, random.nextLong()));
        Parameter outBias = outProj.parameter("bias");
        if (outBias != null) {
            try (Tensor zero = backend.zeros(DType.F32, embedDim)) {
                backend.copy(zero, outBias.value());
            }
        }
    }

    /** E. */
    public int embedDim() {
        return embedDim;
    }

    /** NH. */
    public int numHeads() {
        return heads;
    }

    /**
     * Self-attention with PyTorch's masks.
     *
     * @param x              {@code [B, T, E]}
     * @param attnMask       I64 {@code [T, T]}, 1 = query i may not attend to key j; or null
     * @param keyPaddingMask I64 {@code [B, T]}, 1 = key j of batch b is padding; or null
     * @param isCausal       also bar every key after the query
     * @param needWeights    also return the weights averaged over heads
     * @throws IllegalArgumentException for a mis-shaped input or mask, or a query row with every key masked
     */
    public AttentionForward forward(Tensor x, Tensor attnMask, Tensor keyPaddingMask, boolean isCausal,
                                    boolean needWeights) {
        int[] bt = checkInput(x);
        return forward(x, maskOf(attnMask, keyPaddingMask, isCausal, bt[0], bt[1]), needWeights);
    }

    /**
     * PyTorch's mask tensors as an {@link AttentionMask} for a batch of {@code batch} sequences of
     * {@code steps} tokens.
     *
     * @param attnMask       I64 {@code [T, T]}, 1 = masked; or null
     * @param keyPaddingMask I64 {@code [B, T]}, 1 = padding; or null
     * @throws IllegalArgumentException naming a mask of the wrong type or shape
     */
    public AttentionMask maskOf(Tensor attnMask, Tensor keyPaddingMask, boolean isCausal, int batch, int steps) {
        boolean[] attn = attnMask == null ? null : mask("attn_mask", attnMask, "[T, T]", steps, steps);
        boolean[] pad = keyPaddingMask == null ? null
                : mask("key_padding_mask", keyPaddingMask, "[B, T]", batch, steps);
        return new AttentionMask(isCausal, attn, pad);
    }

    /** Self-attention with a host-side mask ({@link AttentionMask}). */
    public AttentionForward forward(Tensor x, AttentionMask mask, boolean needWeights) {
        int[] bt = checkInput(x);
        int batch = bt[0];
        int steps = bt[1];
        int e = embedDim;
        mask.checkEveryRowHasAKey(opName(), batch, steps, steps);
        Backend be = backend();
        int rows = batch * steps;
        Tensor x2 = x.reshape(rows, e);
        Tensor[] qkv = new Tensor[3];
        for (int p = 0; p < 3; p++) {
            qkv[p] = be.empty(DType.F32, batch, steps, e); // a GEMM with beta = 0 writes it
            project(p, x2, qkv[p].reshape(rows, e));
        }
        boolean keep = GradMode.isEnabled();
        Tensor ctx = be.zeros(DType.F32, batch, steps, e);
        Tensor lse = keep ? be.zeros(DType.F32, batch, heads, steps) : null;
        Tensor weights = needWeights ? be.zeros(DType.F32, batch, steps, steps) : null;
        be.attentionForward(qkv[0], qkv[1], qkv[2], heads, mask, ctx, lse, weights);
        Tensor out = be.empty(DType.F32, batch, steps, e);
        outProj.apply(ctx.reshape(rows, e), out.reshape(rows, e));
        AttentionForward f = new AttentionForward(out, weights) {
            @Override
            Tensor backwardBoth(Tensor dOutput, Tensor dWeights) {
                Tensor dCtx = be.zeros(DType.F32, batch, steps, e);
                outProj.applyBackward(dOutput.reshape(rows, e), ctx.reshape(rows, e), 0f, dCtx.reshape(rows, e));
                Tensor[] dQkv = new Tensor[3];
                for (int p = 0; p < 3; p++) {
                    dQkv[p] = be.zeros(DType.F32, batch, steps, e);
                }
                be.attentionBackward(qkv[0], qkv[1], qkv[2], heads, mask, ctx, lse, dCtx, dWeights, dQkv[0], dQkv[1],
                        dQkv[2]);
                dCtx.close();
                // x feeds q, k and v: d x = sum over p of dP W_p.
                Tensor dx = be.zeros(DType.F32, batch, steps, e);
                for (int p = 0; p < 3; p++) {
                    projectBackward(p, dQkv[p].reshape(rows, e), x2, dx.reshape(rows, e));
                    dQkv[p].close();
                }
                return dx;
            }
        };
        for (Tensor t : qkv) {
            f.own(t);
        }
        f.own(ctx);
        if (lse != null) {
            f.own(lse);
        }
        return f;
    }

    /** A cache for decoding up to {@code maxLen} tokens of {@code batch} sequences. */
    public KvCache newCache(int batch, int maxLen) {
        return new KvCache(backend(), batch, maxLen, embedDim);
    }

    /**
     * Causal self-attention of one new token per sequence against the cached ones (inference; keeps nothing
     * for backward). Appends the token's key and value to the cache.
     *
     * @param x {@code [B, 1, E]}: the token at position {@code cache.length()}
     * @return {@code [B, 1, E]}, a new tensor
     * @throws IllegalArgumentException if x does not fit the cache or the cache is full
     */
    public Tensor decode(Tensor x, KvCache cache) {
        int[] bt = checkInput(x);
        if (bt[1] != 1 || bt[0] != cache.batch || cache.dim != embedDim) {
            throw new IllegalArgumentException(String.format(Locale.ROOT,
                    "mha: decode input must be [B, 1, E] = [%d, 1, %d] to fit the cache, got %s", cache.batch,
                    embedDim, Shapes.toString(x.shape())));
        }
        if (cache.length >= cache.capacity) {
            throw new IllegalArgumentException(String.format(Locale.ROOT,
                    "mha: decode position must be < max_len = %d, got %d (the cache is full)", cache.capacity,
                    cache.length));
        }
        Backend be = backend();
        int batch = bt[0];
        int e = embedDim;
        int pos = cache.length;
        try (Tensor q = be.zeros(DType.F32, batch, 1, e); Tensor k = be.zeros(DType.F32, batch, e);
             Tensor v = be.zeros(DType.F32, batch, e); Tensor ctx = be.zeros(DType.F32, batch, 1, e)) {
            Tensor x2 = x.reshape(batch, e);
            project(0, x2, q.reshape(batch, e));
            project(1, x2, k);
            project(2, x2, v);
            for (int b = 0; b < batch; b++) {
                be.copy(k.slice(b, b + 1), cache.slot(cache.keys, b, pos));
                be.copy(v.slice(b, b + 1), cache.slot(cache.values, b, pos));
            }
            cache.length = pos + 1;
            // The new token sees every cached key, itself included: no mask.
            for (int b = 0; b < batch; b++) {
                be.attentionForward(q.slice(b, b + 1), cache.prefix(cache.keys, b, pos + 1),
                        cache.prefix(cache.values, b, pos + 1), heads, AttentionMask.NONE, ctx.slice(b, b + 1), null,
                        null);
            }
            Tensor out = be.zeros(DType.F32, batch, 1, e);
            outProj.apply(ctx.reshape(batch, e), out.reshape(batch, e));
            return out;
        }
    }

    /** Projection {@code p} (0 = q, 1 = k, 2 = v): {@code out = x W_p^T + b_p}; x, out {@code [N, E]}. */
    private void project(int p, Tensor x, Tensor out) {
        backend().gemm(false, true, 1f, x, block(inProjWeight.value(), p), 0f, out);
        if (inProjBias != null) {
            backend().addRowVector(out, bias(inProjBias.value(), p));
        }
    }

    /** Backward of {@link #project}: {@code dW_p += dP^T x}, {@code db_p += colsum(dP)}, {@code dx += dP W_p}. */
    private void projectBackward(int p, Tensor dP, Tensor x, Tensor dx) {
        Backend be = backend();
        be.gemm(true, false, 1f, dP, x, 1f, block(inProjWeight.grad(), p));
        if (inProjBias != null) {
            be.sumRowsInto(dP, bias(inProjBias.grad(), p));
        }
        be.gemm(false, false, 1f, dP, block(inProjWeight.value(), p), 1f, dx);
    }

    /** Rows {@code p*E:(p+1)*E} of a {@code [3E, E]} tensor. */
    private Tensor block(Tensor w, int p) {
        return w.slice(p * embedDim, (p + 1) * embedDim);
    }

    /** Elements {@code p*E:(p+1)*E} of a {@code [3E]} tensor. */
    private Tensor bias(Tensor b, int p) {
        return b.reshape(3, embedDim).slice(p, p + 1).reshape(embedDim);
    }

    private int[] checkInput(Tensor x) {
        Checks.live(opName(), "input", x, backend());
        if (x.rank() != 3 || x.dim(2) != embedDim || x.dtype() != DType.F32) {
            throw new IllegalArgumentException(String.format(Locale.ROOT,
                    "mha: input must be an F32 tensor [B, T, E] with E = embed_dim = %d, got %s %s", embedDim,
                    x.dtype(), Shapes.toString(x.shape())));
        }
        Checks.finite(opName(), "input", x);
        return new int[] {x.dim(0), x.dim(1)};
    }

    /** A 0/1 I64 mask tensor of shape [rows, cols] as booleans. */
    private boolean[] mask(String arg, Tensor m, String symbolic, int rows, int cols) {
        Checks.live(opName(), arg, m, backend());
        if (m.dtype() != DType.I64 || !m.hasShape(rows, cols)) {
            throw new IllegalArgumentException(String.format(Locale.ROOT, "mha: %s must be an I64 tensor %s = %s, got %s %s",
                    arg, symbolic, Shapes.toString(rows, cols), m.dtype(), Shapes.toString(m.shape())));
        }
        long[] v = m.toLongArray();
        boolean[] out = new boolean[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = v[i] != 0;
        }
        return out;
    }
}
