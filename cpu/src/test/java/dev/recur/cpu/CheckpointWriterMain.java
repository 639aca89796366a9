package dev.recur.cpu;

import dev.recur.backend.Backend;
import dev.recur.backend.Backends;
import dev.recur.nn.Linear;
import dev.recur.nn.Parameter;
import dev.recur.tensor.Tensor;
import dev.recur.train.Checkpoint;
import dev.recur.train.Rng;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;

/**
 * A child process for {@link CheckpointKillTest}: writes checkpoint k = 1, 2, 3, ... of a 4 MB model to one
 * path, forever, with every parameter value equal to k, printing "saved k" after each.
 */
public final class CheckpointWriterMain {
    private CheckpointWriterMain() {
    }

    public static void main(String[] args) throws Exception {
        Path path = Path.of(args[0]);
        Backend be = Backends.get("cpu");
        try (Linear model = new Linear(be, 1024, 1024, true, 1)) {
            for (int k = 1; ; k++) {
                for (Parameter p : model.parameters().values()) {
                    float[] v = new float[(int) p.value().numel()];
                    Arrays.fill(v, k);
                    try (Tensor src = be.fromFloats(v, p.value().shape())) {
                        be.copy(src, p.value());
                    }
                }
                Checkpoint.save(path, model, null, k, new Rng(k), Map.of("k", Integer.toString(k)));
                System.out.println("saved " + k);
                System.out.flush();
            }
        }
    }
}
