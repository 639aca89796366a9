package dev.recur.examples.apps;

import dev.recur.autograd.GradMode;
import dev.recur.autograd.Tape;
import dev.recur.autograd.Var;
import dev.recur.backend.Backend;
import dev.recur.data.PaddedBatch;
import dev.recur.data.Tokenizer;
import dev.recur.data.Vocabulary;
import dev.recur.data.WordTokenizer;
import dev.recur.io.SafetensorsFile;
import dev.recur.nn.Embedding;
import dev.recur.nn.Functions;
import dev.recur.nn.Linear;
import dev.recur.nn.Module;
import dev.recur.nn.rnn.Lstm;
import dev.recur.tensor.Tensor;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The sentiment classifier: word ids {@code [T, B]} → {@code Embedding(V, E)} → dropout → bidirectional
 * {@code LSTM(E, H)} over each sentence's own length → the final states of both directions side by side
 * {@code [B, 2H]} → dropout → {@code Linear(2H, 2)} → logits (0 = negative, 1 = positive). Parameters carry
 * PyTorch names ({@code embedding.weight}, {@code lstm.weight_ih_l0_reverse}, {@code head.weight}, ...).
 */
public final class SentimentModel extends Module {
    /** The class names, by id. */
    public static final List<String> LABELS = List.of("negative", "positive");
    /** The weights' file in a model folder. */
    public static final String MODEL_FILE = "model.safetensors";
    /** The vocabulary's file in a model folder. */
    public static final String VOCAB_FILE = "vocabulary.json";
    static final String FORMAT = "recur-example-sentiment";

    private final Embedding embedding;
    private final Lstm lstm;
    private final Linear head;
    private final float dropout;
    private final int hidden;

    /** A fresh model from the seed. */
    public SentimentModel(Backend backend, int vocabSize, int embed, int hidden, float dropout, long seed) {
        super(backend, "sentiment");
        this.embedding = registerChild("embedding", new Embedding(backend, vocabSize, embed, seed));
        this.lstm = registerChild("lstm", Lstm.builder(embed, hidden).bidirectional(true).seed(seed + 1)
                .build(backend));
        this.head = registerChild("head", new Linear(backend, 2 * hidden, LABELS.size(), true, seed + 2));
        this.dropout = dropout;
        this.hidden = hidden;
    }

    /** The tokenizer the model was trained with. */
    public static Tokenizer tokenizer() {
        return new WordTokenizer(true);
    }

    /** Token ids of a sentence ({@link Vocabulary#UNK_ID} for unknown words; a lone UNK for an empty one). */
    public static long[] encode(Vocabulary vocab, String text) {
        List<String> tokens = tokenizer().tokenize(text);
        if (tokens.isEmpty()) {
            return new long[] {Vocabulary.UNK_ID};
        }
        long[] ids = new long[tokens.size()];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = vocab.id(tokens.get(i));
        }
        return ids;
    }

    /**
     * Records the logits {@code [B, 2]} of a batch; dropout applies in training mode.
     *
     * @param seeds dropout's random source
     */
    public Var logits(Tape tape, PaddedBatch batch, SplittableRandom seeds) {
        Backend be = backend();
        Tensor ids = tape.own(batch.timeMajorTensor(be));
        Var x = tape.record(embedding.forward(ids), tape.constant(ids));
        x = maybeDropout(tape, x, seeds);
        Tape.RnnVars r = tape.rnn(lstm, x, batch.lengthsAsLongs(), null, null);
        Var both = TapeOps.directionsSideBySide(tape, r.hn());
        both = maybeDropout(tape, both, seeds);
        return tape.record(head.forward(both.value()), both);
    }

    private Var maybeDropout(Tape tape, Var x, SplittableRandom seeds) {
        if (!isTraining() || dropout == 0f) {
            return x;
        }
        return tape.record(Functions.dropout(x.value(), dropout, true, seeds), x);
    }

    /** P(positive) of each sequence, in evaluation mode, in batches of 64 sorted by length. */
    public double[] positiveProbability(List<long[]> sequences) {
        boolean wasTraining = isTraining();
        eval();
        double[] p = new double[sequences.size()];
        Integer[] order = new Integer[sequences.size()];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        java.util.Arrays.sort(order, (a, b) -> Integer.compare(sequences.get(a).length, sequences.get(b).length));
        try (GradMode.Scope s = GradMode.disable()) {
            for (int start = 0; start < order.length; start += 64) {
                int end = Math.min(order.length, start + 64);
                List<long[]> seqs = new ArrayList<>();
                int[] idx = new int[end - start];
                for (int i = start; i < end; i++) {
                    seqs.add(sequences.get(order[i]));
                    idx[i - start] = order[i];
                }
                try (Tape tape = new Tape()) {
                    Var logits = logits(tape, PaddedBatch.of(seqs), null);
                    double[][] probs = TapeOps.softmax(logits.value().toFloatArray(), seqs.size(), LABELS.size());
                    for (int i = 0; i < idx.length; i++) {
                        p[idx[i]] = probs[i][1];
                    }
                }
            }
        } finally {
            train(wasTraining);
        }
        return p;
    }

    /** Writes {@link #MODEL_FILE} (with the sizes in its metadata) and {@link #VOCAB_FILE} to the folder. */
    public void saveTo(Path dir, Vocabulary vocab) throws IOException {
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("format", FORMAT);
        meta.put("vocab_size", Integer.toString(embedding.count()));
        meta.put("embed", Integer.toString(embedding.dim()));
        meta.put("hidden", Integer.toString(hidden));
        meta.put("labels", String.join(",", LABELS));
        meta.put("tokenizer", tokenizer().toString());
        save(dir.resolve(MODEL_FILE), meta);
        vocab.save(dir.resolve(VOCAB_FILE));
    }

    /** A model and its vocabulary, loaded from a folder {@link #saveTo} wrote. */
    public record Loaded(SentimentModel model, Vocabulary vocabulary) implements AutoCloseable {
        /** P(positive) of a sentence. */
        public double positiveProbability(String text) {
            return model.positiveProbability(List.of(encode(vocabulary, text)))[0];
        }

        @Override
        public void close() {
            model.close();
        }
    }

    /**
     * Loads a model folder.
     *
     * @throws IOException naming the missing file (and the command that makes it) or a file of another kind
     */
    public static Loaded load(Path dir, Backend backend) throws IOException {
        Path weights = dir.resolve(MODEL_FILE);
        Path vocabFile = dir.resolve(VOCAB_FILE);
        SafetensorsFile file = SavedModels.read(dir, "sentiment", FORMAT, MODEL_FILE, VOCAB_FILE);
        Map<String, String> meta = file.metadata();
        Vocabulary vocab = Vocabulary.load(vocabFile);
        int v = Integer.parseInt(meta.get("vocab_size"));
        if (v != vocab.size()) {
            throw new IOException(String.format(Locale.ROOT, "%s has %d tokens but %s was trained with %d", vocabFile,
                    vocab.size(), weights, v));
        }
        SentimentModel model = new SentimentModel(backend, v, Integer.parseInt(meta.get("embed")),
                Integer.parseInt(meta.get("hidden")), 0f, 0);
        try {
            model.loadStateDict(file.tensors(), true);
        } catch (RuntimeException e) {
            model.close();
            throw e;
        }
        model.eval();
        return new Loaded(model, vocab);
    }
}
