package dev.recur.backend;

import dev.recur.tensor.Tensor;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;

/**
 * The parameters of a recurrent network, indexed by (kind, layer, direction), with PyTorch's
 * {@code state_dict} names: {@code weight_ih_l0}, {@code weight_hh_l1_reverse}, {@code bias_ih_l0},
 * {@code weight_hr_l0} (LSTM projection). Absent kinds (no bias, no projection) are {@code null}.
 * Shapes are given in {@link RnnSpec}.
 */
public final class RnnWeights {
    /** The parameter kinds of one layer and direction, in PyTorch's registration order. */
    public enum Kind {
        /** weight_ih [G*H, I_l]. */
        WEIGHT_IH("weight_ih"),
        /** weight_hh [G*H, Hout]. */
        WEIGHT_HH("weight_hh"),
        /** bias_ih [G*H]. */
        BIAS_IH("bias_ih"),
        /** bias_hh [G*H]. */
        BIAS_HH("bias_hh"),
        /** weight_hr [P, H], LSTM with proj_size > 0. */
        WEIGHT_HR("weight_hr");

        private final String prefix;

        Kind(String prefix) {
            this.prefix = prefix;
        }

        /** "weight_ih", "bias_hh", ... */
        public String prefix() {
            return prefix;
        }
    }

    private final RnnSpec spec;
    private final Tensor[][][] tensors; // [layer][direction][kind]

    /** Empty (all null) weights for a spec; fill with {@link #set}. */
    public RnnWeights(RnnSpec spec) {
        this.spec = spec;
        this.tensors = new Tensor[spec.numLayers()][spec.directions()][Kind.values().length];
    }

    /** The spec these weights belong to. */
    public RnnSpec spec() {
        return spec;
    }

    /** The tensor of a kind, layer and direction (0 forward, 1 reverse); null when the kind is absent. */
    public Tensor get(Kind kind, int layer, int direction) {
        return tensors[layer][direction][kind.ordinal()];
    }

    /** Sets the tensor of a kind, layer and direction. */
    public void set(Kind kind, int layer, int direction, Tensor t) {
        tensors[layer][direction][kind.ordinal()] = t;
    }

    /** Whether the spec has this kind of parameter. */
    public static boolean exists(RnnSpec spec, Kind kind) {
        return switch (kind) {
            case WEIGHT_IH, WEIGHT_HH -> true;
            case BIAS_IH, BIAS_HH -> spec.bias();
            case WEIGHT_HR -> spec.projSize() > 0;
        };
    }

    /** The expected shape of a kind at a layer. */
    public static int[] shape(RnnSpec spec, Kind kind, int layer) {
        return switch (kind) {
            case WEIGHT_IH -> new int[] {spec.gateRows(), spec.layerInputSize(layer)};
            case WEIGHT_HH -> new int[] {spec.gateRows(), spec.outputSize()};
            case BIAS_IH, BIAS_HH -> new int[] {spec.gateRows()};
            case WEIGHT_HR -> new int[] {spec.projSize(), spec.hiddenSize()};
        };
    }

    /** The expected shape, written with the legend's letters, e.g. "[4H, H]" (for messages). */
    public static String symbolicShape(RnnSpec spec, Kind kind, int layer) {
        String g = spec.mode().gates() == 1 ? "H" : spec.mode().gates() + "H";
        String hout = spec.projSize() > 0 ? "P" : "H";
        return switch (kind) {
            case WEIGHT_IH -> "[" + g + ", " + (layer == 0 ? "I" : (spec.bidirectional() ? "2" : "") + hout) + "]";
            case WEIGHT_HH -> "[" + g + ", " + hout + "]";
            case BIAS_IH, BIAS_HH -> "[" + g + "]";
            case WEIGHT_HR -> "[P, H]";
        };
    }

    /** PyTorch's state_dict name: {@code weight_ih_l0}, {@code bias_hh_l1_reverse}, ... */
    public static String name(Kind kind, int layer, int direction) {
        return String.format(Locale.ROOT, "%s_l%d%s", kind.prefix(), layer, direction == 1 ? "_reverse" : "");
    }

    /** The parameter names a spec has, in PyTorch's order (layer, direction, kind). */
    public static List<String> names(RnnSpec spec) {
        List<String> out = new ArrayList<>();
        for (int l = 0; l < spec.numLayers(); l++) {
            for (int d = 0; d < spec.directions(); d++) {
                for (Kind k : Kind.values()) {
                    if (exists(spec, k)) {
                        out.add(name(k, l, d));
                    }
                }
            }
        }
        return Collections.unmodifiableList(out);
    }
}
