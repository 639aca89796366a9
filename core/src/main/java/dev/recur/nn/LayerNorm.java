package dev.recur.nn;

import dev.recur.backend.Backend;
import dev.recur.internal.Checks;
import dev.recur.tensor.DType;
import dev.recur.tensor.Tensor;
import java.util.Locale;

/**
 * Layer normalisation over the last dimension, as {@code torch.nn.LayerNorm(E, eps=1e-5)} (biased
 * variance): {@code y = (x - mean) / sqrt(var + eps) * weight + bias}; {@code weight, bias [E]} start at 1
 * and 0. x {@code [..., E]}.
 */
public final class LayerNorm extends Module {
    private final int features;
    private final float eps;
    private final Parameter weight;
    private final Parameter bias;

    /** A layer norm over {@code features} with learnable weight and bias. */
    public LayerNorm(Backend backend, int features, float eps) {
        super(backend, "layer_norm");
        if (features <= 0 || !(eps > 0)) {
            throw new IllegalArgumentException(String.format(Locale.ROOT,
                    "layer_norm: normalized_shape must be > 0 and eps > 0, got %d and %s", features, eps));
        }
        this.features = features;
        this.eps = eps;
        float[] ones = new float[features];
        java.util.Arrays.fill(ones, 1f);
        this.weight = register("weight", "[E]", backend.fromFloats(ones, features));
        this.bias = register("bias", "[E]", backend.zeros(DType.F32, features));
    }

    /** x {@code [..., E]} → the same shape. */
    public Forward forward(Tensor x) {
        Checks.live(opName(), "input", x, backend());
        if (x.rank() < 1 || x.dim(-1) != features) {
            throw new IllegalArgumentException(String.format(Locale.ROOT,
                    "layer_norm: input must be [..., E] with E = normalized_shape = %d, got %s", features,
                    dev.recur.tensor.Shapes.toString(x.shape())));
        }
        Backend be = backend();
        int rows = Math.toIntExact(x.numel() / features);
        // layerNormForward writes every element of y and every row's statistics.
        Tensor y = be.empty(DType.F32, x.shape());
        Tensor mean = be.empty(DType.F32, rows);
        Tensor rstd = be.empty(DType.F32, rows);
        Tensor x2 = x.reshape(rows, features);
        be.layerNormForward(x2, weight.value(), bias.value(), eps, y.reshape(rows, features), mean, rstd);
        AbstractForward f = new AbstractForward(opName(), y) {
            @Override
            protected Tensor backwardChecked(Tensor dOutput) {
                Tensor dx = be.zeros(DType.F32, x.shape());
                be.layerNormBackward(dOutput.reshape(rows, features), x2, weight.value(), mean, rstd,
                        dx.reshape(rows, features), weight.grad(), bias.grad());
                return dx;
            }
        };
        f.own(mean);
        f.own(rstd);
        return f;
    }
}
