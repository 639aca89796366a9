package dev.recur.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.recur.backend.Backend;
import dev.recur.tensor.DType;
import dev.recur.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class PaddedBatchTest {
    private final Backend backend = dev.recur.backend.Backends.get("cpu");

    /** Three sequences of lengths 3, 1, 4. */
    private static List<long[]> sample() {
        return List.of(new long[] {5, 6, 7}, new long[] {8}, new long[] {9, 10, 11, 12});
    }

    @Test
    void padsToTheLongestSequence() {
        PaddedBatch b = PaddedBatch.of(sample());
        assertEquals(3, b.batchSize());
        assertEquals(4, b.steps());
        assertArrayEquals(new int[] {3, 4}, b.shape());
        assertArrayEquals(new long[] {
            5, 6, 7, 0,
            8, 0, 0, 0,
            9, 10, 11, 12}, b.ids());
        assertArrayEquals(new int[] {3, 1, 4}, b.lengths());
        assertArrayEquals(new long[] {3, 1, 4}, b.lengthsAsLongs());
        assertArrayEquals(new int[] {0, 1, 2}, b.indices());
        assertEquals(8, b.tokenCount());
        assertArrayEquals(new long[] {8}, b.sequence(1));
        assertFalse(b.hasTargets());
    }

    @Test
    void maskIsOneAtValidSteps() {
        PaddedBatch b = PaddedBatch.of(sample());
        assertArrayEquals(new float[] {
            1, 1, 1, 0,
            1, 0, 0, 0,
            1, 1, 1, 1}, b.mask());
        assertArrayEquals(new float[] {
            1, 1, 1,
            1, 0, 1,
            1, 0, 1,
            0, 0, 1}, b.timeMajorMask());
        float sum = 0;
        for (float m : b.mask()) {
            sum += m;
        }
        assertEquals(b.tokenCount(), (long) sum);
    }

    @Test
    void customPadIdAndIndices() {
        PaddedBatch b = PaddedBatch.of(sample(), new int[] {40, 17, 3}, -1);
        assertArrayEquals(new long[] {5, 6, 7, -1, 8, -1, -1, -1, 9, 10, 11, 12}, b.ids());
        assertArrayEquals(new int[] {40, 17, 3}, b.indices());
        assertEquals(-1, b.padId());
    }

    @Test
    void tensorsAreBatchMajorAndTimeMajor() {
        PaddedBatch b = PaddedBatch.of(sample());
        try (Tensor ids = b.toTensor(backend); Tensor tm = b.timeMajorTensor(backend);
                Tensor lengths = b.lengthsTensor(backend); Tensor mask = b.maskTensor(backend);
                Tensor tmMask = b.timeMajorMaskTensor(backend)) {
            assertEquals(DType.I64, ids.dtype());
            assertArrayEquals(new int[] {3, 4}, ids.shape());
            assertArrayEquals(b.ids(), ids.toLongArray());
            assertEquals(DType.I64, tm.dtype());
            assertArrayEquals(new int[] {4, 3}, tm.shape());
            // tm[t, b] == ids[b, t]
            assertArrayEquals(new long[] {
                5, 8, 9,
                6, 0, 10,
                7, 0, 11,
                0, 0, 12}, tm.toLongArray());
            long[] bm = ids.toLongArray();
            long[] t = tm.toLongArray();
            for (int bi = 0; bi < 3; bi++) {
                for (int ti = 0; ti < 4; ti++) {
                    assertEquals(bm[bi * 4 + ti], t[ti * 3 + bi]);
                }
            }
            assertArrayEquals(new long[] {3, 1, 4}, lengths.toLongArray());
            assertArrayEquals(new int[] {3}, lengths.shape());
            assertEquals(DType.F32, mask.dtype());
            assertArrayEquals(b.mask(), mask.toFloatArray());
            assertArrayEquals(new int[] {4, 3}, tmMask.shape());
            assertArrayEquals(b.timeMajorMask(), tmMask.toFloatArray());
        }
    }

    @Test
    void emptySequenceIsRejectedNamingItsIndex() {
        List<long[]> seqs = new ArrayList<>(sample());
        seqs.add(1, new long[0]);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> PaddedBatch.of(seqs));
        assertTrue(e.getMessage().contains("sequences[1]"), e.getMessage());
        assertTrue(e.getMessage().contains("got 0"), e.getMessage());
        IllegalArgumentException e2 = assertThrows(IllegalArgumentException.class,
                () -> PaddedBatch.of(seqs, new int[] {10, 11, 12, 13}, 0));
        assertTrue(e2.getMessage().contains("sample 11"), e2.getMessage());
        assertThrows(IllegalArgumentException.class, () -> PaddedBatch.of(List.of()));
        assertThrows(IllegalArgumentException.class, () -> PaddedBatch.of(sample(), new int[] {0, 1}, 0));
    }

    @Test
    void gatherSelectsByIndex() {
        List<long[]> data = List.of(new long[] {1}, new long[] {2, 3}, new long[] {4, 5, 6});
        PaddedBatch b = PaddedBatch.gather(data, new int[] {2, 0});
        assertArrayEquals(new long[] {4, 5, 6, 1, 0, 0}, b.ids());
        assertArrayEquals(new int[] {2, 0}, b.indices());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> PaddedBatch.gather(data, new int[] {0, 3}));
        assertTrue(e.getMessage().contains("indices[1]") && e.getMessage().contains("got 3"), e.getMessage());
    }

    @Test
    void nextTokenTargetsAreShiftedAndPadded() {
        PaddedBatch b = PaddedBatch.forNextToken(List.of(new long[] {2, 5, 6, 3}, new long[] {2, 7}),
                new int[] {0, 1}, 0);
        assertArrayEquals(new int[] {3, 1}, b.lengths());
        assertArrayEquals(new long[] {2, 5, 6, 2, 0, 0}, b.ids());
        assertEquals(PaddedBatch.TargetKind.PER_STEP, b.targetKind());
        assertArrayEquals(new int[] {2, 3}, b.targetShape());
        assertArrayEquals(new long[] {5, 6, 3, 7, 0, 0}, b.targetIds());
        try (Tensor t = b.timeMajorTargetTensor(backend)) {
            assertArrayEquals(new int[] {3, 2}, t.shape());
            assertArrayEquals(new long[] {5, 7, 6, 0, 3, 0}, t.toLongArray());
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> PaddedBatch.forNextToken(List.of(new long[] {1, 2}, new long[] {1}), new int[] {0, 9}, 0));
        assertTrue(e.getMessage().contains("sequences[1]") && e.getMessage().contains("at least 2"),
                e.getMessage());
    }

    @Test
    void classAndValueTargets() {
        PaddedBatch b = PaddedBatch.of(sample());
        PaddedBatch cls = b.withClassTargets(new long[] {1, 0, 2});
        assertEquals(PaddedBatch.TargetKind.PER_SEQUENCE, cls.targetKind());
        assertArrayEquals(new int[] {3}, cls.targetShape());
        try (Tensor t = cls.targetTensor(backend)) {
            assertEquals(DType.I64, t.dtype());
            assertArrayEquals(new long[] {1, 0, 2}, t.toLongArray());
        }
        assertThrows(IllegalStateException.class, () -> cls.timeMajorTargetTensor(backend));
        assertArrayEquals(b.ids(), cls.ids(), "targets leave the ids alone");

        PaddedBatch val = b.withValueTargets(new float[] {1, 2, 3, 4, 5, 6}, 2);
        assertArrayEquals(new int[] {3, 2}, val.targetShape());
        try (Tensor t = val.targetTensor(backend)) {
            assertEquals(DType.F32, t.dtype());
            assertArrayEquals(new int[] {3, 2}, t.shape());
            assertArrayEquals(new float[] {1, 2, 3, 4, 5, 6}, t.toFloatArray());
        }
        assertThrows(IllegalStateException.class, val::targetIds);
        assertThrows(IllegalArgumentException.class, () -> b.withValueTargets(new float[5], 2));
        assertThrows(IllegalArgumentException.class, () -> b.withClassTargets(new long[2]));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> b.withStepTargets(List.of(new long[3], new long[2], new long[4]), -100));
        assertTrue(e.getMessage().contains("targets[1]"), e.getMessage());
        PaddedBatch steps = b.withStepTargets(List.of(new long[] {1, 2, 3}, new long[] {4},
                new long[] {5, 6, 7, 8}), -100);
        assertArrayEquals(new long[] {1, 2, 3, -100, 4, -100, -100, -100, 5, 6, 7, 8}, steps.targetIds());
        assertThrows(IllegalStateException.class, b::targetShape);
    }

    @Test
    void returnedArraysAreCopies() {
        PaddedBatch b = PaddedBatch.of(sample());
        b.ids()[0] = 99;
        b.lengths()[0] = 99;
        b.indices()[0] = 99;
        assertEquals(5, b.ids()[0]);
        assertEquals(3, b.lengths()[0]);
        assertEquals(0, b.indices()[0]);
    }
}
