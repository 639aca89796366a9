package dev.recur.examples.apps;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.recur.autograd.Tape;
import dev.recur.autograd.Var;
import dev.recur.backend.Backend;
import dev.recur.data.BucketBatchSampler;
import dev.recur.data.Datasets;
import dev.recur.data.PaddedBatch;
import dev.recur.data.SeededShuffle;
import dev.recur.data.Vocabulary;
import dev.recur.io.AtomicFiles;
import dev.recur.report.MetricsLog;
import dev.recur.report.ProgressBar;
import dev.recur.tensor.Tensor;
import dev.recur.train.Adam;
import dev.recur.train.LrSchedule;
import dev.recur.train.Losses;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Many-to-one: sentiment of a sentence. The UCI Sentiment Labelled Sentences (Kotzias et al., 2015: 1,000
 * sentences each from Amazon, IMDb and Yelp reviews, half positive) as shipped in the npm package
 * {@code sentiment@5.0.2} under {@code test/fixtures/}. A seeded 75/10/15 train/validation/test split, a
 * word vocabulary from the training sentences, a {@link SentimentModel} trained with Adam and a cosine
 * schedule; the epoch with the best validation accuracy is kept, saved with its vocabulary, and scored on the
 * test sentences beside the majority class. {@code ./recur predict sentiment "TEXT"} loads it.
 */
public final class SentimentExample {
    /** The files of the dataset inside the tarball. */
    static final List<String> FILES = List.of("package/test/fixtures/amazon.json", "package/test/fixtures/imdb.json",
            "package/test/fixtures/yelp.json");

    /** A labelled sentence. */
    public record Sentence(String text, int label, String source) {
    }

    /**
     * The budget and model size.
     *
     * @param embed    E
     * @param hidden   H per direction
     * @param batch    sentences per batch
     * @param epochs   epochs
     * @param lr       Adam's peak learning rate (cosine to 5 % of it)
     * @param dropout  dropout on the embeddings and on the final states
     * @param minCount words seen fewer times in training map to UNK
     * @param clip     global gradient-norm clip
     * @param seed     the seed of the split, the initialisation, the batches and dropout
     */
    public record Config(int embed, int hidden, int batch, int epochs, double lr, float dropout, int minCount,
                         double clip, long seed) {
        /** The full run. */
        public static Config full(long seed) {
            return new Config(64, 64, 32, 12, 3e-3, 0.4f, 2, 5.0, seed);
        }

        /** The quick run: the same model, half the epochs. */
        public static Config quick(long seed) {
            return new Config(64, 64, 32, 6, 3e-3, 0.4f, 2, 5.0, seed);
        }

        Config withEpochs(int e) {
            return new Config(embed, hidden, batch, e, lr, dropout, minCount, clip, seed);
        }
    }

    /**
     * The outcome.
     *
     * @param testAccuracy       accuracy on the held-out test sentences
     * @param majorityAccuracy   the majority class of the training sentences, scored on the test sentences
     * @param majorityLabel      that class
     * @param validationAccuracy the best validation accuracy (its epoch's model is the one kept)
     * @param bestEpoch          that epoch (1-based)
     * @param trainSize          training sentences
     * @param testSize           test sentences
     * @param firstEpochAccuracy validation accuracy after the first epoch
     */
    public record Result(double testAccuracy, double majorityAccuracy, String majorityLabel,
                         double validationAccuracy, int bestEpoch, int trainSize, int testSize,
                         double firstEpochAccuracy) {
    }

    private SentimentExample() {
    }

    /** Fetches the data, trains, evaluates, saves; the last line printed is the metric beside its baseline. */
    public static Result run(ExampleOptions options, DataFetcher fetcher, PrintStream log) throws IOException {
        Backend backend = options.resolveBackend();
        Config base = options.quick() ? Config.quick(options.seed()) : Config.full(options.seed());
        Config config = base.withEpochs(options.epochsOr(base.epochs(), base.epochs()));
        Path out = options.outFor("sentiment");
        log.println("sentiment: UCI Sentiment Labelled Sentences from npm " + NpmPackage.SENTIMENT + " on backend "
                + backend.name() + (options.quick() ? " (quick)" : ""));
        List<Sentence> data = load(fetcher);
        return train(backend, data, config, out, log);
    }

    /** The 3,000 sentences of the three files (the empty record closing each file is skipped). */
    static List<Sentence> load(DataFetcher fetcher) throws IOException {
        Map<String, byte[]> files = fetcher.files(NpmPackage.SENTIMENT, FILES);
        List<Sentence> out = new ArrayList<>();
        for (Map.Entry<String, byte[]> e : files.entrySet()) {
            String source = Path.of(e.getKey()).getFileName().toString().replace(".json", "");
            out.addAll(parse(new String(e.getValue(), StandardCharsets.UTF_8), source));
        }
        return out;
    }

    /** Sentences from one fixture file: a JSON array of {@code {"text": ..., "class": 0 or 1}}. */
    static List<Sentence> parse(String json, String source) throws IOException {
        List<Sentence> out = new ArrayList<>();
        JsonArray array;
        try {
            array = JsonParser.parseString(json).getAsJsonArray();
        } catch (RuntimeException e) {
            throw new IOException("sentiment: " + source + " is not a JSON array of sentences: " + e.getMessage(), e);
        }
        for (JsonElement el : array) {
            JsonObject o = el.getAsJsonObject();
            JsonElement text = o.get("text");
            JsonElement label = o.get("class");
            if (text == null || text.isJsonNull() || label == null || label.isJsonNull()
                    || text.getAsString().isBlank()) {
                continue;
            }
            out.add(new Sentence(text.getAsString().strip(), label.getAsInt(), source));
        }
        return out;
    }

    /** Splits, builds the vocabulary, trains, keeps the best epoch, tests, saves to {@code out}. */
    public static Result train(Backend backend, List<Sentence> data, Config config, Path out, PrintStream log)
            throws IOException {
        long start = System.nanoTime();
        // Split: a seeded permutation; the first 15 % test, the next 10 % validation, the rest training.
        int n = data.size();
        int[] perm = SeededShuffle.permutation(n, config.seed());
        int nTest = (int) Math.round(n * 0.15);
        int nVal = (int) Math.round(n * 0.10);
        int[] testIdx = Arrays.copyOfRange(perm, 0, nTest);
        int[] valIdx = Arrays.copyOfRange(perm, nTest, nTest + nVal);
        int[] trainIdx = Arrays.copyOfRange(perm, nTest + nVal, n);
        List<Sentence> train = Datasets.select(data, trainIdx);
        List<Sentence> val = Datasets.select(data, valIdx);
        List<Sentence> test = Datasets.select(data, testIdx);

        Map<String, Long> counts = new HashMap<>();
        for (Sentence s : train) {
            for (String t : SentimentModel.tokenizer().tokenize(s.text())) {
                counts.merge(t, 1L, Long::sum);
            }
        }
        Vocabulary vocab = Vocabulary.fromCounts(counts, config.minCount(), Vocabulary.UNLIMITED, false, false);
        List<long[]> trainSeqs = encode(vocab, train);
        List<long[]> valSeqs = encode(vocab, val);
        List<long[]> testSeqs = encode(vocab, test);
        long[] trainLabels = train.stream().mapToLong(Sentence::label).toArray();
        long positives = Arrays.stream(trainLabels).filter(l -> l == 1).count();
        int majority = positives * 2 >= trainLabels.length ? 1 : 0;
        log.printf(Locale.ROOT, "sentiment: %d sentences: %d train, %d validation, %d test; vocabulary %d words "
                        + "(seen >= %d times in training); model E=%d, bidirectional LSTM H=%d%n", n, train.size(),
                val.size(), test.size(), vocab.size(), config.minCount(), config.embed(), config.hidden());

        java.nio.file.Files.createDirectories(out);
        BucketBatchSampler sampler = new BucketBatchSampler(Datasets.lengths(trainSeqs), config.batch(), 8, false,
                config.seed());
        long totalSteps = (long) config.epochs() * sampler.batchCount();
        LrSchedule schedule = LrSchedule.cosine(config.lr(), config.lr() * 0.05, totalSteps).withWarmup(
                Math.min(50, totalSteps / 10));
        SplittableRandom dropoutSeeds = new SplittableRandom(config.seed() * 7 + 3);
        double bestVal = -1;
        double bestValLoss = Double.POSITIVE_INFINITY;
        int bestEpoch = 0;
        double firstEpoch = 0;
        Map<String, float[]> best = null;
        Result result;
        try (SentimentModel model = new SentimentModel(backend, vocab.size(), config.embed(), config.hidden(),
                config.dropout(), config.seed() * 31 + 5);
             Adam opt = new Adam(model.parameters(), config.lr());
             MetricsLog metrics = MetricsLog.builder().csv(out.resolve("training.csv")).build()) {
            long step = 0;
            for (int epoch = 1; epoch <= config.epochs(); epoch++) {
                model.train(true);
                double lossSum = 0;
                int batches = 0;
                try (ProgressBar bar = new ProgressBar(String.format(Locale.ROOT, "sentiment epoch %d/%d", epoch,
                        config.epochs()), sampler.batchCount())) {
                    for (int[] idx : sampler.epoch(epoch)) {
                        opt.setLearningRate(schedule.at(step++));
                        PaddedBatch batch = PaddedBatch.gather(trainSeqs, idx)
                                .withClassTargets(select(trainLabels, idx));
                        double loss;
                        try (Tape tape = new Tape()) {
                            Var logits = model.logits(tape, batch, dropoutSeeds);
                            Tensor y = tape.own(batch.targetTensor(backend));
                            Var l = Losses.crossEntropy(tape, logits, y, -100, 0f);
                            tape.backward(l);
                            loss = l.value().toFloatArray()[0];
                        }
                        TapeOps.update(model, opt, config.clip());
                        lossSum += loss;
                        batches++;
                        bar.step(Map.of("loss", lossSum / batches));
                    }
                }
                double[] pVal = model.positiveProbability(valSeqs);
                double valAcc = accuracy(pVal, val);
                double valLoss = logLoss(pVal, val);
                if (epoch == 1) {
                    firstEpoch = valAcc;
                }
                boolean improved = valAcc > bestVal || (valAcc == bestVal && valLoss < bestValLoss);
                if (improved) {
                    bestVal = valAcc;
                    bestValLoss = valLoss;
                    bestEpoch = epoch;
                    best = TapeOps.snapshot(model);
                }
                Map<String, Number> row = new LinkedHashMap<>();
                row.put("train_loss", lossSum / batches);
                row.put("val_loss", valLoss);
                row.put("val_accuracy", valAcc);
                metrics.log(epoch, row);
                log.printf(Locale.ROOT, "epoch %2d/%d  train loss %.4f  validation loss %.4f accuracy %.4f%s%n",
                        epoch, config.epochs(), lossSum / batches, valLoss, valAcc, improved ? "  (best so far)" : "");
            }
            TapeOps.restore(model, best);
            double[] pTest = model.positiveProbability(testSeqs);
            double testAcc = accuracy(pTest, test);
            double majorityAcc = test.stream().filter(s -> s.label() == majority).count() / (double) test.size();
            model.saveTo(out, vocab);
            writePredictions(out.resolve("test_predictions.csv"), test, pTest);
            result = new Result(testAcc, majorityAcc, SentimentModel.LABELS.get(majority), bestVal, bestEpoch,
                    train.size(), test.size(), firstEpoch);
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        log.printf(Locale.ROOT, "kept epoch %d (validation accuracy %.4f); trained in %.0f s%n", result.bestEpoch(),
                result.validationAccuracy(), seconds);
        log.println("wrote " + out.toAbsolutePath() + ": " + SentimentModel.MODEL_FILE + ", "
                + SentimentModel.VOCAB_FILE + ", training.csv, test_predictions.csv");
        log.println("try: ./recur predict sentiment \"The food was great but the service was slow.\""
                + (out.equals(Path.of("reports", "examples", "sentiment")) ? "" : " --model " + out));
        log.printf(Locale.ROOT, "sentiment: held-out accuracy %.4f on %d test sentences vs majority-class baseline "
                        + "%.4f (always \"%s\")%n", result.testAccuracy(), result.testSize(), result.majorityAccuracy(),
                result.majorityLabel());
        return result;
    }

    private static List<long[]> encode(Vocabulary vocab, List<Sentence> sentences) {
        List<long[]> out = new ArrayList<>(sentences.size());
        for (Sentence s : sentences) {
            out.add(SentimentModel.encode(vocab, s.text()));
        }
        return out;
    }

    private static long[] select(long[] values, int[] idx) {
        long[] out = new long[idx.length];
        for (int i = 0; i < idx.length; i++) {
            out[i] = values[idx[i]];
        }
        return out;
    }

    static double accuracy(double[] pPositive, List<Sentence> sentences) {
        int right = 0;
        for (int i = 0; i < pPositive.length; i++) {
            if ((pPositive[i] >= 0.5 ? 1 : 0) == sentences.get(i).label()) {
                right++;
            }
        }
        return right / (double) pPositive.length;
    }

    private static double logLoss(double[] pPositive, List<Sentence> sentences) {
        double sum = 0;
        for (int i = 0; i < pPositive.length; i++) {
            double p = sentences.get(i).label() == 1 ? pPositive[i] : 1 - pPositive[i];
            sum -= Math.log(Math.max(p, 1e-12));
        }
        return sum / pPositive.length;
    }

    private static void writePredictions(Path file, List<Sentence> test, double[] p) throws IOException {
        StringBuilder sb = new StringBuilder("source,label,p_positive,correct,text\n");
        for (int i = 0; i < p.length; i++) {
            Sentence s = test.get(i);
            sb.append(String.format(Locale.ROOT, "%s,%d,%.4f,%d,\"%s\"%n", s.source(), s.label(), p[i],
                    (p[i] >= 0.5 ? 1 : 0) == s.label() ? 1 : 0, s.text().replace("\"", "\"\"")));
        }
        AtomicFiles.write(file, sb.toString().getBytes(StandardCharsets.UTF_8));
    }

    /** {@code ./recur predict sentiment TEXT [--model DIR]}: prints the label and its probability. */
    public static String predict(Path modelDir, Backend backend, String text) throws IOException {
        try (SentimentModel.Loaded loaded = SentimentModel.load(modelDir, backend)) {
            double p = loaded.positiveProbability(text);
            String label = p >= 0.5 ? "positive" : "negative";
            return String.format(Locale.ROOT, "%s (p = %.3f)", label, p >= 0.5 ? p : 1 - p);
        }
    }
}
