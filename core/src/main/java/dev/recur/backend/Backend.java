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

    /** {@code dx = dy * act'(x)}, written in terms of the forward output {@code y = act(x)}. */
    void activationBackward(Activation act, Tensor y, Tensor dy, Tensor dx);

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
