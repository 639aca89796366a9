package dev.recur.examples.apps.seq2seq;

import dev.recur.autograd.Tape;
import dev.recur.autograd.Var;
import dev.recur.backend.AttentionMask;
import dev.recur.backend.Backend;
import dev.recur.examples.apps.TapeOps;
import dev.recur.tensor.DType;
import dev.recur.tensor.Tensor;

/** The few ops the sequence-to-sequence model needs on a {@link Tape} that the core API does not have. */
final class Seq2SeqOps {
    private Seq2SeqOps() {
    }

    /**
     * The final states of a one-layer bidirectional recurrent layer as the initial state of a unidirectional one
     * twice as wide: {@code h_n [2, B, H]} to {@code [1, B, 2H]}, row {@code b} = forward state then backward
     * state (as {@code torch.cat([h_n[0], h_n[1]], dim=1).unsqueeze(0)}). The gradient flows back transposed.
     */
    static Var bridge(Tape tape, Var hn) {
        Tensor h = hn.value();
        return TapeOps.directionsSideBySide(tape, hn, 1, h.dim(1), h.dim(0) * h.dim(2));
    }

    /** {@link #bridge} without a tape (inference): a new tensor the caller owns. */
    static Tensor bridge(Tensor h) {
        return TapeOps.sideBySide(h, 1, h.dim(1), h.dim(0) * h.dim(2));
    }

    /**
     * One-head scaled-dot-product attention of queries {@code q [B, Tq, D]} over keys {@code k [B, S, D]} and
     * values {@code v [B, S, D]}, keys past each source's length masked: the context {@code [B, Tq, D]}.
     */
    static Var attention(Tape tape, Var q, Var k, Var v, AttentionMask mask) {
        Tensor qt = q.value();
        Backend be = qt.backend();
        int b = qt.dim(0);
        int tq = qt.dim(1);
        int dim = qt.dim(2);
        Tensor ctx = be.zeros(DType.F32, b, tq, dim);
        Tensor lse = tape.own(be.zeros(DType.F32, b, 1, tq));
        be.attentionForward(qt, k.value(), v.value(), 1, mask, ctx, lse, null);
        return tape.custom(ctx, dCtx -> {
            Tensor dq = be.zeros(DType.F32, qt.shape());
            Tensor dk = be.zeros(DType.F32, k.value().shape());
            Tensor dv = be.zeros(DType.F32, v.value().shape());
            be.attentionBackward(qt, k.value(), v.value(), 1, mask, ctx, lse, dCtx, null, dq, dk, dv);
            tape.accumulate(q, dq);
            tape.accumulate(k, dk);
            tape.accumulate(v, dv);
        });
    }

    /** A key-padding mask: key {@code j} of row {@code b} is masked when {@code j >= lengths[b]}. */
    static AttentionMask keyPadding(int[] lengths, int keys) {
        boolean[] pad = new boolean[lengths.length * keys];
        for (int b = 0; b < lengths.length; b++) {
            for (int j = lengths[b]; j < keys; j++) {
                pad[b * keys + j] = true;
            }
        }
        return new AttentionMask(false, null, pad);
    }

    /** A new tensor holding rows {@code rows[i]} of {@code t} (first dimension after {@code lead}). */
    static Tensor gatherRows(Tensor t, int lead, int[] rows) {
        // t [lead, N, F...]: picks along dimension 1 when lead > 0, else along dimension 0 (lead = 0 means [N, F...]).
        int[] shape = t.shape();
        int axis = lead > 0 ? 1 : 0;
        int n = shape[axis];
        long inner = t.numel() / (lead > 0 ? (long) shape[0] * n : n);
        int outer = lead > 0 ? shape[0] : 1;
        float[] src = t.toFloatArray();
        float[] dst = new float[Math.toIntExact((long) outer * rows.length * inner)];
        for (int o = 0; o < outer; o++) {
            for (int i = 0; i < rows.length; i++) {
                System.arraycopy(src, Math.toIntExact((o * (long) n + rows[i]) * inner), dst,
                        Math.toIntExact((o * (long) rows.length + i) * inner), (int) inner);
            }
        }
        int[] outShape = shape.clone();
        outShape[axis] = rows.length;
        return t.backend().fromFloats(dst, outShape);
    }
}
