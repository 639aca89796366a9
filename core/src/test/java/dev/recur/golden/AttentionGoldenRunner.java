package dev.recur.golden;

import dev.recur.backend.AttentionMask;
import dev.recur.backend.Backend;
import dev.recur.io.TensorEntry;
import dev.recur.nn.Forward;
import dev.recur.nn.attention.AttentionForward;
import dev.recur.nn.attention.MultiHeadAttention;
import dev.recur.nn.attention.TransformerEncoderLayer;
import dev.recur.tensor.Tensor;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Runs an attention golden case (mha, transformer_encoder_layer) through the public layers: builds the layer
 * from the metadata, loads the parameters by state_dict name, runs forward and backward with the stored
 * masks and upstream gradients, and compares every listed output and gradient.
 */
public final class AttentionGoldenRunner {
    /** The ops this runner handles. */
    public static final Set<String> OPS = Set.of("mha", "transformer_encoder_layer");

    private AttentionGoldenRunner() {
    }

    /** Runs the case and returns one comparison per output and gradient the file lists. */
    public static List<Comparison> run(GoldenCase c, Backend be) {
        List<Tensor> owned = new ArrayList<>();
        try {
            return c.op().equals("mha") ? runMha(c, be, owned) : runEncoderLayer(c, be, owned);
        } finally {
            owned.forEach(Tensor::close);
        }
    }

    private static List<Comparison> runMha(GoldenCase c, Backend be, List<Tensor> owned) {
        try (MultiHeadAttention mha = new MultiHeadAttention(be, c.metaInt("embed_dim"), c.metaInt("num_heads"),
                c.metaBool("bias", true), 0)) {
            mha.load(c.file());
            Tensor x = upload(c, "input", be, owned);
            Tensor attnMask = c.has("attn_mask") ? uploadLongs(c, "attn_mask", be, owned) : null;
            Tensor kpm = c.has("key_padding_mask") ? uploadLongs(c, "key_padding_mask", be, owned) : null;
            try (AttentionForward f = mha.forward(x, attnMask, kpm, false, true)) {
                Map<String, Tensor> results = new HashMap<>();
                results.put("output", f.output());
                results.put("attn_weights", f.weights());
                Tensor dy = upload(c, "dy.output", be, owned);
                Tensor dw = c.has("dy.attn_weights") ? upload(c, "dy.attn_weights", be, owned) : null;
                try (Tensor dx = f.backward(dy, dw)) {
                    results.put("grad.input", dx);
                    return RecurrentGoldenRunner.compare(c, mha, results);
                }
            }
        }
    }

    private static List<Comparison> runEncoderLayer(GoldenCase c, Backend be, List<Tensor> owned) {
        if (!c.metaBool("batch_first", true)) {
            throw new IllegalArgumentException(c.name() + ": only batch_first encoder layers are supported");
        }
        try (TransformerEncoderLayer layer = TransformerEncoderLayer.builder(c.metaInt("d_model"), c.metaInt("nhead"))
                .dimFeedforward(c.metaInt("dim_feedforward")).activation(c.meta("activation"))
                .layerNormEps(Float.parseFloat(c.meta("layer_norm_eps"))).normFirst(c.metaBool("norm_first", false))
                .dropout(0f).seed(0).build(be)) {
            layer.eval();
            layer.load(c.file());
            Tensor x = upload(c, "input", be, owned);
            Tensor attnMask = c.has("attn_mask") ? uploadLongs(c, "attn_mask", be, owned) : null;
            Tensor kpm = c.has("key_padding_mask") ? uploadLongs(c, "key_padding_mask", be, owned) : null;
            AttentionMask mask = layer.selfAttention().maskOf(attnMask, kpm, false, x.dim(0), x.dim(1));
            try (Forward f = layer.forward(x, mask)) {
                Map<String, Tensor> results = new HashMap<>();
                results.put("output", f.output());
                try (Tensor dx = f.backward(upload(c, "dy.output", be, owned))) {
                    results.put("grad.input", dx);
                    return RecurrentGoldenRunner.compare(c, layer, results);
                }
            }
        }
    }

    private static Tensor upload(GoldenCase c, String name, Backend be, List<Tensor> owned) {
        TensorEntry e = c.tensor(name);
        Tensor t = be.fromFloats(e.toFloatArray(), e.shape());
        owned.add(t);
        return t;
    }

    private static Tensor uploadLongs(GoldenCase c, String name, Backend be, List<Tensor> owned) {
        TensorEntry e = c.tensor(name);
        Tensor t = be.fromLongs(e.toLongArray(), e.shape());
        owned.add(t);
        return t;
    }
}
