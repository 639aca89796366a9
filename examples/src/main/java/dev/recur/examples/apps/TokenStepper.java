package dev.recur.examples.apps;

import dev.recur.backend.Backend;
import dev.recur.nn.Embedding;
import dev.recur.nn.Linear;
import dev.recur.nn.rnn.Lstm;
import dev.recur.nn.rnn.RnnResult;
import dev.recur.nn.rnn.RnnState;
import dev.recur.tensor.Tensor;

/**
 * Generation, one token at a time: {@code Embedding → Lstm.step → Linear} at batch 1, carrying the LSTM state
 * from token to token (the state starts at zero). Run it with grad mode off; {@link #close} frees the state.
 */
public final class TokenStepper implements AutoCloseable {
    private final Embedding embedding;
    private final Lstm lstm;
    private final Linear head;
    private final Backend backend;
    private RnnState state;

    /** A stepper over a trained model's layers (not owned). */
    public TokenStepper(Embedding embedding, Lstm lstm, Linear head) {
        this.embedding = embedding;
        this.lstm = lstm;
        this.head = head;
        this.backend = lstm.backend();
    }

    /** Feeds {@code token}; returns the logits of the next token {@code [V]}. */
    public float[] next(long token) {
        try (Tensor id = backend.fromLongs(new long[] {token}, 1);
             var emb = embedding.forward(id);
             RnnResult r = lstm.step(emb.output(), state);
             var logits = head.forward(r.output().reshape(1, lstm.spec().hiddenSize()))) {
            RnnState copied = new RnnState(r.hn().copy(), r.cn().copy());
            close();
            state = copied;
            return logits.output().toFloatArray();
        }
    }

    @Override
    public void close() {
        if (state != null) {
            state.close();
            state = null;
        }
    }
}
