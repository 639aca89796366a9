package dev.recur.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.recur.RecurConfig;
import dev.recur.autograd.GradMode;
import dev.recur.backend.Backend;
import dev.recur.backend.Backends;
import dev.recur.io.Safetensors;
import dev.recur.io.TensorEntry;
import dev.recur.nn.rnn.Gru;
import dev.recur.nn.rnn.Lstm;
import dev.recur.nn.rnn.LstmCell;
import dev.recur.nn.rnn.RnnResult;
import dev.recur.nn.rnn.RnnState;
import dev.recur.tensor.DType;
import dev.recur.tensor.Tensor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/** Bad input to the recurrent layers: each error names the argument, what was expected and what was found. */
class RecurrentLayerValidationTest {
    private final Backend be = Backends.get("cpu");

    @AfterEach
    void resetChecks() {
        RecurConfig.setCheckFinite(false);
    }

    private static void assertMessage(Executable call, String... parts) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        for (String part : parts) {
            assertTrue(e.getMessage().contains(part), () -> "message \"" + e.getMessage() + "\" lacks \"" + part + "\"");
        }
    }

    @Test
    void weightOfTheWrongShapeIsRejectedAndNothingIsLoaded() {
        try (Lstm lstm = Lstm.builder(4, 3).seed(1).build(be)) {
            float[] before = lstm.parameter("weight_ih_l0").value().toFloatArray();
            Map<String, TensorEntry> state = new LinkedHashMap<>();
            lstm.stateDict().forEach((k, v) -> state.put(k, TensorEntry.ofFloats(new float[(int) v.numel()], v.shape())));
            state.put("weight_hh_l0", TensorEntry.ofFloats(new float[12 * 2], 12, 2));
            assertMessage(() -> lstm.loadStateDict(state, true), "lstm", "weight_hh_l0", "[4H, H]", "[12, 3]",
                    "got [12, 2]");
            assertArrayEquals(before, lstm.parameter("weight_ih_l0").value().toFloatArray(),
                    "a rejected state dict must leave every parameter as it was");
        }
    }

    @Test
    void missingAndUnexpectedParametersAreNamed() {
        try (Gru gru = Gru.builder(4, 3).seed(1).build(be)) {
            Map<String, TensorEntry> state = new LinkedHashMap<>();
            gru.stateDict().forEach((k, v) -> state.put(k, TensorEntry.ofFloats(new float[(int) v.numel()], v.shape())));
            Map<String, TensorEntry> missing = new LinkedHashMap<>(state);
            missing.remove("bias_hh_l0");
            assertMessage(() -> gru.loadStateDict(missing, true), "gru", "missing", "bias_hh_l0");
            state.put("weight_ih_l1", TensorEntry.ofFloats(new float[1], 1));
            assertMessage(() -> gru.loadStateDict(state, true), "gru", "unexpected", "weight_ih_l1");
        }
    }

    @Test
    void inputFeatureSizeMustBeInputSize() {
        try (Lstm lstm = Lstm.builder(4, 3).build(be); Tensor x = be.zeros(DType.F32, 5, 2, 7)) {
            assertMessage(() -> lstm.forward(x), "lstm", "input", "input_size = 4", "[5, 2, 7]");
        }
        try (LstmCell cell = new LstmCell(be, 4, 3); Tensor x = be.zeros(DType.F32, 2, 5)) {
            assertMessage(() -> cell.forward(x, null), "lstm_cell", "input", "input_size = 4", "[2, 5]");
        }
    }

    @Test
    void lengthsMustBeInOneToT() {
        try (Lstm lstm = Lstm.builder(4, 3).build(be); Tensor x = be.zeros(DType.F32, 5, 2, 4)) {
            assertMessage(() -> lstm.forward(x, new int[] {5, 0}, null), "lstm", "lengths[1]", "[1, 5]", "got 0");
            assertMessage(() -> lstm.forward(x, new int[] {6, 1}, null), "lstm", "lengths[0]", "[1, 5]", "got 6");
        }
    }

    @Test
    void lengthsMustHaveOneEntryPerSequence() {
        try (Lstm lstm = Lstm.builder(4, 3).batchFirst(true).build(be); Tensor x = be.zeros(DType.F32, 2, 5, 4)) {
            assertMessage(() -> lstm.forward(x, new int[] {5, 4, 3}, null), "lstm", "lengths", "B = 2", "got 3");
        }
    }

    @Test
    void initialStatesMustHaveTheirShapes() {
        try (Lstm lstm = Lstm.builder(4, 3).numLayers(2).bidirectional(true).projSize(2).build(be);
             Tensor x = be.zeros(DType.F32, 5, 2, 4);
             Tensor h0 = be.zeros(DType.F32, 4, 2, 3);
             Tensor c0 = be.zeros(DType.F32, 4, 2, 3)) {
            assertMessage(() -> lstm.forward(x, RnnState.of(h0, c0)), "lstm", "h0", "[L*D, B, Hout]", "[4, 2, 2]",
                    "got [4, 2, 3]");
        }
    }

    @Test
    void nanInTheInputIsRejectedWhenCheckingIsOn() {
        float[] data = new float[5 * 2 * 4];
        data[13] = Float.NaN; // [t=1, b=1, i=1]
        try (Lstm lstm = Lstm.builder(4, 3).build(be); Tensor x = be.fromFloats(data, 5, 2, 4)) {
            try (RnnResult unchecked = lstm.forward(x)) {
                assertTrue(Float.isNaN(unchecked.output().toFloatArray()[1 * 2 * 3 + 3]), "without the check NaN flows");
            }
            RecurConfig.setCheckFinite(true);
            assertMessage(() -> lstm.forward(x), "lstm", "input", "finite", "NaN", "[1, 1, 1]");
            data[13] = Float.POSITIVE_INFINITY;
            try (Tensor inf = be.fromFloats(data, 5, 2, 4)) {
                assertMessage(() -> lstm.forward(inf), "lstm", "input", "finite", "Infinity");
            }
        }
    }

    @Test
    void backwardNeedsGradModeOn() {
        try (Lstm lstm = Lstm.builder(4, 3).build(be); Tensor x = be.zeros(DType.F32, 5, 2, 4)) {
            RnnResult r;
            try (GradMode.Scope s = GradMode.disable()) {
                r = lstm.forward(x);
            }
            try (r) {
                IllegalStateException e = assertThrows(IllegalStateException.class, () -> r.backward(null, null, null));
                assertTrue(e.getMessage().contains("GradMode"), e.getMessage());
            }
        }
    }

    @Test
    void corruptWeightFileLeavesTheLayerIntact(@TempDir Path dir) throws Exception {
        try (Lstm lstm = Lstm.builder(4, 3).seed(3).build(be)) {
            Path file = dir.resolve("lstm.safetensors");
            lstm.save(file, Map.of("note", "test"));
            byte[] bytes = Files.readAllBytes(file);
            Path truncated = dir.resolve("truncated.safetensors");
            Files.write(truncated, java.util.Arrays.copyOf(bytes, bytes.length - 10));
            float[] before = lstm.parameter("weight_hh_l0").value().toFloatArray();
            assertThrows(java.io.IOException.class, () -> lstm.load(truncated));
            assertArrayEquals(before, lstm.parameter("weight_hh_l0").value().toFloatArray());
            assertEquals(Safetensors.read(file).tensors().keySet(), lstm.stateDict().keySet());
        }
    }
}
