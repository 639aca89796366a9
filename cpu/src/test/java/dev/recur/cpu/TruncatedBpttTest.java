package dev.recur.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.recur.autograd.Tape;
import dev.recur.autograd.Var;
import dev.recur.backend.Backend;
import dev.recur.backend.Backends;
import dev.recur.nn.Parameter;
import dev.recur.nn.rnn.Lstm;
import dev.recur.tensor.Tensor;
import dev.recur.train.Adam;
import dev.recur.train.Losses;
import dev.recur.train.TruncatedBptt;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.bytedeco.javacpp.Pointer;
import org.junit.jupiter.api.Test;

/** Truncated BPTT: one chunk equals full BPTT; a 10,000-step stream trains in chunks with bounded memory. */
class TruncatedBpttTest {
    private static final int I = 3;
    private static final int H = 5;
    private static final int B = 2;
    private final Backend be = Backends.get("cpu");

    private static float[] random(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (r.nextDouble() - 0.5);
        }
        return v;
    }

    /** Loss of a chunk: mean squared output against a target slice. */
    private static TruncatedBptt.ChunkLoss mseAgainst(Tensor target) {
        return (tape, out, first) -> Losses.mse(tape, out, target.slice(first, first + out.value().dim(0)));
    }

    private static Map<String, float[]> grads(Lstm lstm) {
        Map<String, float[]> out = new LinkedHashMap<>();
        for (Map.Entry<String, Parameter> e : lstm.parameters().entrySet()) {
            out.put(e.getKey(), e.getValue().grad().toFloatArray());
        }
        return out;
    }

    @Test
    void oneChunkGivesTheGradientsOfFullBptt() {
        int steps = 40;
        try (Lstm lstm = Lstm.builder(I, H).seed(4).build(be); Tensor x = be.fromFloats(random(steps * B * I, 1), steps, B, I);
             Tensor y = be.fromFloats(random(steps * B * H, 2), steps, B, H)) {
            try (Tape tape = new Tape()) {
                Var out = tape.rnn(lstm, tape.constant(x), null, null, null).output();
                tape.backward(Losses.mse(tape, out, y));
            }
            Map<String, float[]> full = grads(lstm);
            lstm.zeroGrad();
            TruncatedBptt.run(lstm, x, steps, null, mseAgainst(y), null).state().h().close();
            Map<String, float[]> oneChunk = grads(lstm);
            for (String k : full.keySet()) {
                assertArrayEquals(full.get(k), oneChunk.get(k), k);
            }
            lstm.zeroGrad();
            TruncatedBptt.run(lstm, x, 10, null, mseAgainst(y), null).state().h().close();
            assertFalse(Arrays.equals(full.get("weight_hh_l0"), grads(lstm).get("weight_hh_l0")),
                    "chunks of 10 must truncate the gradient, not reproduce full BPTT");
        }
    }

    @Test
    void aLongStreamTrainsInChunksWithBoundedMemory() {
        int steps = 10_000;
        int chunk = 50;
        List<Long> offHeapBytes = new ArrayList<>();
        List<Double> losses = new ArrayList<>();
        try (Lstm lstm = Lstm.builder(I, H).seed(5).build(be); Tensor x = be.fromFloats(random(steps * B * I, 3), steps, B, I);
             Tensor y = be.zeros(dev.recur.tensor.DType.F32, steps, B, H); Adam opt = new Adam(lstm.parameters(), 1e-2)) {
            TruncatedBptt.Result r = TruncatedBptt.run(lstm, x, chunk, null, mseAgainst(y), (index, loss) -> {
                opt.step();
                opt.zeroGrad();
                losses.add(loss);
                offHeapBytes.add(Pointer.totalBytes());
            });
            r.state().h().close();
            r.state().c().close();
        }
        assertTrue(offHeapBytes.size() == steps / chunk, "chunks run: " + offHeapBytes.size());
        long early = offHeapBytes.get(9);
        long late = offHeapBytes.get(offHeapBytes.size() - 1);
        System.out.println("off-heap bytes after chunk 10: " + early + ", after chunk " + offHeapBytes.size() + ": " + late);
        assertTrue(late <= early + 4096, "off-heap memory grew with T: " + early + " -> " + late);
        // The target is 0, so training must drive the loss down.
        assertTrue(losses.get(losses.size() - 1) < losses.get(0) / 10,
                "loss did not fall: " + losses.get(0) + " -> " + losses.get(losses.size() - 1));
    }
}
