package dev.recur.nn;

import dev.recur.backend.Backend;
import dev.recur.io.Safetensors;
import dev.recur.io.SafetensorsFile;
import dev.recur.io.TensorEntry;
import dev.recur.tensor.Shapes;
import dev.recur.tensor.Tensor;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A layer: parameters under PyTorch {@code state_dict} names on one backend, loadable from and savable to
 * safetensors files. Closing a module frees its parameters.
 */
public abstract class Module implements AutoCloseable {
    private final Backend backend;
    private final String opName;
    private final Map<String, Parameter> parameters = new LinkedHashMap<>();
    private final List<Module> children = new ArrayList<>();
    private boolean training = true;

    /**
     * @param backend where the parameters live
     * @param opName  the name used in messages, e.g. "lstm"
     */
    protected Module(Backend backend, String opName) {
        this.backend = backend;
        this.opName = opName;
    }

    /** The backend the parameters live on. */
    public final Backend backend() {
        return backend;
    }

    /** The name used in messages ("lstm", "gru_cell", ...). */
    public final String opName() {
        return opName;
    }

    /** Adds a parameter; for subclasses' constructors. */
    protected final Parameter register(String name, String symbolicShape, Tensor value) {
        Parameter p = new Parameter(name, symbolicShape, value);
        parameters.put(name, p);
        return p;
    }

    /**
     * Adds a sub-layer's parameters under {@code prefix + "."} (PyTorch's nested state_dict names, e.g.
     * {@code linear1.weight}); the parameters are shared, so the sub-layer's gradients are this layer's.
     */
    protected final <M extends Module> M registerChild(String prefix, M child) {
        ((Module) child).parameters.forEach((name, p) -> parameters.put(prefix + "." + name, p));
        children.add(child);
        return child;
    }

    /**
     * Training mode (the default, as in PyTorch) applies dropout; evaluation mode does not. Applies to the
     * sub-layers too.
     */
    public void train(boolean on) {
        training = on;
        children.forEach(c -> c.train(on));
    }

    /** {@code train(false)}. */
    public final void eval() {
        train(false);
    }

    /** Whether this layer is in training mode. */
    public final boolean isTraining() {
        return training;
    }

    /** The parameters by state_dict name, in PyTorch's order. */
    public final Map<String, Parameter> parameters() {
        return Collections.unmodifiableMap(parameters);
    }

    /** The parameter of that name, or null. */
    public final Parameter parameter(String name) {
        return parameters.get(name);
    }

    /** Name → value, in PyTorch's order (the tensors are the parameters themselves, not copies). */
    public final Map<String, Tensor> stateDict() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        parameters.forEach((k, v) -> out.put(k, v.value()));
        return out;
    }

    /** Sets every gradient to zero. */
    public final void zeroGrad() {
        parameters.values().forEach(Parameter::zeroGrad);
    }

    /**
     * Copies parameter values from host tensors by state_dict name. Every parameter must be present with its
     * exact shape; with {@code strict}, no other names may be present either.
     *
     * @throws IllegalArgumentException naming the missing, unexpected or mis-shaped entry
     */
    public final void loadStateDict(Map<String, TensorEntry> entries, boolean strict) {
        List<String> missing = new ArrayList<>();
        for (String name : parameters.keySet()) {
            if (!entries.containsKey(name)) {
                missing.add(name);
            }
        }
        if (!missing.isEmpty()) {
            throw new IllegalArgumentException(String.format(Locale.ROOT,
                    "%s: state dict is missing %s; expected %s", opName, missing, parameters.keySet()));
        }
        if (strict) {
            List<String> unexpected = new ArrayList<>();
            for (String name : entries.keySet()) {
                if (!parameters.containsKey(name)) {
                    unexpected.add(name);
                }
            }
            if (!unexpected.isEmpty()) {
                throw new IllegalArgumentException(String.format(Locale.ROOT,
                        "%s: state dict has unexpected entries %s; expected exactly %s", opName, unexpected,
                        parameters.keySet()));
            }
        }
        // Check every shape before writing anything, so a bad file leaves the module as it was.
        for (Map.Entry<String, Parameter> kv : parameters.entrySet()) {
            Parameter p = kv.getValue();
            TensorEntry e = entries.get(kv.getKey());
            if (!p.value().hasShape(e.shape())) {
                throw new IllegalArgumentException(String.format(Locale.ROOT, "%s: %s must be %s = %s, got %s",
                        opName, kv.getKey(), p.symbolicShape(), Shapes.toString(p.value().shape()),
                        Shapes.toString(e.shape())));
            }
            if (!e.dtype().isFloating()) {
                throw new IllegalArgumentException(String.format(Locale.ROOT,
                        "%s: %s must have a floating-point dtype (F32, F64, F16, BF16), got %s", opName, kv.getKey(),
                        e.dtype()));
            }
        }
        for (Map.Entry<String, Parameter> kv : parameters.entrySet()) {
            Tensor value = kv.getValue().value();
            try (Tensor src = backend.fromFloats(entries.get(kv.getKey()).toFloatArray(), value.shape())) {
                backend.copy(src, value);
            }
        }
    }

    /** Loads the parameters from a safetensors file written by {@link #save} or by PyTorch (strict). */
    public final void load(Path file) throws IOException {
        loadStateDict(Safetensors.read(file).tensors(), true);
    }

    /** Loads the parameters from an already read file; other tensors in it are ignored. */
    public final void load(SafetensorsFile file) {
        loadStateDict(file.tensors(), false);
    }

    /** Writes the parameters to a safetensors file atomically (a temporary file renamed into place). */
    public final void save(Path file, Map<String, String> metadata) throws IOException {
        Map<String, TensorEntry> out = new LinkedHashMap<>();
        parameters.forEach((k, v) -> out.put(k, TensorEntry.ofFloats(v.value().toFloatArray(), v.value().shape())));
        Safetensors.write(file, out, metadata);
    }

    /** Frees every parameter and gradient. */
    @Override
    public void close() {
        parameters.values().forEach(Parameter::close);
    }
}
