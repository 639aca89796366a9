package dev.recur.train;

import dev.recur.nn.Parameter;
import dev.recur.tensor.DType;
import dev.recur.tensor.Tensor;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/** The common part of the optimizers: parameters, learning rate, step count, named state buffers. */
abstract class AbstractOptimizer implements Optimizer {
    private final Map<String, Parameter> parameters;
    private final Map<String, Tensor> state = new LinkedHashMap<>();
    private double lr;
    private long steps;

    AbstractOptimizer(Map<String, Parameter> parameters, double lr) {
        if (parameters.isEmpty()) {
            throw new IllegalArgumentException("optimizer: parameters must not be empty");
        }
        if (!(lr >= 0)) {
            throw new IllegalArgumentException("optimizer: lr must be >= 0, got " + lr);
        }
        this.parameters = new LinkedHashMap<>(parameters);
        this.lr = lr;
    }

    /** The update of one parameter that has a gradient. */
    abstract void update(String name, Parameter p, long step);

    /** A named state buffer shaped like {@code p}, zero on first use. */
    final Tensor buffer(String kind, String name, Parameter p) {
        return state.computeIfAbsent(kind + "." + name, k -> p.value().backend().zeros(DType.F32, p.value().shape()));
    }

    @Override
    public final void step() {
        steps++;
        parameters.forEach((name, p) -> {
            if (p.hasGrad()) {
                update(name, p, steps);
            }
        });
    }

    @Override
    public final void zeroGrad() {
        parameters.values().forEach(Parameter::zeroGrad);
    }

    @Override
    public final double learningRate() {
        return lr;
    }

    @Override
    public final void setLearningRate(double lr) {
        if (!(lr >= 0)) {
            throw new IllegalArgumentException("optimizer: lr must be >= 0, got " + lr);
        }
        this.lr = lr;
    }

    @Override
    public final long steps() {
        return steps;
    }

    @Override
    public final Map<String, Parameter> parameters() {
        return Collections.unmodifiableMap(parameters);
    }

    @Override
    public final Map<String, Tensor> state() {
        return Collections.unmodifiableMap(state);
    }

    /** Hyper-parameters of the concrete optimizer. */
    abstract Map<String, String> hyperParameters();

    @Override
    public final Map<String, String> stateMetadata() {
        Map<String, String> m = new LinkedHashMap<>(hyperParameters());
        m.put("optimizer", getClass().getSimpleName());
        m.put("lr", Double.toString(lr));
        m.put("steps", Long.toString(steps));
        return m;
    }

    @Override
    public final void loadState(Map<String, float[]> tensors, Map<String, String> metadata) {
        String kind = metadata.get("optimizer");
        if (!getClass().getSimpleName().equals(kind)) {
            throw new IllegalArgumentException(String.format(Locale.ROOT,
                    "optimizer: checkpoint state must be from %s, got %s", getClass().getSimpleName(), kind));
        }
        for (Map.Entry<String, float[]> e : tensors.entrySet()) {
            String key = e.getKey();
            int dot = key.indexOf('.');
            Parameter p = dot < 0 ? null : parameters.get(key.substring(dot + 1));
            if (p == null || e.getValue().length != p.value().numel()) {
                throw new IllegalArgumentException(String.format(Locale.ROOT,
                        "optimizer: checkpoint state %s must match a parameter's size, got %d values", key,
                        e.getValue().length));
            }
            Tensor buf = buffer(key.substring(0, dot), key.substring(dot + 1), p);
            try (Tensor src = p.value().backend().fromFloats(e.getValue(), p.value().shape())) {
                p.value().backend().copy(src, buf);
            }
        }
        this.steps = Long.parseLong(metadata.get("steps"));
        this.lr = Double.parseDouble(metadata.get("lr"));
    }

    @Override
    public final void close() {
        state.values().forEach(Tensor::close);
        state.clear();
    }
}
