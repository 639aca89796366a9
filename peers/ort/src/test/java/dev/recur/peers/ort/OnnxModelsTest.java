package dev.recur.peers.ort;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.recur.autograd.GradMode;
import dev.recur.backend.AttentionMask;
import dev.recur.backend.Backend;
import dev.recur.backend.Backends;
import dev.recur.nn.Forward;
import dev.recur.nn.attention.TransformerEncoderLayer;
import dev.recur.nn.rnn.Gru;
import dev.recur.nn.rnn.Lstm;
import dev.recur.nn.rnn.RecurrentLayer;
import dev.recur.nn.rnn.RnnResult;
import dev.recur.peers.shapes.PeerShapes;
import dev.recur.tensor.Tensor;
import java.nio.FloatBuffer;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The hand-encoded ONNX models, run by ONNX Runtime, against Recur's cpu layers on the same weights and input:
 * proves the protobuf encoding, the gate reordering (LSTM i,f,g,o to i,o,f,c; GRU r,z,n to z,r,h with
 * linear_before_reset) and the transformer graph, so the benchmark measures the same function as Recur's.
 */
class OnnxModelsTest {
    private static final float TOLERANCE = 2e-5f;

    @Test
    void lstmNodeMatchesRecurLstm() throws OrtException {
        checkRnn(true, 7, 3, 5, 6);
        checkRnn(true, 4, 1, 8, 8);
    }

    @Test
    void gruNodeMatchesRecurGru() throws OrtException {
        checkRnn(false, 7, 3, 5, 6);
        checkRnn(false, 4, 1, 8, 8);
    }

    @Test
    void transformerGraphMatchesRecurEncoderLayer() throws OrtException {
        int steps = 6;
        int batch = 2;
        int d = 16;
        int heads = 4;
        int ff = 24;
        Backend be = Backends.get("cpu");
        try (TransformerEncoderLayer layer = TransformerEncoderLayer.builder(d, heads).dimFeedforward(ff)
                .dropout(0f).seed(3).build(be)) {
            layer.eval();
            // Non-trivial LayerNorm affines (the initial ones are 1 and 0), so their wiring is checked too.
            set(layer, "norm1.weight", PeerShapes.uniform(50, d, 1.0), be);
            set(layer, "norm1.bias", PeerShapes.uniform(51, d, 1.0), be);
            set(layer, "norm2.weight", PeerShapes.uniform(52, d, 1.0), be);
            set(layer, "norm2.bias", PeerShapes.uniform(53, d, 1.0), be);
            Map<String, Tensor> p = layer.stateDict();
            OnnxTransformer.Weights w = new OnnxTransformer.Weights(
                    p.get("self_attn.in_proj_weight").toFloatArray(), p.get("self_attn.in_proj_bias").toFloatArray(),
                    p.get("self_attn.out_proj.weight").toFloatArray(), p.get("self_attn.out_proj.bias").toFloatArray(),
                    p.get("linear1.weight").toFloatArray(), p.get("linear1.bias").toFloatArray(),
                    p.get("linear2.weight").toFloatArray(), p.get("linear2.bias").toFloatArray(),
                    p.get("norm1.weight").toFloatArray(), p.get("norm1.bias").toFloatArray(),
                    p.get("norm2.weight").toFloatArray(), p.get("norm2.bias").toFloatArray());
            float[] xTbd = PeerShapes.uniform(9, steps * batch * d, 1.0);
            float[] expected;
            try (GradMode.Scope g = GradMode.disable();
                 Tensor x = be.fromFloats(swap01(xTbd, steps, batch, d), batch, steps, d);
                 Forward f = layer.forward(x, AttentionMask.NONE)) {
                expected = swap01(f.output().toFloatArray(), batch, steps, d);
            }
            float[] actual = runOrt(OnnxTransformer.encoderLayer(steps, batch, d, heads, ff, w), xTbd,
                    new long[] {steps, batch, d});
            assertClose(expected, actual, 1e-4f, "transformer");
        }
    }

    private static void set(TransformerEncoderLayer layer, String name, float[] values, Backend be) {
        Tensor t = layer.parameter(name).value();
        try (Tensor src = be.fromFloats(values, values.length)) {
            be.copy(src, t);
        }
    }

    private static void checkRnn(boolean lstm, int steps, int batch, int input, int hidden) throws OrtException {
        Backend be = Backends.get("cpu");
        try (RecurrentLayer layer = lstm ? Lstm.builder(input, hidden).seed(11).build(be)
                : Gru.builder(input, hidden).seed(11).build(be)) {
            float[] wIh = layer.parameter("weight_ih_l0").value().toFloatArray();
            float[] wHh = layer.parameter("weight_hh_l0").value().toFloatArray();
            float[] bIh = layer.parameter("bias_ih_l0").value().toFloatArray();
            float[] bHh = layer.parameter("bias_hh_l0").value().toFloatArray();
            float[] x = PeerShapes.uniform(5, steps * batch * input, 1.0);
            float[] expected;
            try (GradMode.Scope g = GradMode.disable();
                 Tensor xt = be.fromFloats(x, steps, batch, input);
                 RnnResult r = layer.forward(xt)) {
                expected = r.output().toFloatArray();
            }
            byte[] model = lstm ? OnnxModels.lstm(steps, batch, input, hidden, wIh, wHh, bIh, bHh)
                    : OnnxModels.gru(steps, batch, input, hidden, wIh, wHh, bIh, bHh);
            float[] actual = runOrt(model, x, new long[] {steps, batch, input});
            assertClose(expected, actual, TOLERANCE, (lstm ? "lstm" : "gru") + " T" + steps + " B" + batch);
        }
    }

    private static float[] runOrt(byte[] model, float[] x, long[] shape) throws OrtException {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession.SessionOptions o = new OrtSession.SessionOptions()) {
            o.setIntraOpNumThreads(1);
            o.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
            try (OrtSession s = env.createSession(model, o);
                 OnnxTensor in = OnnxTensor.createTensor(env, FloatBuffer.wrap(x), shape);
                 OrtSession.Result r = s.run(Map.of("X", in))) {
                FloatBuffer y = ((OnnxTensor) r.get(0)).getFloatBuffer();
                float[] out = new float[y.remaining()];
                y.get(out);
                return out;
            }
        }
    }

    /** [A, B, C] to [B, A, C]. */
    private static float[] swap01(float[] v, int a, int b, int c) {
        float[] out = new float[v.length];
        for (int i = 0; i < a; i++) {
            for (int j = 0; j < b; j++) {
                System.arraycopy(v, (i * b + j) * c, out, (j * a + i) * c, c);
            }
        }
        return out;
    }

    private static void assertClose(float[] expected, float[] actual, float tol, String what) {
        assertEquals(expected.length, actual.length, what + ": length");
        float worst = 0;
        for (int i = 0; i < expected.length; i++) {
            worst = Math.max(worst, Math.abs(expected[i] - actual[i]));
        }
        if (!(worst <= tol)) {
            throw new AssertionError(what + ": max |recur - ort| = " + worst + " > " + tol);
        }
    }
}
