package dev.recur.backend;

import java.util.Locale;

/**
 * Which keys each query may not attend to, in PyTorch's boolean-mask sense ({@code true} = masked, its
 * score becomes -inf before the softmax). For queries {@code [B, Tq]} against keys {@code [B, S]}, query
 * {@code i} of batch {@code b} is barred from key {@code j} when any of:
 * <ul>
 *   <li>{@code causal} and {@code j > i + (S - Tq)} (query i sits at position {@code S - Tq + i}, so a
 *       decoding step with Tq = 1 sees every cached key);</li>
 *   <li>{@code attn[i * S + j]} ({@code attn_mask [Tq, S]}, shared by the batch);</li>
 *   <li>{@code keyPadding[b * S + j]} ({@code key_padding_mask [B, S]}).</li>
 * </ul>
 * Arrays are host memory and are not copied; callers must not change them while an op runs. Every query
 * row must keep at least one key ({@link #checkEveryRowHasAKey}).
 *
 * @param causal     bar keys after the query's position
 * @param attn       {@code [Tq, S]} row-major, or null
 * @param keyPadding {@code [B, S]} row-major, or null
 */
public record AttentionMask(boolean causal, boolean[] attn, boolean[] keyPadding) {
    /** No mask. */
    public static final AttentionMask NONE = new AttentionMask(false, null, null);

    /** Only the causal mask. */
    public static AttentionMask causalOnly() {
        return new AttentionMask(true, null, null);
    }

    /** A key-padding mask from lengths: key j of batch b is padding when {@code j >= lengths[b]}. */
    public static boolean[] keyPaddingFromLengths(long[] lengths, int keys) {
        boolean[] pad = new boolean[lengths.length * keys];
        for (int b = 0; b < lengths.length; b++) {
            for (int j = 0; j < keys; j++) {
                pad[b * keys + j] = j >= lengths[b];
            }
        }
        return pad;
    }

    /** Whether query {@code i} of batch {@code b} may not attend to key {@code j}. */
    public boolean masked(int b, int i, int j, int queries, int keys) {
        return (causal && j > i + keys - queries)
                || (attn != null && attn[i * keys + j])
                || (keyPadding != null && keyPadding[b * keys + j]);
    }

    /**
     * Fails when the arrays do not fit {@code [Tq, S]} / {@code [B, S]}, or some query row has every key
     * masked (its softmax would be 0/0).
     *
     * @param op the op name for messages
     */
    public void checkEveryRowHasAKey(String op, int batch, int queries, int keys) {
        if (attn != null && attn.length != queries * keys) {
            throw new IllegalArgumentException(String.format(Locale.ROOT,
                    "%s: attn_mask must be [T, S] = [%d, %d] (%d elements), got %d elements", op, queries, keys,
                    queries * keys, attn.length));
        }
        if (keyPadding != null && keyPadding.length != batch * keys) {
            throw new IllegalArgumentException(String.format(Locale.ROOT,
                    "%s: key_padding_mask must be [B, S] = [%d, %d] (%d elements), got %d elements", op, batch, keys,
                    batch * keys, keyPadding.length));
        }
        for (int b = 0; b < batch; b++) {
            for (int i = 0; i < queries; i++) {
                boolean any = false;
                for (int j = 0; j < keys && !any; j++) {
                    any = !masked(b, i, j, queries, keys);
                }
                if (!any) {
                    throw new IllegalArgumentException(String.format(Locale.ROOT,
                            "%s: every query must keep at least one key, got query %d of batch %d with all %d keys "
                                    + "masked (attn_mask%s, key_padding_mask%s)", op, i, b, keys,
                            attn == null && !causal ? " none" : causal ? " causal" : " given",
                            keyPadding == null ? " none" : " given"));
                }
            }
        }
    }
}
