package dev.recur.peers.ort;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * A minimal protocol-buffers writer: varints, 32-bit floats and length-delimited fields, enough to encode an
 * ONNX {@code ModelProto} by hand (ONNX Runtime's Java jar ships no generated protobuf classes). Repeated scalar
 * fields are written unpacked (one tag per element), which every protobuf parser accepts.
 */
final class Proto {
    private static final int VARINT = 0;
    private static final int LENGTH_DELIMITED = 2;
    private static final int FIXED32 = 5;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    private void tag(int field, int wireType) {
        varint(((long) field << 3) | wireType);
    }

    private void varint(long v) {
        while ((v & ~0x7FL) != 0) {
            out.write((int) ((v & 0x7F) | 0x80));
            v >>>= 7;
        }
        out.write((int) v);
    }

    /** An int32, int64 or enum field (negative values as ten-byte two's complement, as protobuf does). */
    Proto integer(int field, long value) {
        tag(field, VARINT);
        varint(value);
        return this;
    }

    /** A 32-bit float field. */
    Proto float32(int field, float value) {
        tag(field, FIXED32);
        int bits = Float.floatToRawIntBits(value);
        out.write(bits);
        out.write(bits >>> 8);
        out.write(bits >>> 16);
        out.write(bits >>> 24);
        return this;
    }

    /** A bytes field. */
    Proto bytes(int field, byte[] value) {
        tag(field, LENGTH_DELIMITED);
        varint(value.length);
        out.writeBytes(value);
        return this;
    }

    /** A string field, UTF-8. */
    Proto string(int field, String value) {
        return bytes(field, value.getBytes(StandardCharsets.UTF_8));
    }

    /** An embedded message field. */
    Proto message(int field, Proto value) {
        return bytes(field, value.toByteArray());
    }

    byte[] toByteArray() {
        return out.toByteArray();
    }
}
