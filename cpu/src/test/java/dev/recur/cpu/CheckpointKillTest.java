package dev.recur.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.recur.backend.Backends;
import dev.recur.nn.Linear;
import dev.recur.nn.Parameter;
import dev.recur.train.Checkpoint;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A process killed with SIGKILL while it writes checkpoints leaves the last complete checkpoint loadable and
 * intact: every value equals the k its metadata names.
 */
class CheckpointKillTest {
    @Test
    void sigkillDuringWritesLeavesAnIntactCheckpoint(@TempDir Path dir) throws Exception {
        Path ckpt = dir.resolve("model.safetensors");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process child = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                CheckpointWriterMain.class.getName(), ckpt.toString()).redirectErrorStream(true).start();
        int saved = 0;
        try (BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(),
                StandardCharsets.UTF_8))) {
            String line;
            while (saved < 5 && (line = out.readLine()) != null) {
                if (line.startsWith("saved ")) {
                    saved = Integer.parseInt(line.substring(6).trim());
                }
            }
            // Let it start another write, then kill it without warning (destroyForcibly = SIGKILL on Unix).
            Thread.sleep(7);
            child.destroyForcibly();
            assertTrue(child.waitFor(30, TimeUnit.SECONDS), "child did not die");
        }
        assertTrue(saved >= 5, "child wrote only " + saved + " checkpoints");
        Checkpoint c = Checkpoint.read(ckpt);
        long k = c.step();
        assertTrue(k >= saved, "checkpoint step " + k + " is older than the last one reported, " + saved);
        assertEquals(Long.toString(k), c.metadata().get("k"));
        try (Linear model = new Linear(Backends.get("cpu"), 1024, 1024, true, 2)) {
            c.restoreModel(model);
            for (Parameter p : model.parameters().values()) {
                for (float v : p.value().toFloatArray()) {
                    assertEquals((float) k, v, "checkpoint " + k + " holds a value of another write");
                }
            }
        }
        System.out.println("killed after checkpoint " + saved + "; the file on disk is checkpoint " + k + ", intact");
    }
}
