package dev.recur.tensor;

import dev.recur.backend.Backend;
import java.util.Arrays;
import java.util.Locale;

/**
 * A dense, contiguous, row-major array owned by one {@link Backend} (host memory for cpu, device memory for
 * cuda). A tensor is either an owner of its memory or a view of another tensor's memory
 * ({@link #reshape}, {@link #slice}); closing an owner frees the memory, closing a view does nothing.
 * Using a tensor after its owner was closed throws {@link IllegalStateException}.
 *
 * <p>Host transfers happen only at the edges: {@link Backend#fromFloats}, {@link #toFloatArray()}.
 */
public abstract class Tensor implements AutoCloseable {
    private final Backend backend;
    private final DType dtype;
    private final int[] shape;
    private final long numel;

    /** For backends: a tensor of the given type and shape. */
    protected Tensor(Backend backend, DType dtype, int[] shape) {
        this.backend = backend;
        this.dtype = dtype;
        this.shape = shape.clone();
        this.numel = Shapes.numel(shape);
    }

    /** The backend that owns this tensor's memory. */
    public final Backend backend() {
        return backend;
    }

    /** Element type. */
    public final DType dtype() {
        return dtype;
    }

    /** A copy of the shape. */
    public final int[] shape() {
        return shape.clone();
    }

    /** Size of dimension {@code i}; negative {@code i} counts from the end. */
    public final int dim(int i) {
        return shape[i < 0 ? shape.length + i : i];
    }

    /** Number of dimensions. */
    public final int rank() {
        return shape.length;
    }

    /** Number of elements. */
    public final long numel() {
        return numel;
    }

    /** True when this tensor has exactly the given shape. */
    public final boolean hasShape(int... expected) {
        return Arrays.equals(shape, expected);
    }

    /** A view of the same memory with another shape of the same number of elements. */
    public abstract Tensor reshape(int... newShape);

    /**
     * A view of rows {@code [start, end)} of dimension 0 (contiguous in row-major order): for a
     * {@code [T, B, F]} tensor, {@code slice(t, t + 1)} is step {@code t} as {@code [1, B, F]}.
     */
    public abstract Tensor slice(int start, int end);

    /** Copies the elements to a new host array (F32 tensors). */
    public final float[] toFloatArray() {
        return backend.toFloatArray(this);
    }

    /** Copies the elements to a new host array (I64 tensors). */
    public final long[] toLongArray() {
        return backend.toLongArray(this);
    }

    /** A new tensor on the same backend with this tensor's dtype, shape and values. */
    public final Tensor copy() {
        Tensor c = backend().zeros(dtype(), shape());
        backend().copy(this, c);
        return c;
    }

    /** True once this tensor (or the owner of its memory) was closed. */
    public abstract boolean isClosed();

    /** Frees the memory if this tensor owns it; a view's close does nothing. Idempotent. */
    @Override
    public abstract void close();

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "Tensor(%s %s on %s%s)", dtype, Shapes.toString(shape), backend.name(),
                isClosed() ? ", closed" : "");
    }

    /** For backends: the shape without copying. */
    protected final int[] shapeRef() {
        return shape;
    }

    /** For backends: the shape after replacing dimension 0, checking the range. */
    protected final int[] slicedShape(int start, int end) {
        if (shape.length == 0 || start < 0 || end > shape[0] || start > end) {
            throw new IndexOutOfBoundsException(String.format(Locale.ROOT,
                    "slice: expected 0 <= start <= end <= %d, got [%d, %d) of %s",
                    shape.length == 0 ? 0 : shape[0], start, end, Shapes.toString(shape)));
        }
        int[] s = shape.clone();
        s[0] = end - start;
        return s;
    }

    /** For backends: checks that a reshape keeps the number of elements. */
    protected final int[] checkedReshape(int[] newShape) {
        if (Shapes.numel(newShape) != numel) {
            throw new IllegalArgumentException(String.format(Locale.ROOT,
                    "reshape: expected a shape of %d elements, got %s (%d elements) for %s",
                    numel, Shapes.toString(newShape), Shapes.numel(newShape), Shapes.toString(shape)));
        }
        return newShape.clone();
    }
}
