package dev.recur.golden;

import dev.recur.io.Safetensors;
import dev.recur.io.SafetensorsFile;
import dev.recur.io.TensorEntry;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * One golden case: a safetensors file with inputs, parameters, PyTorch's float64 outputs and gradients
 * (stored as float32), and the constructor arguments in its metadata (see shared/golden/README.md).
 */
public final class GoldenCase {
    private final SafetensorsFile file;

    private GoldenCase(SafetensorsFile file) {
        this.file = file;
    }

    /** Reads a case file. */
    public static GoldenCase read(Path path) throws IOException {
        return new GoldenCase(Safetensors.read(path));
    }

    /** The file. */
    public SafetensorsFile file() {
        return file;
    }

    /** The file name without ".safetensors". */
    public String name() {
        return file.path().getFileName().toString().replaceFirst("\\.safetensors$", "");
    }

    /** Metadata "op": lstm, gru, rnn_tanh, ... */
    public String op() {
        return meta("op");
    }

    /** A metadata value; fails naming the key if absent. */
    public String meta(String key) {
        String v = file.metadata().get(key);
        if (v == null) {
            throw new IllegalArgumentException(name() + ": metadata has no \"" + key + "\"");
        }
        return v;
    }

    /** An integer metadata value. */
    public int metaInt(String key) {
        return Integer.parseInt(meta(key));
    }

    /** A boolean metadata value ("true"/"false"); {@code absent} when the key is missing. */
    public boolean metaBool(String key, boolean absent) {
        String v = file.metadata().get(key);
        return v == null ? absent : Boolean.parseBoolean(v);
    }

    /** A comma-separated metadata list ("outputs", "gradients", ...). */
    public List<String> metaList(String key) {
        String v = file.metadata().getOrDefault(key, "");
        return v.isEmpty() ? List.of() : Arrays.asList(v.split(","));
    }

    /** Whether the case has a tensor of that name. */
    public boolean has(String tensor) {
        return file.contains(tensor);
    }

    /** A tensor. */
    public TensorEntry tensor(String name) {
        return file.get(name);
    }
}
