package dev.recur.nn;

import dev.recur.backend.Backend;
import dev.recur.internal.Checks;
import dev.recur.tensor.DType;
import dev.recur.tensor.Tensor;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * {@code y = x W^T + b}, as {@code torch.nn.Linear(in_features, out_features, bias=True)}: {@code weight
 * [out, in]}, {@code bias [out]}; x {@code [..., in]} → y {@code [..., out]}. Initialised as PyTorch does:
 * both from U(-1/sqrt(in), 1/sqrt(in)).
 */
public final class Linear extends Module {
    private final int inFeatures;
    private final int outFeatures;
    private final Parameter weight;
    private final Parameter bias;

    /** A layer with fresh random weights from the seed. */
    public Linear(Backend backend, int inFeatures, int outFeatures, boolean bias, long seed) {
        super(backend, "linear");
        if (inFeatures <= 0 || outFeatures <= 0) {
            throw new IllegalArgumentException(String.format(Locale.ROOT,
                    "linear: in_features and out_features must be > 0, got %d and %d", inFeatures, outFeatures));
        }
        this.inFeatures = inFeatures;
        this.outFeatures = outFeatures;
        SplittableRandom random = new SplittableRandom(seed);
        float bound = (float) (1 / Math.sqrt(inFeatures));
        this.weight = register("weight", "[out, in]", Init.uniform(backend, random, bound, outFeatures, inFeatures));
        this.bias = bias ? register("bias", "[out]", Init.uniform(backend, random, bound, outFeatures)) : null;
    }

    /** in_features. */
    public int inFeatures() {
        return inFeatures;
    }

    /** out_features. */
    public int outFeatures() {
        return outFeatures;
    }

    /** x {@code [..., in]} → {@code [..., out]}. */
    public Forward forward(Tensor x) {
        Checks.live(opName(), "input", x, backend());
        if (x.rank() < 1 || x.dim(-1) != inFeatures) {
            throw new IllegalArgumentException(String.format(Locale.ROOT,
                    "linear: input must be [..., in_features] with in_features = %d, got %s", inFeatures,
                    dev.recur.tensor.Shapes.toString(x.shape())));
        }
        Checks.finite(opName(), "input", x);
        int rows = Math.toIntExact(x.numel() / inFeatures);
        int[] outShape = x.shape();
        outShape[outShape.length - 1] = outFeatures;
        Tensor y = backend().empty(DType.F32, outShape); // affine writes it (beta = 0)
        Tensor x2 = x.reshape(rows, inFeatures);
        Tensor y2 = y.reshape(rows, outFeatures);
        apply(x2, y2);
        return new AbstractForward(opName(), y) {
            @Override
            protected Tensor backwardChecked(Tensor dOutput) {
                Tensor dx = backend().empty(DType.F32, x.shape());
                applyBackward(dOutput.reshape(rows, outFeatures), x2, 0f, dx.reshape(rows, inFeatures));
                return dx;
            }
        };
    }

    /** {@code y = x W^T + b} on 2-D views, for layers built from this one: x {@code [N, in]}, y {@code [N, out]}. */
    public void apply(Tensor x, Tensor y) {
        affine(x, weight, bias, 0f, y);
    }

    /**
     * Backward of {@link #apply}: {@code dW += dy^T x}, {@code db += colsum(dy)},
     * {@code dx = betaDx * dx + dy W}.
     */
    public void applyBackward(Tensor dy, Tensor x, float betaDx, Tensor dx) {
        affineBackward(dy, x, weight, bias, betaDx, dx);
    }

    /**
     * {@code y = beta * y + x W^T + b}: x {@code [N, K]}, W {@code [M, K]}, b {@code [M]} or null, y {@code [N, M]}.
     * The one affine map every layer uses (linear layers, recurrent cells).
     */
    public static void affine(Tensor x, Parameter w, Parameter b, float beta, Tensor y) {
        Backend be = w.value().backend();
        be.gemm(false, true, 1f, x, w.value(), beta, y);
        if (b != null) {
            be.addRowVector(y, b.value());
        }
    }

    /**
     * Backward of {@link #affine}: {@code dW += dy^T x}, {@code db += colsum(dy)},
     * {@code dx = betaDx * dx + dy W}.
     */
    public static void affineBackward(Tensor dy, Tensor x, Parameter w, Parameter b, float betaDx, Tensor dx) {
        Backend be = w.value().backend();
        be.gemm(true, false, 1f, dy, x, 1f, w.grad());
        if (b != null) {
            be.sumRowsInto(dy, b.grad());
        }
        be.gemm(false, false, 1f, dy, w.value(), betaDx, dx);
    }
}
