package dev.recur.backend;

/**
 * The one place that defines the GRU gate order (PyTorch's: r, z, n). Gate {@code k} of hidden unit
 * {@code j} sits at column {@code k * H + j} of a {@code [B, 3H]} pre-activation and at row {@code k * H + j}
 * of {@code weight_ih [3H, I]} and {@code weight_hh [3H, H]}.
 *
 * <pre>
 * gi = W_ih x + b_ih                    [B, 3H], input side
 * gh = W_hh h + b_hh                    [B, 3H], hidden side (kept apart: r multiplies its n part)
 * r  = sigmoid(gi_r + gh_r)             reset gate
 * z  = sigmoid(gi_z + gh_z)             update gate
 * n  = tanh(gi_n + r * gh_n)            candidate
 * h' = (1 - z) * n + z * h
 * </pre>
 * A GRU step saves {@code [B, 4H]} for backward: r, z, n and gh_n, at {@link #SAVED_GH_N}.
 */
public final class GruGates {
    /** Reset gate. */
    public static final int R = 0;
    /** Update gate. */
    public static final int Z = 1;
    /** Candidate. */
    public static final int N = 2;
    /** Number of gates. */
    public static final int COUNT = 3;
    /** Position of gh_n (the hidden-side n pre-activation, bias included) in a step's saved [B, 4H]. */
    public static final int SAVED_GH_N = 3;
    /** Blocks of H in a step's saved values: r, z, n, gh_n. */
    public static final int SAVED_COUNT = 4;

    private GruGates() {
    }
}
