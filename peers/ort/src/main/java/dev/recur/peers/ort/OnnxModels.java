package dev.recur.peers.ort;

/**
 * ONNX models of one recurrent layer: a single {@code LSTM} or {@code GRU} node (opset 14), input
 * {@code X [T, B, I]} (layout 0), output {@code Y [T, 1, B, H]}, forward direction, zero initial state, weights
 * as initializers. Weights are taken in PyTorch's layout ({@code weight_ih [G*H, I]}, {@code weight_hh [G*H, H]},
 * {@code bias_ih}, {@code bias_hh [G*H]}) and their gate blocks reordered to ONNX's:
 * <ul>
 *   <li>LSTM: PyTorch i, f, g, o to ONNX i, o, f, c;</li>
 *   <li>GRU: PyTorch r, z, n to ONNX z, r, h, with {@code linear_before_reset = 1}, which is PyTorch's
 *       {@code n = tanh(W_in x + b_in + r * (W_hn h + b_hn))}.</li>
 * </ul>
 */
final class OnnxModels {
    /** The opset of the recurrent models. */
    static final int RNN_OPSET = 14;
    /** ONNX gate block k comes from PyTorch gate block LSTM_ORDER[k]. */
    private static final int[] LSTM_ORDER = {0, 3, 1, 2};
    private static final int[] GRU_ORDER = {1, 0, 2};

    private OnnxModels() {
    }

    /** One LSTM node; weights in PyTorch's layout (see the class comment). */
    static byte[] lstm(int steps, int batch, int input, int hidden,
                       float[] weightIh, float[] weightHh, float[] biasIh, float[] biasHh) {
        return rnn("LSTM", LSTM_ORDER, steps, batch, input, hidden, weightIh, weightHh, biasIh, biasHh);
    }

    /** One GRU node with {@code linear_before_reset = 1}; weights in PyTorch's layout. */
    static byte[] gru(int steps, int batch, int input, int hidden,
                      float[] weightIh, float[] weightHh, float[] biasIh, float[] biasHh) {
        return rnn("GRU", GRU_ORDER, steps, batch, input, hidden, weightIh, weightHh, biasIh, biasHh);
    }

    private static byte[] rnn(String op, int[] order, int steps, int batch, int input, int hidden,
                              float[] weightIh, float[] weightHh, float[] biasIh, float[] biasHh) {
        int gates = order.length;
        float[] w = reorder(weightIh, order, hidden * input);
        float[] r = reorder(weightHh, order, hidden * hidden);
        float[] b = new float[2 * gates * hidden];
        System.arraycopy(reorder(biasIh, order, hidden), 0, b, 0, gates * hidden);
        System.arraycopy(reorder(biasHh, order, hidden), 0, b, gates * hidden, gates * hidden);
        OnnxGraph g = new OnnxGraph()
                .input("X", steps, batch, input)
                .initializer("W", w, 1, (long) gates * hidden, input)
                .initializer("R", r, 1, (long) gates * hidden, hidden)
                .initializer("B", b, 1, 2L * gates * hidden)
                .output("Y", steps, 1, batch, hidden);
        if (op.equals("GRU")) {
            g.node(op, new String[] {"X", "W", "R", "B"}, new String[] {"Y"},
                    OnnxGraph.intAttr("hidden_size", hidden), OnnxGraph.intAttr("linear_before_reset", 1));
        } else {
            g.node(op, new String[] {"X", "W", "R", "B"}, new String[] {"Y"},
                    OnnxGraph.intAttr("hidden_size", hidden));
        }
        return g.toModel(op.toLowerCase() + "_layer", RNN_OPSET);
    }

    /** Gate blocks of {@code block} consecutive values, block k of the result = block order[k] of {@code src}. */
    static float[] reorder(float[] src, int[] order, int block) {
        if (src.length != order.length * block) {
            throw new IllegalArgumentException(src.length + " values, expected " + order.length + " x " + block);
        }
        float[] out = new float[src.length];
        for (int k = 0; k < order.length; k++) {
            System.arraycopy(src, order[k] * block, out, k * block, block);
        }
        return out;
    }
}
