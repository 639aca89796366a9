package dev.recur.cpu;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.recur.backend.Backend;
import dev.recur.backend.Backends;
import dev.recur.io.TensorEntry;
import dev.recur.nn.attention.MultiHeadAttention;
import dev.recur.nn.attention.PositionalEncoding;
import dev.recur.nn.attention.TransformerEncoderLayer;
import dev.recur.tensor.DType;
import dev.recur.tensor.Tensor;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** Bad input to the attention layers: each error names the argument, what was expected and what was found. */
class AttentionValidationTest {
    private final Backend be = Backends.get("cpu");

    private static void assertMessage(Executable call, String... parts) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        for (String part : parts) {
            assertTrue(e.getMessage().contains(part), () -> "message \"" + e.getMessage() + "\" lacks \"" + part + "\"");
        }
    }

    @Test
    void embedDimMustBeDivisibleByNumHeads() {
        assertMessage(() -> new MultiHeadAttention(be, 10, 3, true, 1), "mha", "embed_dim", "num_heads",
                "embed_dim = 10", "num_heads = 3");
        assertMessage(() -> TransformerEncoderLayer.builder(10, 4).build(be), "embed_dim = 10", "num_heads = 4");
    }

    @Test
    void masksMustHaveTheirShapes() {
        try (MultiHeadAttention mha = new MultiHeadAttention(be, 8, 2, true, 1);
             Tensor x = be.zeros(DType.F32, 2, 5, 8);
             Tensor attn = be.zeros(DType.I64, 5, 4);
             Tensor pad = be.zeros(DType.I64, 3, 5);
             Tensor floatMask = be.zeros(DType.F32, 5, 5)) {
            assertMessage(() -> mha.forward(x, attn, null, false, false), "attn_mask", "[T, T] = [5, 5]", "[5, 4]");
            assertMessage(() -> mha.forward(x, null, pad, false, false), "key_padding_mask", "[B, T] = [2, 5]",
                    "[3, 5]");
            assertMessage(() -> mha.forward(x, floatMask, null, false, false), "attn_mask", "I64", "F32");
        }
    }

    @Test
    void aRowWithEveryKeyMaskedIsRejected() {
        long[] pad = new long[2 * 5];
        java.util.Arrays.fill(pad, 5, 10, 1L); // batch 1: all five keys are padding
        try (MultiHeadAttention mha = new MultiHeadAttention(be, 8, 2, true, 1);
             Tensor x = be.zeros(DType.F32, 2, 5, 8); Tensor kpm = be.fromLongs(pad, 2, 5)) {
            assertMessage(() -> mha.forward(x, null, kpm, false, false), "mha", "at least one key", "batch 1",
                    "all 5 keys masked");
        }
    }

    @Test
    void positionalTableMustFit() {
        try (PositionalEncoding sin = PositionalEncoding.sinusoidal(be, 16, 8);
             PositionalEncoding learned = PositionalEncoding.learned(be, 16, 8, 1);
             Tensor tooLong = be.zeros(DType.F32, 1, 17, 8); Tensor wrongWidth = be.zeros(DType.F32, 1, 4, 6);
             Tensor ok = be.zeros(DType.F32, 1, 4, 8)) {
            assertMessage(() -> sin.forward(tooLong), "positional_encoding", "[0, 16)", "0..16");
            assertMessage(() -> sin.forward(ok, 13), "positional_encoding", "[0, 16)", "13..16");
            assertMessage(() -> learned.forward(wrongWidth), "positional_encoding", "E = 8", "[1, 4, 6]");
            Map<String, TensorEntry> table = Map.of("weight", TensorEntry.ofFloats(new float[32 * 8], 32, 8));
            assertMessage(() -> learned.loadStateDict(table, true), "weight", "[max_len, E]", "[16, 8]", "got [32, 8]");
        }
    }
}
