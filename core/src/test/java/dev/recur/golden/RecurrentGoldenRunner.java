package dev.recur.golden;

import dev.recur.backend.Backend;
import dev.recur.nn.Module;
import dev.recur.nn.Parameter;
import dev.recur.nn.rnn.CellResult;
import dev.recur.nn.rnn.Gru;
import dev.recur.nn.rnn.GruCell;
import dev.recur.nn.rnn.Lstm;
import dev.recur.nn.rnn.LstmCell;
import dev.recur.nn.rnn.Nonlinearity;
import dev.recur.nn.rnn.RecurrentLayer;
import dev.recur.nn.rnn.RnnGradients;
import dev.recur.nn.rnn.Rnn;
import dev.recur.nn.rnn.RnnCell;
import dev.recur.nn.rnn.RnnResult;
import dev.recur.nn.rnn.RnnState;
import dev.recur.io.TensorEntry;
import dev.recur.tensor.Tensor;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Runs a recurrent golden case (rnn_tanh, rnn_relu, lstm, gru and their cells) through the public layers
 * on a backend: builds the layer from the metadata, loads the stored parameters by state_dict name, runs
 * forward and backward with the stored upstream gradients, and compares every listed output and gradient.
 */
public final class RecurrentGoldenRunner {
    /** The ops this runner handles. */
    public static final Set<String> OPS = Set.of("rnn_tanh", "rnn_relu", "lstm", "gru", "lstm_cell", "gru_cell",
            "rnn_cell");

    private RecurrentGoldenRunner() {
    }

    /** Runs the case and returns one comparison per output and gradient the file lists. */
    public static List<Comparison> run(GoldenCase c, Backend be) {
        List<Tensor> owned = new ArrayList<>();
        try {
            return c.op().endsWith("_cell") ? runCell(c, be, owned) : runSequence(c, be, owned);
        } finally {
            owned.forEach(Tensor::close);
        }
    }

    private static List<Comparison> runSequence(GoldenCase c, Backend be, List<Tensor> owned) {
        RecurrentLayer layer = switch (c.op()) {
            case "lstm" -> Lstm.builder(c.metaInt("input_size"), c.metaInt("hidden_size"))
                    .numLayers(c.metaInt("num_layers")).bias(c.metaBool("bias", true))
                    .batchFirst(c.metaBool("batch_first", false)).bidirectional(c.metaBool("bidirectional", false))
                    .projSize(c.metaInt("proj_size")).seed(0).build(be);
            case "gru" -> Gru.builder(c.metaInt("input_size"), c.metaInt("hidden_size"))
                    .numLayers(c.metaInt("num_layers")).bias(c.metaBool("bias", true))
                    .batchFirst(c.metaBool("batch_first", false)).bidirectional(c.metaBool("bidirectional", false))
                    .seed(0).build(be);
            default -> Rnn.builder(c.metaInt("input_size"), c.metaInt("hidden_size"))
                    .nonlinearity(Nonlinearity.parse(c.meta("nonlinearity")))
                    .numLayers(c.metaInt("num_layers")).bias(c.metaBool("bias", true))
                    .batchFirst(c.metaBool("batch_first", false)).bidirectional(c.metaBool("bidirectional", false))
                    .seed(0).build(be);
        };
        try (layer) {
            layer.load(c.file());
            Tensor input = upload(c, "input", be, owned);
            Tensor h0 = c.has("h0") ? upload(c, "h0", be, owned) : null;
            Tensor c0 = c.has("c0") ? upload(c, "c0", be, owned) : null;
            long[] lengths = c.has("lengths") ? c.tensor("lengths").toLongArray() : null;
            try (RnnResult r = layer.forward(input, lengths, new RnnState(h0, c0))) {
                Map<String, Tensor> results = new HashMap<>();
                results.put("output", r.output());
                results.put("h_n", r.hn());
                results.put("c_n", r.cn());
                Tensor dOut = c.has("dy.output") ? upload(c, "dy.output", be, owned) : null;
                Tensor dHn = c.has("dy.h_n") ? upload(c, "dy.h_n", be, owned) : null;
                Tensor dCn = c.has("dy.c_n") ? upload(c, "dy.c_n", be, owned) : null;
                try (RnnGradients g = r.backward(dOut, dHn, dCn)) {
                    results.put("grad.input", g.input());
                    results.put("grad.h0", g.h0());
                    results.put("grad.c0", g.c0());
                    return compare(c, layer, results);
                }
            }
        }
    }

    private static List<Comparison> runCell(GoldenCase c, Backend be, List<Tensor> owned) {
        int in = c.metaInt("input_size");
        int hid = c.metaInt("hidden_size");
        boolean bias = c.metaBool("bias", true);
        var cell = switch (c.op()) {
            case "lstm_cell" -> new LstmCell(be, in, hid, bias, 0);
            case "gru_cell" -> new GruCell(be, in, hid, bias, 0);
            default -> new RnnCell(be, in, hid, bias, Nonlinearity.parse(c.meta("nonlinearity")), 0);
        };
        try (cell) {
            cell.load(c.file());
            Tensor input = upload(c, "input", be, owned);
            Tensor h0 = c.has("h0") ? upload(c, "h0", be, owned) : null;
            Tensor c0 = c.has("c0") ? upload(c, "c0", be, owned) : null;
            try (CellResult r = cell.forward(input, new RnnState(h0, c0))) {
                Map<String, Tensor> results = new HashMap<>();
                results.put("h_1", r.h());
                results.put("c_1", r.c());
                Tensor dh = c.has("dy.h_1") ? upload(c, "dy.h_1", be, owned) : null;
                Tensor dc = c.has("dy.c_1") ? upload(c, "dy.c_1", be, owned) : null;
                try (RnnGradients g = r.backward(dh, dc)) {
                    results.put("grad.input", g.input());
                    results.put("grad.h0", g.h0());
                    results.put("grad.c0", g.c0());
                    return compare(c, cell, results);
                }
            }
        }
    }

    /** Compares every tensor the case lists under "outputs" and "gradients". */
    static List<Comparison> compare(GoldenCase c, Module module, Map<String, Tensor> results) {
        List<Comparison> out = new ArrayList<>();
        for (String name : c.metaList("outputs")) {
            out.add(Comparison.of(c.name(), name, values(results, module, name, c), c.tensor(name).toFloatArray(),
                    false));
        }
        for (String name : c.metaList("gradients")) {
            out.add(Comparison.of(c.name(), name, values(results, module, name, c), c.tensor(name).toFloatArray(),
                    true));
        }
        return out;
    }

    private static float[] values(Map<String, Tensor> results, Module module, String name, GoldenCase c) {
        Tensor t = results.get(name);
        if (t == null && name.startsWith("grad.")) {
            Parameter p = module.parameter(name.substring("grad.".length()));
            if (p != null) {
                t = p.grad();
            }
        }
        if (t == null) {
            throw new IllegalStateException(c.name() + ": no result for listed tensor " + name);
        }
        return t.toFloatArray();
    }

    private static Tensor upload(GoldenCase c, String name, Backend be, List<Tensor> owned) {
        TensorEntry e = c.tensor(name);
        Tensor t = be.fromFloats(e.toFloatArray(), e.shape());
        owned.add(t);
        return t;
    }
}
