package dev.recur.peers.ort;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * Builds an ONNX model (a {@code ModelProto}, serialized) from nodes, float initializers and float graph inputs
 * and outputs, with field numbers from {@code onnx/onnx.proto}.
 */
final class OnnxGraph {
    /** {@code TensorProto.DataType.FLOAT}. */
    private static final int FLOAT = 1;
    /** {@code AttributeProto.AttributeType}: FLOAT, INT, INTS. */
    private static final int ATTR_FLOAT = 1;
    private static final int ATTR_INT = 2;
    private static final int ATTR_INTS = 7;
    /** IR version 8 (ONNX 1.10+), which every opset used here (14, 17) may be paired with. */
    private static final int IR_VERSION = 8;

    private final List<Proto> nodes = new ArrayList<>();
    private final List<Proto> initializers = new ArrayList<>();
    private final List<Proto> inputs = new ArrayList<>();
    private final List<Proto> outputs = new ArrayList<>();

    /** An attribute: an int64. */
    static Proto intAttr(String name, long value) {
        return new Proto().string(1, name).integer(3, value).integer(20, ATTR_INT);
    }

    /** An attribute: a float. */
    static Proto floatAttr(String name, float value) {
        return new Proto().string(1, name).float32(2, value).integer(20, ATTR_FLOAT);
    }

    /** An attribute: a list of int64. */
    static Proto intsAttr(String name, long... values) {
        Proto p = new Proto().string(1, name);
        for (long v : values) {
            p.integer(8, v);
        }
        return p.integer(20, ATTR_INTS);
    }

    /** A node of the default domain; an empty input name is an omitted optional input. */
    OnnxGraph node(String opType, String[] in, String[] out, Proto... attributes) {
        Proto n = new Proto();
        for (String s : in) {
            n.string(1, s);
        }
        for (String s : out) {
            n.string(2, s);
        }
        n.string(3, opType + "_" + nodes.size()).string(4, opType);
        for (Proto a : attributes) {
            n.message(5, a);
        }
        nodes.add(n);
        return this;
    }

    /** A float initializer (a constant tensor), stored as little-endian raw_data. */
    OnnxGraph initializer(String name, float[] data, long... dims) {
        long n = 1;
        for (long d : dims) {
            n *= d;
        }
        if (n != data.length) {
            throw new IllegalArgumentException(name + ": " + data.length + " values for " + n + " elements");
        }
        ByteBuffer raw = ByteBuffer.allocate(data.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        raw.asFloatBuffer().put(data);
        Proto t = new Proto();
        for (long d : dims) {
            t.integer(1, d);
        }
        t.integer(2, FLOAT).string(8, name).bytes(9, raw.array());
        initializers.add(t);
        return this;
    }

    /** An int64 initializer (shapes for Reshape, split sizes). */
    OnnxGraph longInitializer(String name, long... data) {
        ByteBuffer raw = ByteBuffer.allocate(data.length * 8).order(ByteOrder.LITTLE_ENDIAN);
        raw.asLongBuffer().put(data);
        Proto t = new Proto().integer(1, data.length).integer(2, 7 /* INT64 */).string(8, name).bytes(9, raw.array());
        initializers.add(t);
        return this;
    }

    /** A float graph input of fixed shape. */
    OnnxGraph input(String name, long... dims) {
        inputs.add(valueInfo(name, dims));
        return this;
    }

    /** A float graph output of fixed shape. */
    OnnxGraph output(String name, long... dims) {
        outputs.add(valueInfo(name, dims));
        return this;
    }

    private static Proto valueInfo(String name, long... dims) {
        Proto shape = new Proto();
        for (long d : dims) {
            shape.message(1, new Proto().integer(1, d));
        }
        Proto tensorType = new Proto().integer(1, FLOAT).message(2, shape);
        return new Proto().string(1, name).message(2, new Proto().message(1, tensorType));
    }

    /** The serialized {@code ModelProto}, importing the default domain at {@code opset}. */
    byte[] toModel(String graphName, int opset) {
        Proto g = new Proto();
        for (Proto n : nodes) {
            g.message(1, n);
        }
        g.string(2, graphName);
        for (Proto t : initializers) {
            g.message(5, t);
        }
        for (Proto v : inputs) {
            g.message(11, v);
        }
        for (Proto v : outputs) {
            g.message(12, v);
        }
        return new Proto()
                .integer(1, IR_VERSION)
                .string(2, "recur-peers")
                .message(7, g)
                .message(8, new Proto().string(1, "").integer(2, opset))
                .toByteArray();
    }
}
