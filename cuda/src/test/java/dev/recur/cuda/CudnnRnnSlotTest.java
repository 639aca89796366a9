package dev.recur.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.recur.backend.RnnMode;
import dev.recur.backend.RnnSpec;
import dev.recur.backend.RnnWeights;
import dev.recur.backend.RnnWeights.Kind;
import dev.recur.cuda.CudnnRnn.Slot;
import java.util.EnumMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The map from cuDNN's parameter numbering ({@code linLayerID}, cudnnGetRNNWeightParams) to Recur's weight
 * tensors, which the cuDNN path copies weights and gradients through. Runs without a GPU. The expected ranges are
 * written out from cuDNN's documentation (LSTM ids 0-3 W_i, W_f, W_g, W_o, 4-7 R_i, R_f, R_g, R_o, 8 the
 * projection; GRU 0-2 W_r, W_z, W_h, 3-5 R_r, R_z, R_h; RNN 0 W, 1 R) and PyTorch's row blocks per gate.
 */
class CudnnRnnSlotTest {
    @Test
    void lstmIdsNameGateBlocksOfWeightIhAndWeightHh() {
        RnnSpec spec = new RnnSpec(RnnMode.LSTM, 3, 5, 0, 2, true, true);
        assertEquals(8, CudnnRnn.ids(spec));
        assertEquals(new Slot(Kind.WEIGHT_IH, 0, 15), CudnnRnn.slot(spec, 0, 0, false));
        assertEquals(new Slot(Kind.WEIGHT_IH, 30, 15), CudnnRnn.slot(spec, 0, 2, false)); // g: rows 10..14 of [20, 3]
        assertEquals(new Slot(Kind.WEIGHT_HH, 25, 25), CudnnRnn.slot(spec, 0, 5, false)); // R_f: rows 5..9 of [20, 5]
        assertEquals(new Slot(Kind.BIAS_IH, 15, 5), CudnnRnn.slot(spec, 0, 3, true));
        assertEquals(new Slot(Kind.BIAS_HH, 15, 5), CudnnRnn.slot(spec, 0, 7, true));
        // layer 1 reads both directions' outputs: I_1 = 2 * 5
        assertEquals(new Slot(Kind.WEIGHT_IH, 50, 50), CudnnRnn.slot(spec, 1, 1, false));
        assertThrows(IllegalArgumentException.class, () -> CudnnRnn.slot(spec, 0, 8, false));
    }

    @Test
    void projectingLstmHasItsWhrAsIdEightWithoutBias() {
        RnnSpec spec = new RnnSpec(RnnMode.LSTM, 4, 6, 2, 1, false, true);
        assertEquals(9, CudnnRnn.ids(spec));
        assertEquals(new Slot(Kind.WEIGHT_HR, 0, 12), CudnnRnn.slot(spec, 0, 8, false));
        assertNull(CudnnRnn.slot(spec, 0, 8, true));
        assertEquals(new Slot(Kind.WEIGHT_HH, 12, 12), CudnnRnn.slot(spec, 0, 5, false)); // R_f: [6, P = 2]
    }

    @Test
    void gruAndPlainRnnIds() {
        RnnSpec gru = new RnnSpec(RnnMode.GRU, 4, 6, 0, 1, false, true);
        assertEquals(6, CudnnRnn.ids(gru));
        assertEquals(new Slot(Kind.WEIGHT_IH, 48, 24), CudnnRnn.slot(gru, 0, 2, false)); // W_n: rows 12..17
        assertEquals(new Slot(Kind.WEIGHT_HH, 0, 36), CudnnRnn.slot(gru, 0, 3, false));
        assertEquals(new Slot(Kind.BIAS_HH, 12, 6), CudnnRnn.slot(gru, 0, 5, true));
        RnnSpec rnn = new RnnSpec(RnnMode.RNN_TANH, 3, 7, 0, 1, false, false);
        assertEquals(2, CudnnRnn.ids(rnn));
        assertEquals(new Slot(Kind.WEIGHT_HH, 0, 49), CudnnRnn.slot(rnn, 0, 1, false));
        assertNull(CudnnRnn.slot(rnn, 0, 1, true), "no biases");
    }

    /** Every element of every weight tensor is named by exactly one id, for each mode, with and without extras. */
    @Test
    void idsCoverEveryWeightElementOnce() {
        for (RnnMode mode : RnnMode.values()) {
            for (int proj : mode == RnnMode.LSTM ? new int[] {0, 3} : new int[] {0}) {
                for (boolean bias : new boolean[] {true, false}) {
                    RnnSpec spec = new RnnSpec(mode, 5, 7, proj, 2, true, bias);
                    for (int layer = 0; layer < 2; layer++) {
                        Map<Kind, boolean[]> seen = new EnumMap<>(Kind.class);
                        for (Kind kind : Kind.values()) {
                            if (RnnWeights.exists(spec, kind)) {
                                int n = 1;
                                for (int d : RnnWeights.shape(spec, kind, layer)) {
                                    n *= d;
                                }
                                seen.put(kind, new boolean[n]);
                            }
                        }
                        for (int id = 0; id < CudnnRnn.ids(spec); id++) {
                            for (boolean b : new boolean[] {false, true}) {
                                Slot s = CudnnRnn.slot(spec, layer, id, b);
                                if (s == null) {
                                    continue;
                                }
                                boolean[] marks = seen.get(s.kind());
                                assertTrue(marks != null, spec + ": id " + id + " names " + s.kind()
                                        + ", which this spec does not have");
                                for (long i = s.offset(); i < s.offset() + s.count(); i++) {
                                    assertTrue(!marks[(int) i], spec + ": element " + i + " of " + s.kind()
                                            + " named twice (id " + id + ")");
                                    marks[(int) i] = true;
                                }
                            }
                        }
                        seen.forEach((kind, marks) -> {
                            for (int i = 0; i < marks.length; i++) {
                                assertTrue(marks[i], spec + ": element " + i + " of " + kind + " has no id");
                            }
                        });
                    }
                }
            }
        }
    }
}
