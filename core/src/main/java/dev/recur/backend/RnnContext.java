package dev.recur.backend;

/**
 * What a backend's {@link Backend#rnnForward} keeps for {@link Backend#rnnBackward}: the inputs it was
 * given and its per-step activations. Owned by the caller; closing it frees the backend's workspace.
 */
public interface RnnContext extends AutoCloseable {
    /** The spec the forward ran with. */
    RnnSpec spec();

    /** Frees the saved activations. Idempotent. */
    @Override
    void close();
}
