package dev.recur.examples.apps.speech;

import dev.recur.autograd.Tape;
import dev.recur.autograd.Var;
import dev.recur.backend.Backend;
import dev.recur.data.BucketBatchSampler;
import dev.recur.examples.apps.ExampleOptions;
import dev.recur.examples.apps.TapeOps;
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
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.IntStream;

/**
 * Many-to-one: which digit was spoken. The words "zero".."nine" are synthesised with {@code espeak-ng} in
 * every English accent it has, each with one of its ~100 voice variants and a random speed and pitch (cached as
 * WAVs under {@code OUT/cache/espeak-ng}); log-mel features are computed here ({@link LogMel}: 25 ms Hann
 * frames every 10 ms at 16 kHz, 40 mel bands, silence trimmed, each band normalised over the utterance); an
 * LSTM reads the frames of each utterance over its own length and a linear layer on its final state picks the
 * digit. The voice variants are split 70/10/20 into training, validation and test, so the test voices are
 * unheard in training; the epoch with the best validation accuracy is kept and scored on them beside a
 * nearest-class-mean classifier on each utterance's average log-mel frame (and the majority class).
 */
public final class SpeechExample {
    /** The system property naming the espeak-ng binary (default {@code espeak-ng} on the PATH). */
    public static final String ESPEAK_PROPERTY = "recur.espeak";
    /** The weights' file in the output folder. */
    public static final String MODEL_FILE = "model.safetensors";

    /**
     * The model, the budget and the features.
     *
     * @param hidden  H
     * @param layers  LSTM layers
     * @param batch   utterances per batch
     * @param epochs  epochs
     * @param lr      Adam's peak learning rate (cosine to 5 % of it)
     * @param dropout on the final state
     * @param clip    global gradient-norm clip
     * @param stack   log-mel frames stacked per LSTM step
     * @param seed    the seed of the split, the voices, the initialisation, the batches and dropout
     */
    public record Config(int hidden, int layers, int batch, int epochs, double lr, float dropout, double clip,
                         int stack, long seed) {
        /** The full run. */
        public static Config full(long seed) {
            return new Config(128, 1, 32, 15, 3e-3, 0.2f, 5.0, 2, seed);
        }

        /** The quick run. */
        public static Config quick(long seed) {
            return new Config(96, 1, 32, 8, 4e-3, 0.2f, 5.0, 2, seed);
        }

        Config withEpochs(int e) {
            return new Config(hidden, layers, batch, e, lr, dropout, clip, stack, seed);
        }
    }

    /**
     * The outcome on the held-out voices.
     *
     * @param testAccuracy        the LSTM's accuracy on the test voices
     * @param nearestMeanAccuracy the nearest-class-mean baseline's
     * @param majorityAccuracy    always the training set's most frequent digit
     * @param validationAccuracy  the kept epoch's validation accuracy
     * @param bestEpoch           that epoch (1-based)
     * @param trainUtterances     utterances in training
     * @param testUtterances      utterances in test
     * @param trainVoices         voices in training
     * @param testVoices          voices in test, none of them heard in training
     * @param seconds             the training time, features excluded
     */
    public record Result(double testAccuracy, double nearestMeanAccuracy, double majorityAccuracy,
                         double validationAccuracy, int bestEpoch, int trainUtterances, int testUtterances,
                         int trainVoices, int testVoices, double seconds) {
    }

    private SpeechExample() {
    }

    /** Synthesises (or reuses) the data, trains, evaluates, saves; the last line printed is the metric beside its baseline. */
    public static Result run(ExampleOptions options, PrintStream log) throws IOException {
        long start = System.nanoTime();
        DigitSynth synth = new DigitSynth(System.getProperty(ESPEAK_PROPERTY, DigitSynth.DEFAULT_BINARY));
        String version = synth.version(); // fails first, with the install hint, when espeak-ng is missing
        Backend backend = options.resolveBackend();
        Config base = options.quick() ? Config.quick(options.seed()) : Config.full(options.seed());
        Config config = base.withEpochs(options.epochsOr(base.epochs(), base.epochs()));
        SpeechData.Plan plan = options.quick() ? SpeechData.Plan.quick() : SpeechData.Plan.full();
        Path out = options.outFor("speech");
        log.println("speech: spoken digits from " + version + " on backend " + backend.name()
                + (options.quick() ? " (quick)" : ""));

        List<String> installed = synth.languages("en");
        List<String> accents = SpeechData.ACCENTS.stream().filter(installed::contains).toList();
        if (accents.isEmpty()) {
            throw new IOException("speech: espeak-ng lists none of the English voices " + SpeechData.ACCENTS);
        }
        List<String> variants = synth.variants();
        SpeechData.Split split = SpeechData.Split.of(variants, 0.2, 0.1, config.seed());
        List<DigitSynth.Utterance> utterances = SpeechData.utterances(accents, split, plan, config.seed());
        log.printf(Locale.ROOT, "speech: %d accents x %d voice variants (%d train, %d validation, %d test "
                        + "variants; %d accent(s) each), %d utterances%n", accents.size(), variants.size(),
                split.train().size(), split.validation().size(), split.test().size(),
                Math.min(plan.accentsPerVariant(), accents.size()), utterances.size());

        int threads = Math.max(1, Runtime.getRuntime().availableProcessors());
        Path cache = out.resolve("cache").resolve("espeak-ng");
        long t0 = System.nanoTime();
        List<Path> wavs;
        try (ProgressBar bar = new ProgressBar("speech: espeak-ng", utterances.size())) {
            AtomicReference<Integer> last = new AtomicReference<>(0);
            wavs = synth.synthesise(utterances, cache, threads, n -> {
                synchronized (last) {
                    while (last.get() < n) {
                        bar.step();
                        last.set(last.get() + 1);
                    }
                }
            });
        }
        double synthSeconds = (System.nanoTime() - t0) / 1e9;
        t0 = System.nanoTime();
        List<SpeechData.Sample> samples = features(wavs, utterances, split, config.stack());
        log.printf(Locale.ROOT, "speech: %d WAVs in %s (%.0f s), log-mel features in %.0f s%n", wavs.size(), cache,
                synthSeconds, (System.nanoTime() - t0) / 1e9);
        Result r = train(backend, samples, config, out, log);
        log.printf(Locale.ROOT, "speech: total %.0f s%n", (System.nanoTime() - start) / 1e9);
        log.printf(Locale.ROOT, "speech: held-out-voice accuracy %.4f on %d utterances by %d voices unheard in "
                        + "training vs nearest-class-mean baseline %.4f (majority class %.4f)%n", r.testAccuracy(),
                r.testUtterances(), r.testVoices(), r.nearestMeanAccuracy(), r.majorityAccuracy());
        return r;
    }

    /** The features of each WAV, computed in parallel. */
    static List<SpeechData.Sample> features(List<Path> wavs, List<DigitSynth.Utterance> utterances,
                                            SpeechData.Split split, int stack) throws IOException {
        LogMel logMel = new LogMel(LogMel.Config.standard());
        SpeechData.Sample[] out = new SpeechData.Sample[wavs.size()];
        AtomicReference<IOException> error = new AtomicReference<>();
        IntStream.range(0, wavs.size()).parallel().forEach(i -> {
            DigitSynth.Utterance u = utterances.get(i);
            try {
                out[i] = SpeechData.features(logMel, wavs.get(i), stack, u.digit(), u.voice(), u.variant(),
                        split.setOf(u.variant()), u);
            } catch (IOException e) {
                error.compareAndSet(null, e);
            }
        });
        if (error.get() != null) {
            throw error.get();
        }
        return List.of(out);
    }

    /** Trains on the training voices, keeps the best validation epoch, scores the test voices, saves to {@code out}. */
    public static Result train(Backend backend, List<SpeechData.Sample> samples, Config config, Path out,
                               PrintStream log) throws IOException {
        long start = System.nanoTime();
        List<SpeechData.Sample> train = new ArrayList<>();
        List<SpeechData.Sample> val = new ArrayList<>();
        List<SpeechData.Sample> test = new ArrayList<>();
        for (SpeechData.Sample s : samples) {
            switch (s.set()) {
                case SpeechData.TRAIN -> train.add(s);
                case SpeechData.VALIDATION -> val.add(s);
                case SpeechData.TEST -> test.add(s);
                default -> throw new IllegalArgumentException("speech: unknown set " + s.set());
            }
        }
        if (train.isEmpty() || val.isEmpty() || test.isEmpty()) {
            throw new IllegalArgumentException("speech: need training, validation and test utterances, got "
                    + train.size() + "/" + val.size() + "/" + test.size());
        }
        Map<String, Map<String, Integer>> voices = SpeechData.voicesBySet(samples);
        for (String v : voices.get(SpeechData.TEST).keySet()) {
            if (voices.get(SpeechData.TRAIN).containsKey(v) || voices.get(SpeechData.VALIDATION).containsKey(v)) {
                throw new IllegalArgumentException("speech: test voice " + v + " is also in another set");
            }
        }
        Files.createDirectories(out);
        writeVoices(out.resolve("voices.csv"), samples);
        int features = train.get(0).features();
        double meanFrames = train.stream().mapToInt(SpeechData.Sample::length).average().orElse(0);
        log.printf(Locale.ROOT, "speech: %d train utterances (%d voices), %d validation (%d), %d test (%d voices "
                        + "unheard in training); %.1f steps of %d features on average; LSTM H=%d x %d layer(s)%n",
                train.size(), voices.get(SpeechData.TRAIN).size(), val.size(), voices.get(SpeechData.VALIDATION).size(),
                test.size(), voices.get(SpeechData.TEST).size(), meanFrames, features, config.hidden(),
                config.layers());

        NearestMean baseline = new NearestMean(train);
        double baselineAcc = baseline.accuracy(test);
        int majority = majority(train);
        double majorityAcc = test.stream().filter(s -> s.label() == majority).count() / (double) test.size();

        List<float[][]> trainX = train.stream().map(SpeechData.Sample::frames).toList();
        List<float[][]> valX = val.stream().map(SpeechData.Sample::frames).toList();
        List<float[][]> testX = test.stream().map(SpeechData.Sample::frames).toList();
        long[] trainY = train.stream().mapToLong(SpeechData.Sample::label).toArray();
        BucketBatchSampler sampler = new BucketBatchSampler(trainX.stream().mapToInt(f -> f.length).toArray(),
                config.batch(), 8, false, config.seed());
        long totalSteps = (long) config.epochs() * sampler.batchCount();
        LrSchedule schedule = LrSchedule.cosine(config.lr(), config.lr() * 0.05, totalSteps)
                .withWarmup(Math.min(50, totalSteps / 10));
        SplittableRandom dropoutSeeds = new SplittableRandom(config.seed() * 7 + 3);
        double bestVal = -1;
        double bestValLoss = Double.POSITIVE_INFINITY;
        int bestEpoch = 0;
        double[][] pTest;
        try (SpeechModel model = new SpeechModel(backend, features, config.hidden(), config.layers(),
                config.dropout(), config.seed() * 31 + 5);
             Adam opt = new Adam(model.parameters(), config.lr());
             MetricsLog metrics = MetricsLog.builder().csv(out.resolve("training.csv")).build()) {
            Map<String, float[]> best = TapeOps.snapshot(model);
            long step = 0;
            for (int epoch = 1; epoch <= config.epochs(); epoch++) {
                model.train(true);
                double lossSum = 0;
                int right = 0;
                int seen = 0;
                int batches = 0;
                try (ProgressBar bar = new ProgressBar(String.format(Locale.ROOT, "speech epoch %d/%d", epoch,
                        config.epochs()), sampler.batchCount())) {
                    for (int[] idx : sampler.epoch(epoch)) {
                        opt.setLearningRate(schedule.at(step++));
                        long[] y = new long[idx.length];
                        for (int i = 0; i < idx.length; i++) {
                            y[i] = trainY[idx[i]];
                        }
                        double loss;
                        try (Tape tape = new Tape()) {
                            Var logits = model.logits(tape, SpeechModel.Batch.of(trainX, idx), dropoutSeeds);
                            Tensor target = tape.own(backend.fromLongs(y, y.length));
                            Var l = Losses.crossEntropy(tape, logits, target, -100, 0f);
                            tape.backward(l);
                            loss = l.value().toFloatArray()[0];
                            right += correct(logits.value().toFloatArray(), y);
                        }
                        TapeOps.update(model, opt, config.clip());
                        lossSum += loss;
                        seen += idx.length;
                        batches++;
                        bar.step(Map.of("loss", lossSum / batches, "acc", right / (double) seen));
                    }
                }
                double[][] pVal = model.probabilities(valX);
                double valAcc = accuracy(pVal, val);
                double valLoss = logLoss(pVal, val);
                boolean improved = valAcc > bestVal || (valAcc == bestVal && valLoss < bestValLoss);
                if (improved) {
                    bestVal = valAcc;
                    bestValLoss = valLoss;
                    bestEpoch = epoch;
                    best = TapeOps.snapshot(model);
                }
                Map<String, Number> row = new LinkedHashMap<>();
                row.put("train_loss", lossSum / batches);
                row.put("train_accuracy", right / (double) seen);
                row.put("val_loss", valLoss);
                row.put("val_accuracy", valAcc);
                metrics.log(epoch, row);
                log.printf(Locale.ROOT, "epoch %2d/%d  train loss %.4f accuracy %.4f  validation loss %.4f accuracy "
                                + "%.4f%s (%.0f s)%n", epoch, config.epochs(), lossSum / batches, right / (double) seen,
                        valLoss, valAcc, improved ? "  (best so far)" : "", (System.nanoTime() - start) / 1e9);
            }
            TapeOps.restore(model, best);
            pTest = model.probabilities(testX);
            Map<String, String> meta = new LinkedHashMap<>();
            meta.put("format", "recur-example-speech");
            meta.put("features", Integer.toString(features));
            meta.put("hidden", Integer.toString(config.hidden()));
            meta.put("layers", Integer.toString(config.layers()));
            meta.put("labels", String.join(",", DigitSynth.WORDS));
            LogMel.Config f = LogMel.Config.standard();
            meta.put("log_mel", String.format(Locale.ROOT, "rate=%d frame=%d hop=%d fft=%d mels=%d fmin=%.0f "
                            + "fmax=%.0f hann, HTK mel, ln(E+1e-6), silence 50 dB below peak trimmed (3 kept), "
                            + "per-utterance mean/variance normalised, %d frames stacked per step", f.sampleRate(),
                    f.frameLength(), f.hop(), f.fftSize(), f.mels(), f.fMin(), f.fMax(), config.stack()));
            model.save(out.resolve(MODEL_FILE), meta);
        }
        double testAcc = accuracy(pTest, test);
        writePredictions(out.resolve("test_predictions.csv"), test, pTest, baseline);
        writePerVariant(out.resolve("test_accuracy_by_variant.csv"), test, pTest);
        writeConfusion(out.resolve("test_confusion.csv"), test, pTest);
        double seconds = (System.nanoTime() - start) / 1e9;
        log.printf(Locale.ROOT, "kept epoch %d (validation accuracy %.4f); trained in %.0f s%n", bestEpoch, bestVal,
                seconds);
        log.println("wrote " + out.toAbsolutePath() + ": " + MODEL_FILE + ", voices.csv, training.csv, "
                + "test_predictions.csv, test_accuracy_by_variant.csv, test_confusion.csv");
        return new Result(testAcc, baselineAcc, majorityAcc, bestVal, bestEpoch, train.size(), test.size(),
                voices.get(SpeechData.TRAIN).size(), voices.get(SpeechData.TEST).size(), seconds);
    }

    /**
     * The baseline: each utterance's average log-mel frame (before normalisation), standardised with the
     * training set's mean and spread per band, goes to the digit whose training mean is nearest (Euclidean).
     */
    static final class NearestMean {
        final double[] mu;
        final double[] sigma;
        final double[][] centroids;

        NearestMean(List<SpeechData.Sample> train) {
            int f = train.get(0).average().length;
            mu = new double[f];
            sigma = new double[f];
            for (SpeechData.Sample s : train) {
                for (int i = 0; i < f; i++) {
                    mu[i] += s.average()[i] / train.size();
                }
            }
            for (SpeechData.Sample s : train) {
                for (int i = 0; i < f; i++) {
                    double d = s.average()[i] - mu[i];
                    sigma[i] += d * d / train.size();
                }
            }
            for (int i = 0; i < f; i++) {
                sigma[i] = Math.sqrt(sigma[i]) + 1e-6;
            }
            centroids = new double[SpeechModel.CLASSES][f];
            int[] counts = new int[SpeechModel.CLASSES];
            for (SpeechData.Sample s : train) {
                double[] z = standardise(s.average());
                counts[s.label()]++;
                for (int i = 0; i < f; i++) {
                    centroids[s.label()][i] += z[i];
                }
            }
            for (int c = 0; c < centroids.length; c++) {
                for (int i = 0; i < f; i++) {
                    centroids[c][i] = counts[c] == 0 ? Double.NaN : centroids[c][i] / counts[c];
                }
            }
        }

        double[] standardise(float[] x) {
            double[] z = new double[x.length];
            for (int i = 0; i < x.length; i++) {
                z[i] = (x[i] - mu[i]) / sigma[i];
            }
            return z;
        }

        int predict(float[] average) {
            double[] z = standardise(average);
            int best = 0;
            double bestD = Double.POSITIVE_INFINITY;
            for (int c = 0; c < centroids.length; c++) {
                double d = 0;
                for (int i = 0; i < z.length; i++) {
                    double e = z[i] - centroids[c][i];
                    d += e * e;
                }
                if (d < bestD) {
                    bestD = d;
                    best = c;
                }
            }
            return best;
        }

        double accuracy(List<SpeechData.Sample> samples) {
            return samples.stream().filter(s -> predict(s.average()) == s.label()).count() / (double) samples.size();
        }
    }

    static int majority(List<SpeechData.Sample> train) {
        int[] counts = new int[SpeechModel.CLASSES];
        train.forEach(s -> counts[s.label()]++);
        int best = 0;
        for (int c = 1; c < counts.length; c++) {
            if (counts[c] > counts[best]) {
                best = c;
            }
        }
        return best;
    }

    static int argmax(double[] p) {
        int best = 0;
        for (int c = 1; c < p.length; c++) {
            if (p[c] > p[best]) {
                best = c;
            }
        }
        return best;
    }

    private static int correct(float[] logits, long[] y) {
        int right = 0;
        int c = SpeechModel.CLASSES;
        for (int i = 0; i < y.length; i++) {
            int best = 0;
            for (int k = 1; k < c; k++) {
                if (logits[i * c + k] > logits[i * c + best]) {
                    best = k;
                }
            }
            right += best == y[i] ? 1 : 0;
        }
        return right;
    }

    static double accuracy(double[][] p, List<SpeechData.Sample> samples) {
        int right = 0;
        for (int i = 0; i < p.length; i++) {
            right += argmax(p[i]) == samples.get(i).label() ? 1 : 0;
        }
        return right / (double) p.length;
    }

    private static double logLoss(double[][] p, List<SpeechData.Sample> samples) {
        double sum = 0;
        for (int i = 0; i < p.length; i++) {
            sum -= Math.log(Math.max(p[i][samples.get(i).label()], 1e-12));
        }
        return sum / p.length;
    }

    private static void writeVoices(Path file, List<SpeechData.Sample> samples) throws IOException {
        StringBuilder sb = new StringBuilder("voice,variant,set,utterances\n");
        Map<String, Map<String, Integer>> bySet = SpeechData.voicesBySet(samples);
        Map<String, String> variantOf = new TreeMap<>();
        samples.forEach(s -> variantOf.put(s.voice(), s.variant()));
        bySet.forEach((set, voices) -> voices.forEach((v, n) -> sb.append(String.format(Locale.ROOT,
                "%s,%s,%s,%d%n", v, variantOf.get(v), set, n))));
        AtomicFiles.write(file, sb.toString().getBytes(StandardCharsets.UTF_8));
    }

    private static void writePredictions(Path file, List<SpeechData.Sample> test, double[][] p, NearestMean baseline)
            throws IOException {
        StringBuilder sb = new StringBuilder("voice,speed,pitch,word,predicted,p_predicted,correct,"
                + "nearest_mean_predicted,frames\n");
        for (int i = 0; i < p.length; i++) {
            SpeechData.Sample s = test.get(i);
            int c = argmax(p[i]);
            DigitSynth.Utterance u = s.utterance();
            sb.append(String.format(Locale.ROOT, "%s,%s,%s,%s,%s,%.4f,%d,%s,%d%n", s.voice(),
                    u == null ? "" : Integer.toString(u.speed()), u == null ? "" : Integer.toString(u.pitch()),
                    DigitSynth.WORDS.get(s.label()), DigitSynth.WORDS.get(c), p[i][c], c == s.label() ? 1 : 0,
                    DigitSynth.WORDS.get(baseline.predict(s.average())), s.length()));
        }
        AtomicFiles.write(file, sb.toString().getBytes(StandardCharsets.UTF_8));
    }

    private static void writePerVariant(Path file, List<SpeechData.Sample> test, double[][] p) throws IOException {
        Map<String, int[]> counts = new TreeMap<>();
        for (int i = 0; i < p.length; i++) {
            int[] c = counts.computeIfAbsent(test.get(i).variant(), k -> new int[2]);
            c[0] += argmax(p[i]) == test.get(i).label() ? 1 : 0;
            c[1]++;
        }
        StringBuilder sb = new StringBuilder("variant,utterances,accuracy\n");
        counts.forEach((v, c) -> sb.append(String.format(Locale.ROOT, "%s,%d,%.4f%n", v, c[1], c[0] / (double) c[1])));
        AtomicFiles.write(file, sb.toString().getBytes(StandardCharsets.UTF_8));
    }

    private static void writeConfusion(Path file, List<SpeechData.Sample> test, double[][] p) throws IOException {
        int n = SpeechModel.CLASSES;
        int[][] m = new int[n][n];
        for (int i = 0; i < p.length; i++) {
            m[test.get(i).label()][argmax(p[i])]++;
        }
        StringBuilder sb = new StringBuilder("spoken\\predicted," + String.join(",", DigitSynth.WORDS) + "\n");
        for (int r = 0; r < n; r++) {
            sb.append(DigitSynth.WORDS.get(r));
            for (int c = 0; c < n; c++) {
                sb.append(',').append(m[r][c]);
            }
            sb.append('\n');
        }
        AtomicFiles.write(file, sb.toString().getBytes(StandardCharsets.UTF_8));
    }
}
