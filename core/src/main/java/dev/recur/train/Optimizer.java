package dev.recur.train;

import dev.recur.nn.Parameter;
import dev.recur.tensor.Tensor;
import java.util.Map;

/**
 * Updates parameters from their accumulated gradients with a fused backend op per parameter. Its state
 * (moment buffers, step count) can be saved and restored exactly for checkpoints.
 */
public interface Optimizer extends AutoCloseable {
    /** Applies one update to every parameter that has a gradient, then counts the step. */
    void step();

    /** Sets every parameter's gradient to zero. */
    void zeroGrad();

    /** The learning rate of the next step. */
    double learningRate();

    /** Sets the learning rate (schedules call this each step). */
    void setLearningRate(double lr);

    /** Steps taken. */
    long steps();

    /** The parameters, by name. */
    Map<String, Parameter> parameters();

    /** State tensors by name (e.g. {@code m.weight_ih_l0}), for checkpoints; the tensors are live, not copies. */
    Map<String, Tensor> state();

    /** Hyper-parameters and the step count, for checkpoints. */
    Map<String, String> stateMetadata();

    /** Restores {@link #state()} values (copied in) and the step count from a checkpoint. */
    void loadState(Map<String, float[]> tensors, Map<String, String> metadata);

    /** Frees the state tensors. */
    @Override
    void close();
}
