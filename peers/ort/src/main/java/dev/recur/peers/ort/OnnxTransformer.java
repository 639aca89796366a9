package dev.recur.peers.ort;

import dev.recur.peers.shapes.PeerShapes;
/**
 * An ONNX model (opset 17, for {@code LayerNormalization}) of one transformer encoder layer as
 * {@code torch.nn.TransformerEncoderLayer(d, heads, ff, dropout=0, activation=relu, layer_norm_eps=1e-5,
 * norm_first=False)}, input and output {@code [T, B, d]}:
 * <pre>
 * x1  = LayerNorm1(x + OutProj(Attention(x)))      attention: softmax(Q K^T / sqrt(d/heads)) V per head
 * out = LayerNorm2(x1 + Linear2(relu(Linear1(x1))))
 * </pre>
 * built from plain MatMul / Add / Reshape / Transpose / Softmax / Relu / LayerNormalization nodes, which ONNX
 * Runtime's graph optimizer is free to fuse. Weights in PyTorch's layout and names (see {@link Weights}).
 */
final class OnnxTransformer {
    /** Opset of the transformer model. */
    static final int OPSET = 17;

    private OnnxTransformer() {
    }

    /**
     * PyTorch's parameters: {@code self_attn.in_proj_weight [3d, d]}, {@code self_attn.in_proj_bias [3d]},
     * {@code self_attn.out_proj.weight [d, d]} and {@code .bias [d]}, {@code linear1.weight [ff, d]},
     * {@code linear1.bias [ff]}, {@code linear2.weight [d, ff]}, {@code linear2.bias [d]},
     * {@code norm1.weight / bias [d]}, {@code norm2.weight / bias [d]}.
     */
    record Weights(float[] inProjWeight, float[] inProjBias, float[] outProjWeight, float[] outProjBias,
                   float[] linear1Weight, float[] linear1Bias, float[] linear2Weight, float[] linear2Bias,
                   float[] norm1Weight, float[] norm1Bias, float[] norm2Weight, float[] norm2Bias) {
    }

    /** Seeded weights: linear weights uniform in +-1/sqrt(fan_in), biases the same, LayerNorm 1 and 0. */
    static Weights randomWeights(int d, int ff, long seed) {
        double bd = 1 / Math.sqrt(d);
        double bf = 1 / Math.sqrt(ff);
        float[] ones = new float[d];
        java.util.Arrays.fill(ones, 1f);
        return new Weights(
                PeerShapes.uniform(seed, 3 * d * d, bd), PeerShapes.uniform(seed + 1, 3 * d, bd),
                PeerShapes.uniform(seed + 2, d * d, bd), PeerShapes.uniform(seed + 3, d, bd),
                PeerShapes.uniform(seed + 4, ff * d, bd), PeerShapes.uniform(seed + 5, ff, bd),
                PeerShapes.uniform(seed + 6, d * ff, bf), PeerShapes.uniform(seed + 7, d, bf),
                ones.clone(), new float[d], ones.clone(), new float[d]);
    }

    /** The layer's model: input {@code X [T, B, d]}, output {@code Y [T, B, d]}. */
    static byte[] encoderLayer(int steps, int batch, int d, int heads, int ff, Weights w) {
        if (d % heads != 0) {
            throw new IllegalArgumentException("d=" + d + " is not a multiple of heads=" + heads);
        }
        int dh = d / heads;
        long rows = (long) steps * batch;
        OnnxGraph g = new OnnxGraph()
                .input("X", steps, batch, d)
                .output("Y", steps, batch, d)
                .initializer("in_proj_wT", transpose(w.inProjWeight(), 3 * d, d), d, 3L * d)
                .initializer("in_proj_b", w.inProjBias(), 3L * d)
                .initializer("out_proj_wT", transpose(w.outProjWeight(), d, d), d, d)
                .initializer("out_proj_b", w.outProjBias(), d)
                .initializer("linear1_wT", transpose(w.linear1Weight(), ff, d), d, ff)
                .initializer("linear1_b", w.linear1Bias(), ff)
                .initializer("linear2_wT", transpose(w.linear2Weight(), d, ff), ff, d)
                .initializer("linear2_b", w.linear2Bias(), d)
                .initializer("norm1_w", w.norm1Weight(), d)
                .initializer("norm1_b", w.norm1Bias(), d)
                .initializer("norm2_w", w.norm2Weight(), d)
                .initializer("norm2_b", w.norm2Bias(), d)
                .initializer("scale", new float[] {(float) (1 / Math.sqrt(dh))})
                .longInitializer("rows_d", rows, d)
                .longInitializer("heads_shape", steps, batch, heads, dh)
                .longInitializer("out_shape", steps, batch, d)
                .longInitializer("qkv_split", d, d, d);
        g.node("Reshape", in("X", "rows_d"), out("x2"));
        g.node("MatMul", in("x2", "in_proj_wT"), out("qkv0"));
        g.node("Add", in("qkv0", "in_proj_b"), out("qkv"));
        g.node("Split", in("qkv", "qkv_split"), out("q", "k", "v"), OnnxGraph.intAttr("axis", 1));
        g.node("Reshape", in("q", "heads_shape"), out("q4"));
        g.node("Reshape", in("k", "heads_shape"), out("k4"));
        g.node("Reshape", in("v", "heads_shape"), out("v4"));
        g.node("Transpose", in("q4"), out("qt"), OnnxGraph.intsAttr("perm", 1, 2, 0, 3));
        g.node("Transpose", in("k4"), out("kt"), OnnxGraph.intsAttr("perm", 1, 2, 3, 0));
        g.node("Transpose", in("v4"), out("vt"), OnnxGraph.intsAttr("perm", 1, 2, 0, 3));
        g.node("MatMul", in("qt", "kt"), out("scores0"));
        g.node("Mul", in("scores0", "scale"), out("scores"));
        g.node("Softmax", in("scores"), out("probs"), OnnxGraph.intAttr("axis", -1));
        g.node("MatMul", in("probs", "vt"), out("ctx"));
        g.node("Transpose", in("ctx"), out("ctx_t"), OnnxGraph.intsAttr("perm", 2, 0, 1, 3));
        g.node("Reshape", in("ctx_t", "rows_d"), out("ctx2"));
        g.node("MatMul", in("ctx2", "out_proj_wT"), out("attn0"));
        g.node("Add", in("attn0", "out_proj_b"), out("attn"));
        g.node("Add", in("x2", "attn"), out("res1"));
        g.node("LayerNormalization", in("res1", "norm1_w", "norm1_b"), out("x1"),
                OnnxGraph.intAttr("axis", -1), OnnxGraph.floatAttr("epsilon", 1e-5f));
        g.node("MatMul", in("x1", "linear1_wT"), out("ff0"));
        g.node("Add", in("ff0", "linear1_b"), out("ff1"));
        g.node("Relu", in("ff1"), out("ff2"));
        g.node("MatMul", in("ff2", "linear2_wT"), out("ff3"));
        g.node("Add", in("ff3", "linear2_b"), out("ff4"));
        g.node("Add", in("x1", "ff4"), out("res2"));
        g.node("LayerNormalization", in("res2", "norm2_w", "norm2_b"), out("y2"),
                OnnxGraph.intAttr("axis", -1), OnnxGraph.floatAttr("epsilon", 1e-5f));
        g.node("Reshape", in("y2", "out_shape"), out("Y"));
        return g.toModel("transformer_encoder_layer", OPSET);
    }

    private static String[] in(String... names) {
        return names;
    }

    private static String[] out(String... names) {
        return names;
    }

    /** {@code m [rows, cols]} row-major to {@code [cols, rows]}. */
    static float[] transpose(float[] m, int rows, int cols) {
        float[] t = new float[m.length];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                t[c * rows + r] = m[r * cols + c];
            }
        }
        return t;
    }
}
