package dev.recur.train;

import dev.recur.io.Safetensors;
import dev.recur.io.SafetensorsFile;
import dev.recur.io.TensorEntry;
import dev.recur.nn.Module;
import dev.recur.tensor.Tensor;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A training checkpoint in one safetensors file: the model's parameters under {@code model.<name>}, the
 * optimizer's state under {@code optim.<name>}, and in the JSON header's metadata the step, the RNG state,
 * the optimizer's hyper-parameters ({@code optim:<key>}) and the caller's own entries. One file, written to a
 * temporary file, flushed, fsynced and renamed into place ({@link Safetensors#write}): a crash at any moment
 * leaves either the old checkpoint or the new one, never a torn file.
 */
public final class Checkpoint {
    private static final String MODEL = "model.";
    private static final String OPTIM = "optim.";
    private static final String OPTIM_META = "optim:";

    private final SafetensorsFile file;

    private Checkpoint(SafetensorsFile file) {
        this.file = file;
    }

    /**
     * Writes a checkpoint atomically.
     *
     * @param optimizer may be null
     * @param rng       may be null
     * @param extra     the caller's metadata (keys without ':'), may be empty
     */
    public static void save(Path path, Module model, Optimizer optimizer, long step, Rng rng,
                            Map<String, String> extra) throws IOException {
        Map<String, TensorEntry> tensors = new LinkedHashMap<>();
        model.stateDict().forEach((k, v) -> tensors.put(MODEL + k, entry(v)));
        Map<String, String> meta = new LinkedHashMap<>(extra);
        meta.put("step", Long.toString(step));
        if (rng != null) {
            meta.put("rng", Long.toString(rng.state()));
        }
        if (optimizer != null) {
            optimizer.state().forEach((k, v) -> tensors.put(OPTIM + k, entry(v)));
            optimizer.stateMetadata().forEach((k, v) -> meta.put(OPTIM_META + k, v));
        }
        Safetensors.write(path, tensors, meta);
    }

    /** Reads a checkpoint (the file is checked; nothing is restored yet). */
    public static Checkpoint read(Path path) throws IOException {
        return new Checkpoint(Safetensors.read(path));
    }

    /** The step it was saved at. */
    public long step() {
        return Long.parseLong(file.metadata().get("step"));
    }

    /** The metadata, the caller's entries included. */
    public Map<String, String> metadata() {
        return file.metadata();
    }

    /** Copies the parameters into the model (every parameter must be present with its shape). */
    public void restoreModel(Module model) {
        Map<String, TensorEntry> params = new LinkedHashMap<>();
        file.tensors().forEach((k, v) -> {
            if (k.startsWith(MODEL)) {
                params.put(k.substring(MODEL.length()), v);
            }
        });
        model.loadStateDict(params, true);
    }

    /** Restores the optimizer's state tensors, step count and learning rate. */
    public void restoreOptimizer(Optimizer optimizer) {
        Map<String, float[]> state = new LinkedHashMap<>();
        file.tensors().forEach((k, v) -> {
            if (k.startsWith(OPTIM)) {
                state.put(k.substring(OPTIM.length()), v.toFloatArray());
            }
        });
        Map<String, String> meta = new LinkedHashMap<>();
        file.metadata().forEach((k, v) -> {
            if (k.startsWith(OPTIM_META)) {
                meta.put(k.substring(OPTIM_META.length()), v);
            }
        });
        optimizer.loadState(state, meta);
    }

    /** The saved RNG, continuing where the saved run was. */
    public Rng rng() {
        String s = file.metadata().get("rng");
        if (s == null) {
            throw new IllegalStateException(file.path() + ": checkpoint has no rng state");
        }
        return new Rng(Long.parseLong(s));
    }

    private static TensorEntry entry(Tensor t) {
        return TensorEntry.ofFloats(t.toFloatArray(), t.shape());
    }
}
