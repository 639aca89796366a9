package dev.recur.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.recur.backend.Backend;
import dev.recur.backend.Backends;
import dev.recur.nn.Parameter;
import dev.recur.train.Adam;
import dev.recur.train.Checkpoint;
import dev.recur.train.GradClip;
import dev.recur.train.LrSchedule;
import dev.recur.train.Optimizer;
import dev.recur.train.Rng;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * 200 training steps straight through, and 100 steps + checkpoint + a fresh model, optimizer and RNG
 * restored from it + 100 steps, end with bitwise-identical parameters.
 */
class CheckpointResumeTest {
    private static final long SEED = 77;
    private final Backend be = Backends.get("cpu");
    private final LrSchedule schedule = LrSchedule.cosine(3e-3, 1e-4, 200).withWarmup(20);

    private void train(TrainingTestModel model, Optimizer opt, Rng rng, long from, long to) {
        for (long s = from; s < to; s++) {
            opt.setLearningRate(schedule.at(s));
            opt.zeroGrad();
            model.trainStep(rng);
            GradClip.byGlobalNorm(model.parameters().values(), 1.0);
            opt.step();
        }
    }

    @Test
    void resumedRunEqualsStraightRunBitForBit(@TempDir Path dir) throws Exception {
        Map<String, float[]> straight = new LinkedHashMap<>();
        try (TrainingTestModel model = new TrainingTestModel(be, SEED); Optimizer opt = Adam.adamW(model.params(), 1e-3)) {
            Rng rng = new Rng(SEED);
            train(model, opt, rng, 0, 200);
            model.parameters().forEach((k, p) -> straight.put(k, p.value().toFloatArray()));
        }
        Path ckpt = dir.resolve("step100.safetensors");
        try (TrainingTestModel model = new TrainingTestModel(be, SEED); Optimizer opt = Adam.adamW(model.params(), 1e-3)) {
            Rng rng = new Rng(SEED);
            train(model, opt, rng, 0, 100);
            Checkpoint.save(ckpt, model, opt, 100, rng, Map.of("note", "resume test"));
        }
        // A different seed everywhere: everything that matters must come from the checkpoint.
        try (TrainingTestModel model = new TrainingTestModel(be, SEED + 1000);
             Optimizer opt = Adam.adamW(model.params(), 1e-3)) {
            Checkpoint c = Checkpoint.read(ckpt);
            assertEquals(100, c.step());
            assertEquals("resume test", c.metadata().get("note"));
            c.restoreModel(model);
            c.restoreOptimizer(opt);
            assertEquals(100, opt.steps());
            Rng rng = c.rng();
            train(model, opt, rng, c.step(), 200);
            for (Map.Entry<String, Parameter> e : model.parameters().entrySet()) {
                assertArrayEquals(straight.get(e.getKey()), e.getValue().value().toFloatArray(),
                        "parameter " + e.getKey() + " differs after resuming");
            }
        }
        assertTrue(straight.size() >= 6);
    }
}
