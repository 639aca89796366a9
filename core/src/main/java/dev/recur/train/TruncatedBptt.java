package dev.recur.train;

import dev.recur.autograd.Tape;
import dev.recur.autograd.Var;
import dev.recur.internal.Checks;
import dev.recur.nn.rnn.RecurrentLayer;
import dev.recur.nn.rnn.RnnState;
import dev.recur.tensor.DType;
import dev.recur.tensor.Tensor;

/**
 * Truncated backpropagation through time: a long sequence {@code x [T, B, I]} (time-major) runs in chunks of
 * {@code k} steps; each chunk is recorded on its own tape starting from the previous chunk's final state,
 * carried as a constant (detached: no gradient flows into earlier chunks), so memory depends on k, not T.
 * After each chunk's backward the caller may update the parameters (e.g. an optimizer step).
 */
public final class TruncatedBptt {
    /** The loss of one chunk, given its output {@code [k, B, D*Hout]} and the first step's index. */
    @FunctionalInterface
    public interface ChunkLoss {
        /** Records and returns a one-element loss on the tape. */
        Var loss(Tape tape, Var output, int firstStep);
    }

    /** Called after each chunk's backward, with the chunk's index and loss. */
    @FunctionalInterface
    public interface AfterChunk {
        /** E.g. clip, step the optimizer, zero the gradients. */
        void accept(int chunk, double loss);
    }

    private TruncatedBptt() {
    }

    /**
     * Runs the whole sequence.
     *
     * @param layer   a unidirectional recurrent layer, time-major
     * @param x       {@code [T, B, I]}
     * @param chunk   k, steps per chunk (the last chunk may be shorter)
     * @param initial the state to start from, or null for zeros
     * @return the final state (new tensors, owned by the caller) and the summed chunk losses
     */
    public static Result run(RecurrentLayer layer, Tensor x, int chunk, RnnState initial, ChunkLoss loss,
                             AfterChunk after) {
        String op = layer.opName();
        if (layer.spec().bidirectional() || layer.batchFirst()) {
            throw new IllegalArgumentException(op + ": truncated BPTT needs a unidirectional, time-major layer, got "
                    + (layer.spec().bidirectional() ? "bidirectional" : "batch-first"));
        }
        Checks.live(op, "input", x, layer.backend());
        if (chunk <= 0) {
            throw new IllegalArgumentException(op + ": chunk must be > 0 steps, got " + chunk);
        }
        int steps = x.dim(0);
        Tensor h = initial == null ? null : copy(initial.h());
        Tensor c = initial == null ? null : copy(initial.c());
        double total = 0;
        for (int start = 0, index = 0; start < steps; start += chunk, index++) {
            int end = Math.min(steps, start + chunk);
            double chunkLoss;
            Tensor hNext;
            Tensor cNext;
            try (Tape tape = new Tape()) {
                Tape.RnnVars out = tape.rnn(layer, tape.constant(x.slice(start, end)), null,
                        h == null ? null : tape.constant(h), c == null ? null : tape.constant(c));
                Var l = loss.loss(tape, out.output(), start);
                tape.backward(l);
                chunkLoss = l.value().toFloatArray()[0];
                // Detach: the next chunk starts from copies that no tape knows.
                hNext = copy(out.hn().value());
                cNext = out.cn() == null ? null : copy(out.cn().value());
            }
            close(h);
            close(c);
            h = hNext;
            c = cNext;
            total += chunkLoss;
            if (after != null) {
                after.accept(index, chunkLoss);
            }
        }
        return new Result(new RnnState(h, c), total);
    }

    /**
     * What {@link #run} returns.
     *
     * @param state     the final state (the caller closes it)
     * @param totalLoss the sum of the chunk losses
     */
    public record Result(RnnState state, double totalLoss) {
    }

    private static Tensor copy(Tensor t) {
        if (t == null) {
            return null;
        }
        Tensor out = t.backend().zeros(DType.F32, t.shape());
        t.backend().copy(t, out);
        return out;
    }

    private static void close(Tensor t) {
        if (t != null) {
            t.close();
        }
    }
}
