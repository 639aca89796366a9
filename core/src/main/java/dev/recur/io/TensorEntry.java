package dev.recur.io;

import dev.recur.tensor.DType;
import dev.recur.tensor.Shapes;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Locale;
import java.util.Objects;

/**
 * One tensor held on the host: dtype, shape and its little-endian row-major bytes. Immutable.
 *
 * <p>The bytes hold {@code numel(shape) * dtype.byteSize()} bytes, element {@code [i0, i1, ..., ik]} at
 * element index {@code ((i0 * d1 + i1) * d2 + ...) * dk + ik} (the rightmost dimension changes fastest). The
 * scalar shape {@code []} holds one element; a shape with a zero dimension holds none.
 */
public final class TensorEntry {
    private final DType dtype;
    private final int[] shape;
    private final long numel;
    /** Read-only, exactly the tensor's bytes from position 0 to the limit. Byte order is set on each view. */
    private final ByteBuffer data;

    /**
     * Wraps {@code data} (from its position to its limit) without copying; the caller must not change it
     * afterwards. The reader passes read-only slices of the file's bytes.
     *
     * @throws IllegalArgumentException when a dimension is negative or the byte count does not fit the shape
     */
    TensorEntry(DType dtype, int[] shape, ByteBuffer data) {
        this.dtype = Objects.requireNonNull(dtype, "dtype");
        this.shape = shape.clone();
        this.numel = Shapes.numel(this.shape);
        long expected = byteCount(dtype, this.shape);
        if (data.remaining() != expected) {
            throw new IllegalArgumentException(String.format(Locale.ROOT,
                    "tensor: bytes for shape %s of %s: expected %d bytes, found %d",
                    Shapes.toString(this.shape), dtype, expected, data.remaining()));
        }
        this.data = data.slice().asReadOnlyBuffer();
    }

    /**
     * An {@link DType#F32} tensor holding a copy of {@code values} in row-major order.
     *
     * @throws IllegalArgumentException when {@code values.length != numel(shape)}, naming both
     */
    public static TensorEntry ofFloats(float[] values, int... shape) {
        ByteBuffer buf = allocate(DType.F32, values.length, shape);
        buf.asFloatBuffer().put(values);
        return new TensorEntry(DType.F32, shape, buf);
    }

    /**
     * An {@link DType#I64} tensor holding a copy of {@code values} in row-major order.
     *
     * @throws IllegalArgumentException when {@code values.length != numel(shape)}, naming both
     */
    public static TensorEntry ofLongs(long[] values, int... shape) {
        ByteBuffer buf = allocate(DType.I64, values.length, shape);
        buf.asLongBuffer().put(values);
        return new TensorEntry(DType.I64, shape, buf);
    }

    /**
     * A tensor of any dtype holding a copy of {@code littleEndianBytes}, laid out row-major.
     *
     * @throws IllegalArgumentException when {@code littleEndianBytes.length != numel(shape) * dtype.byteSize()}
     */
    public static TensorEntry ofBytes(DType dtype, int[] shape, byte[] littleEndianBytes) {
        return new TensorEntry(dtype, shape, ByteBuffer.wrap(littleEndianBytes.clone()));
    }

    /** The element type. */
    public DType dtype() {
        return dtype;
    }

    /** The shape (a copy; {@code []} for a scalar). */
    public int[] shape() {
        return shape.clone();
    }

    /** The number of elements: the product of the shape (1 for a scalar). */
    public long numel() {
        return numel;
    }

    /** A read-only little-endian view of the tensor's bytes, position 0, limit {@code numel * byteSize}. */
    public ByteBuffer bytes() {
        return data.duplicate().order(ByteOrder.LITTLE_ENDIAN);
    }

    /**
     * The values as {@code float}, row-major. {@link DType#F32} as is; {@link DType#F64} rounded to nearest;
     * {@link DType#F16} (IEEE binary16, subnormals, infinities and NaN included) and {@link DType#BF16}
     * converted exactly.
     *
     * @throws IllegalStateException for an integer dtype
     */
    public float[] toFloatArray() {
        if (!dtype.isFloating()) {
            throw new IllegalStateException("tensor: expected a floating-point dtype (F32, F64, F16, BF16), got "
                    + dtype);
        }
        ByteBuffer b = bytes();
        float[] out = new float[(int) numel];
        switch (dtype) {
            case F32 -> b.asFloatBuffer().get(out);
            case F64 -> {
                for (int i = 0; i < out.length; i++) {
                    out[i] = (float) b.getDouble(i * 8);
                }
            }
            case F16 -> {
                for (int i = 0; i < out.length; i++) {
                    out[i] = halfToFloat(b.getShort(i * 2));
                }
            }
            case BF16 -> {
                for (int i = 0; i < out.length; i++) {
                    out[i] = Float.intBitsToFloat((b.getShort(i * 2) & 0xffff) << 16);
                }
            }
            default -> throw new AssertionError(dtype);
        }
        return out;
    }

    /**
     * The values as {@code long}, row-major: {@link DType#I64} as is, {@link DType#I32} widened.
     *
     * @throws IllegalStateException for a floating-point dtype
     */
    public long[] toLongArray() {
        ByteBuffer b = bytes();
        long[] out = new long[(int) numel];
        switch (dtype) {
            case I64 -> b.asLongBuffer().get(out);
            case I32 -> {
                for (int i = 0; i < out.length; i++) {
                    out[i] = b.getInt(i * 4);
                }
            }
            default -> throw new IllegalStateException("tensor: expected an integer dtype (I64, I32), got " + dtype);
        }
        return out;
    }

    /** Equal when dtype, shape and bytes are equal. */
    @Override
    public boolean equals(Object o) {
        return o instanceof TensorEntry t && dtype == t.dtype && Arrays.equals(shape, t.shape) && data.equals(t.data);
    }

    /** Consistent with {@link #equals}. */
    @Override
    public int hashCode() {
        return Objects.hash(dtype, Arrays.hashCode(shape), data);
    }

    /** {@code TensorEntry[F32 [3, 4]]}. */
    @Override
    public String toString() {
        return "TensorEntry[" + dtype + " " + Shapes.toString(shape) + "]";
    }

    /** {@code numel(shape) * dtype.byteSize()}, failing on overflow. */
    static long byteCount(DType dtype, int[] shape) {
        return Math.multiplyExact(Shapes.numel(shape), dtype.byteSize());
    }

    /** A zeroed little-endian buffer for {@code count} values of {@code dtype}, after checking them against the shape. */
    private static ByteBuffer allocate(DType dtype, int count, int[] shape) {
        long numel = Shapes.numel(shape);
        if (count != numel) {
            throw new IllegalArgumentException(String.format(Locale.ROOT,
                    "tensor: %d values do not fill shape %s: expected %d values, found %d",
                    count, Shapes.toString(shape), numel, count));
        }
        long bytes = byteCount(dtype, shape);
        if (bytes > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(String.format(Locale.ROOT,
                    "tensor: shape %s of %s takes %d bytes: expected at most %d bytes", Shapes.toString(shape),
                    dtype, bytes, Integer.MAX_VALUE));
        }
        return ByteBuffer.allocate((int) bytes).order(ByteOrder.LITTLE_ENDIAN);
    }

    /** IEEE 754 binary16 bits to the equal binary32 value (every half value is exactly representable). */
    private static float halfToFloat(short half) {
        int bits = half & 0xffff;
        int sign = (bits & 0x8000) << 16;
        int exponent = (bits >>> 10) & 0x1f;
        int mantissa = bits & 0x3ff;
        if (exponent == 0x1f) {
            // Infinity (mantissa 0) or NaN (payload kept in the top mantissa bits).
            return Float.intBitsToFloat(sign | 0x7f800000 | (mantissa << 13));
        }
        if (exponent == 0) {
            // Zero or subnormal: mantissa * 2^-24, exact in binary32.
            float magnitude = mantissa * 0x1p-24f;
            return sign != 0 ? -magnitude : magnitude;
        }
        // Normal: rebias the exponent from 15 to 127.
        return Float.intBitsToFloat(sign | ((exponent + 112) << 23) | (mantissa << 13));
    }
}
