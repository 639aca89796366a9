package dev.recur.examples.experiment;

import dev.recur.backend.Backend;
import dev.recur.tensor.Tensor;
import dev.recur.train.Rng;

/**
 * The adding problem (Hochreiter and Schmidhuber, 1997): each step carries a value drawn from U(0, 1) and a
 * marker; exactly two steps are marked, one in the first half and one in the second, and the target is the
 * sum of the two marked values. Predicting the mean (1) scores MSE 1/6 ≈ 0.167; solving it needs memory of
 * a value seen up to T steps before the end.
 *
 * @param steps  T
 * @param batch  B
 * @param inputs {@code [B][T][2]}: value, marker
 * @param target {@code [B]}
 */
record AddingProblem(int steps, int batch, float[] inputs, float[] target) {
    /** A batch drawn from the generator. */
    static AddingProblem sample(Rng rng, int steps, int batch) {
        float[] in = new float[batch * steps * 2];
        float[] y = new float[batch];
        int half = Math.max(1, steps / 2);
        for (int b = 0; b < batch; b++) {
            int first = rng.nextInt(half);
            int second = steps == 1 ? first : half + rng.nextInt(steps - half);
            for (int t = 0; t < steps; t++) {
                float v = (float) rng.nextDouble();
                in[(b * steps + t) * 2] = v;
                if (t == first || t == second) {
                    in[(b * steps + t) * 2 + 1] = 1f;
                    y[b] += v;
                }
            }
        }
        return new AddingProblem(steps, batch, in, y);
    }

    /** Inputs as a time-major tensor {@code [T, B, 2]}. */
    Tensor timeMajor(Backend be) {
        float[] out = new float[inputs.length];
        for (int b = 0; b < batch; b++) {
            for (int t = 0; t < steps; t++) {
                out[(t * batch + b) * 2] = inputs[(b * steps + t) * 2];
                out[(t * batch + b) * 2 + 1] = inputs[(b * steps + t) * 2 + 1];
            }
        }
        return be.fromFloats(out, steps, batch, 2);
    }

    /** Inputs as a batch-first tensor {@code [B, T, 2]}. */
    Tensor batchFirst(Backend be) {
        return be.fromFloats(inputs, batch, steps, 2);
    }

    /** Targets {@code [B, 1]}. */
    Tensor targets(Backend be) {
        return be.fromFloats(target, batch, 1);
    }
}
