package dev.recur.backend;

/**
 * Finds a {@link Backend} at run time; listed in {@code META-INF/services/dev.recur.backend.BackendProvider}.
 * A provider is cheap to construct and must not load native code; {@link #create()} does the loading.
 */
public interface BackendProvider {
    /** Short name used by {@code -Drecur.backend} and {@code RECUR_BACKEND}, e.g. "cpu", "cuda". */
    String name();

    /** Higher ranks are preferred when no backend is named; cuda ranks above cpu. */
    int rank();

    /**
     * Loads the native libraries and creates the backend.
     *
     * @throws BackendUnavailableException with the reason and the fix, when this machine cannot run it
     */
    Backend create() throws BackendUnavailableException;
}
