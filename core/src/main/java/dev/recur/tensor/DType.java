package dev.recur.tensor;

import java.util.Locale;

/**
 * Element types. Recur computes in {@link #F32}; {@link #I64} carries lengths and masks;
 * {@link #F16} and {@link #BF16} are recognised in files and converted to {@code F32} on load.
 */
public enum DType {
    /** IEEE 754 binary32. */
    F32(4),
    /** IEEE 754 binary64 (read from files and converted). */
    F64(8),
    /** IEEE 754 binary16 (read from files and converted). */
    F16(2),
    /** bfloat16: the upper 16 bits of a binary32 (read from files and converted). */
    BF16(2),
    /** Signed 64-bit integer. */
    I64(8),
    /** Signed 32-bit integer. */
    I32(4);

    private final int byteSize;

    DType(int byteSize) {
        this.byteSize = byteSize;
    }

    /** Bytes per element. */
    public int byteSize() {
        return byteSize;
    }

    /** True for the floating-point types. */
    public boolean isFloating() {
        return this == F32 || this == F64 || this == F16 || this == BF16;
    }

    /** The safetensors name of this type ("F32", "I64", ...). */
    public String safetensorsName() {
        return name();
    }

    /**
     * The type with the given safetensors name.
     *
     * @throws IllegalArgumentException naming the unknown type and the known ones
     */
    public static DType fromSafetensorsName(String name) {
        for (DType t : values()) {
            if (t.name().equals(name)) {
                return t;
            }
        }
        throw new IllegalArgumentException(String.format(Locale.ROOT,
                "dtype: expected one of F32, F64, F16, BF16, I64, I32, got \"%s\"", name));
    }
}
