package dev.recur.examples.apps;

import dev.recur.backend.Backend;
import dev.recur.backend.Backends;
import java.nio.file.Path;
import java.util.Map;

/**
 * What {@code recur example NAME} was asked for.
 *
 * @param quick   the short run (within 5 minutes on 2 cores)
 * @param backend the backend's name, or null for the default choice ({@link Backends#get()})
 * @param epochs  epochs to train, or 0 for the example's default (quick or full)
 * @param out     the output folder, or null for {@code reports/examples/NAME}
 * @param seed    the seed of the split, the initialisation and the batches
 * @param extras  the example's own options ({@code --midi DIR} → {@code "midi" → "DIR"}), see
 *                {@link Examples#EXTRA_OPTIONS}
 */
public record ExampleOptions(boolean quick, String backend, int epochs, Path out, long seed,
                             Map<String, String> extras) {
    /** Copies {@code extras}. */
    public ExampleOptions {
        extras = Map.copyOf(extras);
    }

    /** Without example-specific options. */
    public ExampleOptions(boolean quick, String backend, int epochs, Path out, long seed) {
        this(quick, backend, epochs, out, seed, Map.of());
    }

    /** The defaults: a full run on the default backend, seed 1. */
    public static ExampleOptions defaults() {
        return new ExampleOptions(false, null, 0, null, 1);
    }

    /** The example-specific option {@code name} (without its dashes), or {@code fallback} when not given. */
    public String extra(String name, String fallback) {
        return extras.getOrDefault(name, fallback);
    }

    /** The backend asked for, else the default one. */
    public Backend resolveBackend() {
        return backend == null ? Backends.get() : Backends.get(backend);
    }

    /** The output folder: {@link #out} or {@code reports/examples/NAME}. */
    public Path outFor(String name) {
        return out != null ? out : Path.of("reports", "examples", name);
    }

    /** {@link #epochs} when set, else {@code quickDefault} or {@code fullDefault}. */
    public int epochsOr(int quickDefault, int fullDefault) {
        return epochs > 0 ? epochs : quick ? quickDefault : fullDefault;
    }
}
