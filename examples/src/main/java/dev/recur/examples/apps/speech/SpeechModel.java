package dev.recur.examples.apps.speech;

import dev.recur.autograd.GradMode;
import dev.recur.autograd.Tape;
import dev.recur.autograd.Var;
import dev.recur.backend.Backend;
import dev.recur.nn.Functions;
import dev.recur.nn.Linear;
import dev.recur.nn.Module;
import dev.recur.nn.rnn.Lstm;
import dev.recur.tensor.DType;
import dev.recur.tensor.Tensor;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The digit classifier: feature frames {@code [T, B, F]} (time-major, zero-padded) → {@code LSTM(F, H)} with
 * {@code L} layers over each utterance's own length → the last layer's final state {@code [B, H]} (at each
 * utterance's last frame) → dropout → {@code Linear(H, 10)} → logits. PyTorch parameter names
 * ({@code lstm.weight_ih_l0}, {@code head.weight}, ...).
 */
public final class SpeechModel extends Module {
    /** The classes. */
    public static final int CLASSES = DigitSynth.WORDS.size();

    private final Lstm lstm;
    private final Linear head;
    private final int features;
    private final int hidden;
    private final int layers;
    private final float dropout;

    /** A fresh model from the seed. */
    public SpeechModel(Backend backend, int features, int hidden, int layers, float dropout, long seed) {
        super(backend, "speech");
        this.lstm = registerChild("lstm", Lstm.builder(features, hidden).numLayers(layers).seed(seed)
                .build(backend));
        this.head = registerChild("head", new Linear(backend, hidden, CLASSES, true, seed + 1));
        this.features = features;
        this.hidden = hidden;
        this.layers = layers;
        this.dropout = dropout;
    }

    /** F. */
    public int features() {
        return features;
    }

    /** H. */
    public int hidden() {
        return hidden;
    }

    /** L. */
    public int layers() {
        return layers;
    }

    /**
     * A batch, time-major and zero-padded.
     *
     * @param x       {@code [T * B * F]}, step t of utterance b at {@code (t * B + b) * F}
     * @param steps   T, the longest length
     * @param lengths each utterance's frames
     */
    public record Batch(float[] x, int steps, long[] lengths) {
        /** B. */
        public int size() {
            return lengths.length;
        }

        /** The utterances {@code idx} of {@code sequences} ({@code [T_i][F]} each). */
        public static Batch of(List<float[][]> sequences, int[] idx) {
            int b = idx.length;
            int steps = 0;
            long[] lengths = new long[b];
            for (int i = 0; i < b; i++) {
                lengths[i] = sequences.get(idx[i]).length;
                steps = Math.max(steps, sequences.get(idx[i]).length);
            }
            int f = sequences.get(idx[0])[0].length;
            float[] x = new float[steps * b * f];
            for (int i = 0; i < b; i++) {
                float[][] s = sequences.get(idx[i]);
                for (int t = 0; t < s.length; t++) {
                    System.arraycopy(s[t], 0, x, (t * b + i) * f, f);
                }
            }
            return new Batch(x, steps, lengths);
        }
    }

    /** Records the logits {@code [B, 10]} of a batch; dropout (on the final state) applies in training mode. */
    public Var logits(Tape tape, Batch batch, SplittableRandom seeds) {
        int b = batch.size();
        Tensor x = tape.own(backend().fromFloats(batch.x(), batch.steps(), b, features));
        Tape.RnnVars r = tape.rnn(lstm, tape.constant(x), batch.lengths(), null, null);
        Var last = lastLayer(tape, r.hn(), b);
        if (isTraining() && dropout > 0f) {
            last = tape.record(Functions.dropout(last.value(), dropout, true, seeds), last);
        }
        return tape.record(head.forward(last.value()), last);
    }

    /** {@code h_n[L-1]} as {@code [B, H]}; the gradient flows back into that layer's slot. */
    private Var lastLayer(Tape tape, Var hn, int b) {
        if (layers == 1) {
            return tape.reshape(hn, b, hidden);
        }
        Backend be = backend();
        Tensor out = be.zeros(DType.F32, b, hidden);
        be.copy(hn.value().slice(layers - 1, layers).reshape(b, hidden), out);
        return tape.custom(out, dOut -> {
            Tensor d = be.zeros(DType.F32, hn.value().shape());
            be.copy(dOut, d.slice(layers - 1, layers).reshape(b, hidden));
            tape.accumulate(hn, d);
        });
    }

    /** Class probabilities {@code [N][10]} of each sequence, in evaluation mode, batches of 128 sorted by length. */
    public double[][] probabilities(List<float[][]> sequences) {
        boolean wasTraining = isTraining();
        eval();
        double[][] p = new double[sequences.size()][];
        Integer[] order = new Integer[sequences.size()];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, c) -> Integer.compare(sequences.get(a).length, sequences.get(c).length));
        try (GradMode.Scope s = GradMode.disable()) {
            for (int start = 0; start < order.length; start += 128) {
                int end = Math.min(order.length, start + 128);
                int[] idx = new int[end - start];
                for (int i = start; i < end; i++) {
                    idx[i - start] = order[i];
                }
                try (Tape tape = new Tape()) {
                    float[] logits = logits(tape, Batch.of(sequences, idx), null).value().toFloatArray();
                    for (int i = 0; i < idx.length; i++) {
                        p[idx[i]] = softmax(logits, i * CLASSES, CLASSES);
                    }
                }
            }
        } finally {
            train(wasTraining);
        }
        return p;
    }

    private static double[] softmax(float[] logits, int offset, int n) {
        double max = Double.NEGATIVE_INFINITY;
        for (int c = 0; c < n; c++) {
            max = Math.max(max, logits[offset + c]);
        }
        double[] p = new double[n];
        double sum = 0;
        for (int c = 0; c < n; c++) {
            p[c] = Math.exp(logits[offset + c] - max);
            sum += p[c];
        }
        for (int c = 0; c < n; c++) {
            p[c] /= sum;
        }
        return p;
    }
}
