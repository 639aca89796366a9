package dev.recur.backend;

import dev.recur.tensor.DType;
import dev.recur.tensor.Tensor;

/**
 * The op set every backend implements: memory, a few dense primitives, fused recurrent cells and the
 * sequence-level recurrent op. Everything above it (layers, training) is backend neutral.
 *
 * <p>Conventions (shape letters as in the {@link dev.recur package legend}):
 * <ul>
 *   <li>Tensors passed to one call belong to this backend, are F32 unless said otherwise, and are
 *       contiguous row-major. Outputs are written, never allocated, unless the method returns a tensor.</li>
 *   <li>Callers (the layers) validate shapes and values and name the bad argument; backends trust their
 *       inputs and only {@code assert}.</li>
 *   <li>Backward ops write the gradients of inputs and <em>accumulate</em> ({@code +=}) into parameter
 *       gradients, so several uses of a parameter add up.</li>
 * </ul>
 * Backends are created once per process by {@link Backends} and are safe to use from several threads as
 * long as no two threads write the same tensor.
 */
public interface Backend {
    /** Short name: "cpu", "cuda". */
    String name();

    /** A few lines for bug reports: device, libraries and versions, threads. */
    String describe();

    // ---------------------------------------------------------------- memory

    /** A new tensor of zeros. */
    Tensor zeros(DType dtype, int... shape);

    /**
     * A new tensor whose elements are undefined, for an output that the op filling it writes in full (a GEMM with
     * {@code beta = 0}, a copy, an elementwise op): it saves zero-filling a block that is about to be
     * overwritten. The default returns {@link #zeros}; a backend that can skip the fill overrides it.
     */
    default Tensor empty(DType dtype, int... shape) {
        return zeros(dtype, shape);
    }

    /** A new F32 tensor holding a copy of {@code data} (row-major, {@code data.length == numel(shape)}). */
    Tensor fromFloats(float[] data, int... shape);

    /** A new I64 tensor holding a copy of {@code data}. */
    Tensor fromLongs(long[] data, int... shape);

    /** The elements of an F32 tensor, copied to the host. */
    float[] toFloatArray(Tensor t);

    /** The elements of an I64 tensor, copied to the host. */
    long[] toLongArray(Tensor t);

    /** dst = src (same dtype and number of elements). */
    void copy(Tensor src, Tensor dst);

    /** Sets every element of an F32 tensor to {@code value}. */
    void fill(Tensor t, float value);

    /** Index (row-major) of the first NaN or infinite element of an F32 tensor, or -1 if all are finite. */
    long firstNonFinite(Tensor t);

    // ---------------------------------------------------------------- dense primitives

    /**
     * General matrix product {@code c = alpha * op(a) op(b) + beta * c}, where {@code op(x)} is {@code x}
     * or its transpose. With {@code op(a) [M, K]} and {@code op(b) [K, N]}, {@code c} is {@code [M, N]};
     * all three are rank 2 (reshape first).
     */
    void gemm(boolean transA, boolean transB, float alpha, Tensor a, Tensor b, float beta, Tensor c);

    /** {@code y[n, f] += bias[f]}: y {@code [N, F]}, bias {@code [F]}. */
    void addRowVector(Tensor y, Tensor bias);

    /** {@code out[f] += sum_n x[n, f]}: x {@code [N, F]}, out {@code [F]} (the gradient of a bias). */
    void sumRowsInto(Tensor x, Tensor out);

    /** {@code y += alpha * x}, elementwise, same number of elements. */
    void axpy(float alpha, Tensor x, Tensor y);

    /** {@code y = act(x)}, elementwise; {@code y} may be {@code x}. */
    void activation(Activation act, Tensor x, Tensor y);

    /**
     * {@code dx = dy * act'(x)}. TANH, RELU and SIGMOID read the forward output {@code y} ({@code x} may be
     * null); GELU reads the input {@code x} ({@code y} may be null). {@code dx} may be {@code dy}.
     */
    void activationBackward(Activation act, Tensor x, Tensor y, Tensor dy, Tensor dx);

    /**
     * Layer normalisation over the last dimension, biased variance:
     * {@code y = (x - mean) * rstd * gamma + beta}, {@code rstd = 1 / sqrt(var + eps)}.
     *
     * @param x     {@code [N, E]}
     * @param gamma {@code [E]}, or null for 1
     * @param beta  {@code [E]}, or null for 0
     * @param y     out {@code [N, E]}
     * @param mean  out {@code [N]} (saved for backward)
     * @param rstd  out {@code [N]} (saved for backward)
     */
    void layerNormForward(Tensor x, Tensor gamma, Tensor beta, float eps, Tensor y, Tensor mean, Tensor rstd);

    /**
     * Backward of {@link #layerNormForward}: writes {@code dx [N, E]}, accumulates {@code dGamma, dBeta [E]}
     * (either may be null when the parameter is absent).
     */
    void layerNormBackward(Tensor dy, Tensor x, Tensor gamma, Tensor mean, Tensor rstd, Tensor dx, Tensor dGamma,
                           Tensor dBeta);

    /** {@code out[n, :] = table[ids[n], :]}: ids I64 {@code [N]} (each in [0, V)), table {@code [V, E]}. */
    void embeddingForward(Tensor ids, Tensor table, Tensor out);

    /** {@code dTable[ids[n], :] += dOut[n, :]} (repeated ids add up). */
    void embeddingBackward(Tensor ids, Tensor dOut, Tensor dTable);

    /**
     * Inverted dropout with a seeded generator: {@code keep[i] = 1/(1-p)} with probability {@code 1-p} else 0,
     * {@code y = x * keep}. The same seed gives the same mask on every backend run; backward is
     * {@code dx = dy * keep}.
     *
     * @param keep out: the scaled mask, same shape as x
     */
    void dropout(Tensor x, float p, long seed, Tensor keep, Tensor y);

    /** {@code out = a * b}, elementwise, same number of elements; out may alias either. */
    void mul(Tensor a, Tensor b, Tensor out);

    /** {@code t *= s}, in place. */
    void scale(Tensor t, float s);

    /** {@code t = min(max(t, lo), hi)}, in place. */
    void clamp(Tensor t, float lo, float hi);

    /** {@code sum_i t[i]^2}, accumulated in double (for gradient norms). */
    double sumOfSquares(Tensor t);

    // ---------------------------------------------------------------- losses

    /**
     * Softmax cross-entropy per row with PyTorch's label smoothing {@code s}: the target distribution is
     * {@code (1 - s) onehot(target) + s / C}. Rows whose target equals {@code ignoreIndex} count 0.
     *
     * @param logits    {@code [N, C]}
     * @param targets   I64 {@code [N]}, each in {@code [0, C)} or {@code ignoreIndex}
     * @param logSumExp out {@code [N]}: {@code log sum_c exp(logits[n, c])} (saved for backward)
     * @return the sum of the row losses over the rows not ignored
     */
    double crossEntropyForward(Tensor logits, Tensor targets, long ignoreIndex, float smoothing, Tensor logSumExp);

    /**
     * Backward of {@link #crossEntropyForward} for the loss {@code scale * sum of row losses}:
     * {@code dLogits[n, :] = scale * (softmax(logits[n]) - target distribution)}, 0 for ignored rows.
     */
    void crossEntropyBackward(Tensor logits, Tensor targets, long ignoreIndex, float smoothing, Tensor logSumExp,
                              float scale, Tensor dLogits);

    /**
     * Binary cross-entropy on logits, summed: {@code sum max(x, 0) - x y + log(1 + e^-|x|)}, x and y of the same
     * shape (y in [0, 1]).
     */
    double bceWithLogitsForward(Tensor logits, Tensor targets);

    /** {@code dLogits = scale * (sigmoid(x) - y)}: the gradient of {@code scale *} {@link #bceWithLogitsForward}. */
    void bceWithLogitsBackward(Tensor logits, Tensor targets, float scale, Tensor dLogits);

    // ---------------------------------------------------------------- optimizer steps (fused, in place)

    /**
     * One SGD step as {@code torch.optim.SGD}: {@code g = grad + wd * p}; with momentum
     * {@code buf = first ? g : momentum * buf + (1 - dampening) g}, {@code g = nesterov ? g + momentum * buf : buf};
     * {@code p -= lr * g}.
     *
     * @param momentumBuf the momentum buffer (shape of p), or null when momentum is 0
     * @param first       whether this is the buffer's first step
     */
    void sgdStep(Tensor param, Tensor grad, Tensor momentumBuf, float lr, float momentum, float dampening,
                 boolean nesterov, float weightDecay, boolean first);

    /**
     * One Adam step as {@code torch.optim.Adam} / {@code AdamW}: with {@code decoupled} (AdamW)
     * {@code p -= lr * wd * p} first, else {@code g = grad + wd * p}; {@code m = b1 m + (1 - b1) g},
     * {@code v = b2 v + (1 - b2) g²}, {@code p -= lr * (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps)}.
     *
     * @param step t, starting at 1
     */
    void adamStep(Tensor param, Tensor grad, Tensor m, Tensor v, float lr, float beta1, float beta2, float eps,
                  float weightDecay, boolean decoupled, long step);

    // ---------------------------------------------------------------- attention

    /**
     * Scaled-dot-product attention of {@code NH} heads: for head {@code h} (features {@code h*Dh:(h+1)*Dh}),
     * {@code A = softmax_over_keys(q_h k_h^T / sqrt(Dh) + mask)}, {@code out_h = A v_h}. A backend need not
     * materialise all of {@code [B, NH, Tq, S]} at once.
     *
     * @param q          {@code [B, Tq, NH*Dh]}
     * @param k          {@code [B, S, NH*Dh]}
     * @param v          {@code [B, S, NH*Dh]}
     * @param heads      NH
     * @param mask       which scores are -inf ({@link AttentionMask}; every row keeps a key)
     * @param out        out {@code [B, Tq, NH*Dh]}
     * @param logSumExp  out {@code [B, NH, Tq]}: the log of each softmax's denominator, scores scaled (for
     *                   backward), or null when no backward will run
     * @param avgWeights out {@code [B, Tq, S]}: A averaged over heads, or null when not wanted
     */
    void attentionForward(Tensor q, Tensor k, Tensor v, int heads, AttentionMask mask, Tensor out,
                          Tensor logSumExp, Tensor avgWeights);

    /**
     * Backward of {@link #attentionForward}, recomputing A from {@code logSumExp}: writes
     * {@code dq, dk, dv} (shapes of q, k, v). {@code dAvgWeights [B, Tq, S]} (or null) is the upstream
     * gradient of the averaged weights; it reaches each head's A divided by NH.
     */
    void attentionBackward(Tensor q, Tensor k, Tensor v, int heads, AttentionMask mask, Tensor out,
                           Tensor logSumExp, Tensor dOut, Tensor dAvgWeights, Tensor dq, Tensor dk, Tensor dv);

    /** Swaps the first two dimensions: x {@code [A, C, F]} to y {@code [C, A, F]} (batch-first ⇄ time-major). */
    void transpose01(Tensor x, Tensor y);

    // ---------------------------------------------------------------- fused recurrent cells

    /**
     * One LSTM step's pointwise work, after the GEMMs ({@link LstmGates}).
     *
     * @param gates in: the pre-activation {@code x W_ih^T + b_ih + h W_hh^T + b_hh [B, 4H]};
     *              out: the activated gates i, f, g, o (saved for backward)
     * @param c     the previous cell state {@code [B, H]}
     * @param cNext out: {@code c' = f*c + i*g [B, H]}
     * @param hNext out: {@code o * tanh(c') [B, H]} (before any projection)
     */
    void lstmCellForward(Tensor gates, Tensor c, Tensor cNext, Tensor hNext);

    /**
     * Backward of {@link #lstmCellForward}.
     *
     * @param gates  the activated gates the forward left {@code [B, 4H]}
     * @param c      the previous cell state {@code [B, H]}
     * @param cNext  the new cell state {@code [B, H]}
     * @param dhNext d loss / d hNext {@code [B, H]}
     * @param dcNext d loss / d cNext from later steps {@code [B, H]}
     * @param dGates out: d loss / d pre-activation {@code [B, 4H]}
     * @param dc     out: d loss / d c {@code [B, H]}
     */
    void lstmCellBackward(Tensor gates, Tensor c, Tensor cNext, Tensor dhNext, Tensor dcNext,
                          Tensor dGates, Tensor dc);

    /**
     * One GRU step's pointwise work, after the GEMMs ({@link GruGates}).
     *
     * @param gi    {@code x W_ih^T + b_ih [B, 3H]}
     * @param gh    {@code h W_hh^T + b_hh [B, 3H]}
     * @param h     the previous hidden state {@code [B, H]}
     * @param hNext out: {@code (1 - z) * n + z * h [B, H]}
     * @param saved out: r, z, n, gh_n for backward {@code [B, 4H]}
     */
    void gruCellForward(Tensor gi, Tensor gh, Tensor h, Tensor hNext, Tensor saved);

    /**
     * Backward of {@link #gruCellForward}.
     *
     * @param saved  what the forward saved {@code [B, 4H]}
     * @param h      the previous hidden state {@code [B, H]}
     * @param dhNext d loss / d hNext {@code [B, H]}
     * @param dGi    out: d loss / d gi {@code [B, 3H]}
     * @param dGh    out: d loss / d gh {@code [B, 3H]}
     * @param dh     out: the direct part of d loss / d h, {@code z * dhNext [B, H]} (the caller adds
     *               {@code dGh W_hh})
     */
    void gruCellBackward(Tensor saved, Tensor h, Tensor dhNext, Tensor dGi, Tensor dGh, Tensor dh);

    // ---------------------------------------------------------------- sequence level

    /**
     * A whole stacked, possibly bidirectional recurrent network over a padded batch, as
     * {@code pack_padded_sequence(enforce_sorted=False)} → module → {@code pad_packed_sequence} computes it:
     * outputs past each sequence's end are 0, final states are taken at each sequence's own last step, and
     * the reverse direction starts at step {@code lengths[b] - 1}.
     *
     * @param w               the parameters ({@link RnnWeights}, shapes in {@link RnnSpec})
     * @param x               input {@code [T, B, I]}
     * @param h0              initial hidden state {@code [L*D, B, Hout]}, or null for zeros
     * @param c0              initial cell state {@code [L*D, B, H]} (LSTM), or null for zeros
     * @param lengths         valid steps per sequence, each in {@code [1, T]}, or null when all are T
     * @param y               out: {@code [T, B, D*Hout]}, {@code [forward | reverse]} in the last dimension
     * @param hn              out: {@code [L*D, B, Hout]}, index {@code layer * D + direction}
     * @param cn              out: {@code [L*D, B, H]} (LSTM), else null
     * @param keepForBackward whether to return what {@link #rnnBackward} needs
     * @return the saved context when {@code keepForBackward}, else null
     */
    RnnContext rnnForward(RnnWeights w, Tensor x, Tensor h0, Tensor c0, int[] lengths,
                          Tensor y, Tensor hn, Tensor cn, boolean keepForBackward);

    /**
     * Backward of {@link #rnnForward}: writes the input and initial-state gradients and accumulates the
     * parameter gradients. Upstream gradients may be null (no gradient flows from that output); values of
     * {@code dy} past a sequence's end are ignored.
     *
     * @param ctx   what the forward kept
     * @param dy    d loss / d y {@code [T, B, D*Hout]}, or null
     * @param dhn   d loss / d hn {@code [L*D, B, Hout]}, or null
     * @param dcn   d loss / d cn {@code [L*D, B, H]}, or null
     * @param dx    out: d loss / d x {@code [T, B, I]} (0 at padded steps)
     * @param dh0   out: d loss / d h0 {@code [L*D, B, Hout]}
     * @param dc0   out: d loss / d c0 {@code [L*D, B, H]} (LSTM), else null
     * @param grads accumulates d loss / d parameter, same layout as the weights
     */
    void rnnBackward(RnnContext ctx, Tensor dy, Tensor dhn, Tensor dcn, Tensor dx, Tensor dh0, Tensor dc0,
                     RnnWeights grads);
}
