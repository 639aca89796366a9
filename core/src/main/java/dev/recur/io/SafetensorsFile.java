package dev.recur.io;

import java.nio.file.Path;
import java.util.Collections;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.SortedSet;
import java.util.TreeMap;

/**
 * A whole safetensors file read into memory: its tensors by name and its {@code __metadata__} map. Immutable.
 * The tensors share one read-only copy of the file's data section, so holding any one of them keeps the whole
 * data section in memory.
 */
public final class SafetensorsFile {
    private final Path path;
    private final Map<String, String> metadata;
    private final TreeMap<String, TensorEntry> tensors;

    /** Takes ownership of both maps; the caller must not change them afterwards. */
    SafetensorsFile(Path path, TreeMap<String, String> metadata, TreeMap<String, TensorEntry> tensors) {
        this.path = path;
        this.metadata = Collections.unmodifiableSortedMap(metadata);
        this.tensors = tensors;
    }

    /** The file this was read from. */
    public Path path() {
        return path;
    }

    /** The {@code __metadata__} map, sorted by key; unmodifiable, empty when the file has none. */
    public Map<String, String> metadata() {
        return metadata;
    }

    /** The tensor names, sorted; unmodifiable. */
    public SortedSet<String> names() {
        return Collections.unmodifiableSortedSet(tensors.navigableKeySet());
    }

    /** True when the file holds a tensor named {@code name}. */
    public boolean contains(String name) {
        return tensors.containsKey(name);
    }

    /**
     * The tensor named {@code name}.
     *
     * @throws NoSuchElementException naming the file, the missing name and the names it holds
     */
    public TensorEntry get(String name) {
        TensorEntry t = tensors.get(name);
        if (t == null) {
            throw new NoSuchElementException(path + ": no tensor named \"" + name + "\"; it holds: "
                    + String.join(", ", tensors.keySet()));
        }
        return t;
    }

    /** All tensors by name, sorted by name; unmodifiable. */
    public Map<String, TensorEntry> tensors() {
        return Collections.unmodifiableSortedMap(tensors);
    }

    /** {@code SafetensorsFile[path, 18 tensors]}. */
    @Override
    public String toString() {
        return "SafetensorsFile[" + path + ", " + tensors.size() + " tensors]";
    }
}
