package dev.recur.examples.apps.music;

import dev.recur.autograd.GradMode;
import dev.recur.autograd.Tape;
import dev.recur.autograd.Var;
import dev.recur.backend.Backend;
import dev.recur.data.BucketBatchSampler;
import dev.recur.data.PaddedBatch;
import dev.recur.data.SeededShuffle;
import dev.recur.data.Vocabulary;
import dev.recur.examples.apps.ExampleOptions;
import dev.recur.examples.apps.TokenStepper;
import dev.recur.examples.apps.TapeOps;
import dev.recur.examples.chart.BarChart;
import dev.recur.examples.chart.Chart;
import dev.recur.io.AtomicFiles;
import dev.recur.nn.Embedding;
import dev.recur.nn.Linear;
import dev.recur.nn.Module;
import dev.recur.nn.rnn.Lstm;
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
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One-to-many: melody generation from a seed note. The model is {@code Embedding(V, E)} →
 * {@code LSTM(E, H, layers)} → {@code Linear(H, V)} over note tokens (one joint token per note or rest, pitch
 * and duration: {@link Note#token()}), trained with teacher forcing to predict every next token of a melody
 * (and {@code <eos>} after its last note). Generation feeds one seed note and samples step by step with
 * {@link dev.recur.nn.rnn.RecurrentLayer#step} at a temperature, until {@code <eos>} or a length limit.
 *
 * <p>Data: by default the rule corpus of {@link MelodyCorpus} (major-key melodies that start on their tonic),
 * 90/10 split; with {@code --midi DIR} the melodies of the MIDI files under a folder ({@link MidiFiles}), cut
 * into segments of at most {@link Config#segment} notes, split by file when there are at least 4 files with
 * notes (else by segment). Reported: validation next-token accuracy and cross-entropy (bits/token) beside a
 * unigram model of the training tokens; for the rule corpus also the fraction of generated notes in the seed's
 * major scale beside uniformly random notes and beside samples of the unigram model.
 */
public final class MusicExample {
    /** The format tag of the saved model. */
    static final String FORMAT = "recur-example-music";
    /** The tempo of the rule corpus's files. */
    static final double RULE_BPM = 100;

    /**
     * The budget and model size.
     *
     * @param melodies       rule-corpus melodies (ignored with {@code --midi})
     * @param embed          E
     * @param hidden         H
     * @param layers         LSTM layers
     * @param batch          melodies per batch
     * @param epochs         passes over the training melodies
     * @param lr             Adam's peak learning rate (cosine to 5 % of it)
     * @param clip           global gradient-norm clip
     * @param segment        the longest training sequence, in notes (MIDI pieces are cut to it)
     * @param samplesPerSeed melodies generated per seed note
     * @param maxNotes       the longest generated melody, seed included
     * @param temperature    the sampling temperature
     * @param seed           the seed of the corpus, the split, the initialisation, the batches and the sampling
     */
    public record Config(int melodies, int embed, int hidden, int layers, int batch, int epochs, double lr,
                         double clip, int segment, int samplesPerSeed, int maxNotes, double temperature, long seed) {
        /** The full run. */
        public static Config full(long seed) {
            return new Config(5000, 64, 256, 1, 32, 12, 5e-3, 5.0, 64, 8, 48, 0.9, seed);
        }

        /** The quick run. */
        public static Config quick(long seed) {
            return new Config(2000, 32, 128, 1, 32, 8, 8e-3, 5.0, 64, 4, 48, 0.9, seed);
        }

        Config withEpochs(int e) {
            return new Config(melodies, embed, hidden, layers, batch, e, lr, clip, segment, samplesPerSeed,
                    maxNotes, temperature, seed);
        }
    }

    /**
     * A training or validation sequence.
     *
     * @param notes    its notes
     * @param complete whether it ends its piece ({@code <eos>} follows its last note)
     * @param tonic    the tonic of its key (rule corpus), or -1 when unknown
     */
    record Tune(List<Note> notes, boolean complete, int tonic) {
    }

    /**
     * The data.
     *
     * @param description one line about where it came from
     * @param train       training sequences
     * @param validation  validation sequences
     * @param ruleBased   whether it is the rule corpus (keys known: the in-scale metric applies)
     * @param bpm         the tempo to write generated melodies at
     */
    record Corpus(String description, List<Tune> train, List<Tune> validation, boolean ruleBased, double bpm) {
    }

    /**
     * A generated melody.
     *
     * @param seed        the seed note (its first note)
     * @param notes       all its notes, seed first
     * @param temperature the sampling temperature
     * @param ended       whether the model closed it with {@code <eos>} (else it hit the length limit)
     */
    public record Generated(Note seed, List<Note> notes, double temperature, boolean ended) {
    }

    /**
     * The outcome.
     *
     * @param accuracy            validation next-token accuracy
     * @param unigramAccuracy     always predicting the most frequent training token
     * @param bitsPerToken        validation cross-entropy, bits/token
     * @param unigramBitsPerToken the unigram model's (add-one smoothed training frequencies)
     * @param validationTokens    tokens scored
     * @param inScale             fraction of generated notes (after the seed) in the seed's major scale; NaN for
     *                            MIDI data
     * @param randomInScale       the same for uniformly random pitches over the training pitch range (expected)
     * @param unigramInScale      the same for notes sampled from the unigram model
     * @param melodies            the generated melodies
     */
    public record Result(double accuracy, double unigramAccuracy, double bitsPerToken, double unigramBitsPerToken,
                         long validationTokens, double inScale, double randomInScale, double unigramInScale,
                         List<Generated> melodies) {
    }

    /** Embedding, LSTM, linear head. */
    static final class Model extends Module {
        final Embedding embedding;
        final Lstm lstm;
        final Linear head;

        Model(Backend backend, int vocab, int embed, int hidden, int layers, long seed) {
            super(backend, "music");
            this.embedding = registerChild("embedding", new Embedding(backend, vocab, embed, seed));
            this.lstm = registerChild("lstm", Lstm.builder(embed, hidden).numLayers(layers).seed(seed + 1)
                    .build(backend));
            this.head = registerChild("head", new Linear(backend, hidden, vocab, true, seed + 2));
        }

        /** Records logits {@code [T, B, V]} of a next-token batch (time-major inside). */
        Var logits(Tape tape, PaddedBatch batch) {
            Tensor ids = tape.own(batch.timeMajorTensor(backend()));
            Var x = tape.record(embedding.forward(ids), tape.constant(ids));
            Tape.RnnVars r = tape.rnn(lstm, x, batch.lengthsAsLongs(), null, null);
            return tape.record(head.forward(r.output().value()), r.output());
        }
    }

    private MusicExample() {
    }

    /** Builds the corpus (rules, or {@code --midi DIR}), trains, evaluates, generates, saves. */
    public static Result run(ExampleOptions options, PrintStream log) throws IOException {
        Backend backend = options.resolveBackend();
        Config base = options.quick() ? Config.quick(options.seed()) : Config.full(options.seed());
        Config config = base.withEpochs(options.epochsOr(base.epochs(), base.epochs()));
        String midi = options.extra("midi", null);
        Corpus corpus;
        if (midi == null) {
            corpus = ruleCorpus(config);
        } else {
            List<MidiFiles.Piece> pieces = MidiFiles.readFolder(Path.of(midi));
            corpus = midiCorpus(pieces, Path.of(midi), config, log);
        }
        log.println("music: " + corpus.description() + " on backend " + backend.name()
                + (options.quick() ? " (quick)" : ""));
        return train(backend, corpus, config, options.outFor("music"), log);
    }

    /** The rule corpus: {@link Config#melodies} melodies, 10 % held out (seeded). */
    static Corpus ruleCorpus(Config config) {
        List<MelodyCorpus.Melody> all = MelodyCorpus.generate(config.melodies(), config.seed());
        int[] perm = SeededShuffle.permutation(all.size(), config.seed() * 13 + 1);
        int nVal = Math.max(1, (int) Math.round(all.size() * 0.1));
        List<Tune> train = new ArrayList<>();
        List<Tune> val = new ArrayList<>();
        for (int i = 0; i < perm.length; i++) {
            MelodyCorpus.Melody m = all.get(perm[i]);
            (i < nVal ? val : train).add(new Tune(m.notes(), true, m.tonic()));
        }
        return new Corpus(String.format(Locale.ROOT, "rule corpus of %d major-key melodies (scales, arpeggios, "
                + "motif sequences; seed %d), %d train / %d validation", all.size(), config.seed(), train.size(),
                val.size()), train, val, true, RULE_BPM);
    }

    /**
     * The melodies of MIDI pieces cut into segments of at most {@link Config#segment} notes; split by piece
     * (a seeded 10 %, at least one) when at least 4 pieces have notes, else by segment.
     *
     * @throws IOException when no piece has two notes
     */
    static Corpus midiCorpus(List<MidiFiles.Piece> pieces, Path dir, Config config, PrintStream log)
            throws IOException {
        List<List<Tune>> byPiece = new ArrayList<>();
        int drums = 0;
        int chords = 0;
        List<Double> tempos = new ArrayList<>();
        for (MidiFiles.Piece p : pieces) {
            drums += p.drumNotesSkipped();
            chords += p.chordNotesDropped();
            if (p.notes().size() < 2) {
                log.println("music: skipping " + p.name() + ": " + (p.notes().isEmpty()
                        ? "no notes outside the drum channel" : "a single note"));
                continue;
            }
            tempos.add(p.bpm());
            List<Tune> segs = new ArrayList<>();
            List<Note> notes = p.notes();
            for (int from = 0; from < notes.size(); from += config.segment()) {
                int to = Math.min(notes.size(), from + config.segment());
                boolean last = to == notes.size();
                if (to - from >= 2 || (last && to - from >= 1)) {
                    segs.add(new Tune(notes.subList(from, to), last, -1));
                }
            }
            byPiece.add(segs);
        }
        if (byPiece.isEmpty()) {
            throw new IOException("midi: no file under " + dir.toAbsolutePath() + " has a melody of two or more notes "
                    + "outside the drum channel");
        }
        List<Tune> train = new ArrayList<>();
        List<Tune> val = new ArrayList<>();
        String split;
        if (byPiece.size() >= 4) {
            int[] perm = SeededShuffle.permutation(byPiece.size(), config.seed() * 13 + 1);
            int nVal = Math.max(1, (int) Math.round(byPiece.size() * 0.1));
            for (int i = 0; i < perm.length; i++) {
                (i < nVal ? val : train).addAll(byPiece.get(perm[i]));
            }
            split = nVal + " held-out file(s)";
        } else {
            List<Tune> all = byPiece.stream().flatMap(List::stream).toList();
            int[] perm = SeededShuffle.permutation(all.size(), config.seed() * 13 + 1);
            int nVal = all.size() < 2 ? 0 : Math.max(1, (int) Math.round(all.size() * 0.1));
            for (int i = 0; i < perm.length; i++) {
                (i < nVal ? val : train).add(all.get(perm[i]));
            }
            if (val.isEmpty()) {
                val.addAll(train);
                split = "too little data to hold any out: validation = training";
            } else {
                split = "fewer than 4 files: held-out segments";
            }
        }
        double[] t = tempos.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        double bpm = t[t.length / 2];
        long notes = pieces.stream().mapToLong(p -> p.notes().size()).sum();
        return new Corpus(String.format(Locale.ROOT, "%d MIDI file(s) under %s: %d notes and rests (top voice; "
                        + "%d drum notes skipped, %d chord notes dropped), %d train / %d validation segments (%s)",
                pieces.size(), dir, notes, drums, chords, train.size(), val.size(), split), train, val, false, bpm);
    }

    /** Token ids of a tune: its notes, then {@code <eos>} when it is complete. */
    static long[] encode(Vocabulary vocab, Tune tune) {
        int n = tune.notes().size() + (tune.complete() ? 1 : 0);
        long[] ids = new long[n];
        for (int i = 0; i < tune.notes().size(); i++) {
            ids[i] = vocab.id(tune.notes().get(i).token());
        }
        if (tune.complete()) {
            ids[n - 1] = vocab.eosId();
        }
        return ids;
    }

    /** Trains on {@code corpus}, validates, generates, and writes the model and artifacts to {@code out}. */
    static Result train(Backend backend, Corpus corpus, Config config, Path out, PrintStream log) throws IOException {
        long start = System.nanoTime();
        Map<String, Long> counts = new HashMap<>();
        for (Tune t : corpus.train()) {
            for (Note n : t.notes()) {
                counts.merge(n.token(), 1L, Long::sum);
            }
        }
        Vocabulary vocab = Vocabulary.fromCounts(counts, 1, Vocabulary.UNLIMITED, false, true);
        List<long[]> trainSeqs = new ArrayList<>();
        for (Tune t : corpus.train()) {
            long[] ids = encode(vocab, t);
            if (ids.length >= 2) {
                trainSeqs.add(ids);
            }
        }
        List<long[]> valSeqs = new ArrayList<>();
        for (Tune t : corpus.validation()) {
            long[] ids = encode(vocab, t);
            if (ids.length >= 2) {
                valSeqs.add(ids);
            }
        }
        if (trainSeqs.isEmpty() || valSeqs.isEmpty()) {
            throw new IllegalArgumentException("music: too little data: " + trainSeqs.size() + " training and "
                    + valSeqs.size() + " validation sequences of two or more tokens");
        }
        int v = vocab.size();
        // The unigram baseline: training token frequencies (the predicted tokens, <eos> included), add-one
        // smoothed over the vocabulary's real tokens.
        double[] unigram = new double[v];
        long trainTokens = 0;
        for (long[] s : trainSeqs) {
            for (int i = 1; i < s.length; i++) {
                unigram[(int) s[i]]++;
                trainTokens++;
            }
        }
        int unigramArgmax = 0;
        for (int i = 0; i < v; i++) {
            if (unigram[i] > unigram[unigramArgmax]) {
                unigramArgmax = i;
            }
        }
        int real = v - vocab.specialCount() + 1; // regular tokens and <eos>
        for (int i = 0; i < v; i++) {
            boolean scored = !vocab.isSpecial(i) || i == vocab.eosId() || i == vocab.unkId();
            unigram[i] = scored ? (unigram[i] + 1) / (trainTokens + real + 1) : 0;
        }
        int[] lengths = trainSeqs.stream().mapToInt(s -> s.length - 1).toArray();
        BucketBatchSampler sampler = new BucketBatchSampler(lengths, config.batch(), 8, false, config.seed());
        log.printf(Locale.ROOT, "music: vocabulary %d tokens (pitch:sixteenths, rests, <eos>); %d training tokens "
                        + "in %d sequences, %d batches of %d per epoch; LSTM E=%d H=%d x %d layer(s), %d epochs%n", v,
                trainTokens, trainSeqs.size(), sampler.batchCount(), config.batch(), config.embed(), config.hidden(),
                config.layers(), config.epochs());
        Files.createDirectories(out);
        long totalSteps = (long) config.epochs() * sampler.batchCount();
        LrSchedule schedule = LrSchedule.cosine(config.lr(), config.lr() * 0.05, totalSteps)
                .withWarmup(Math.min(50, totalSteps / 10));
        double[] curveModel = new double[config.epochs()];
        double[] curveUnigram = new double[config.epochs()];
        Result result;
        try (Model model = new Model(backend, v, config.embed(), config.hidden(), config.layers(),
                config.seed() * 31 + 11);
             Adam opt = new Adam(model.parameters(), config.lr());
             MetricsLog metrics = MetricsLog.builder().csv(out.resolve("training.csv")).build()) {
            long step = 0;
            double[] val = null;
            for (int epoch = 1; epoch <= config.epochs(); epoch++) {
                double lossSum = 0;
                int batches = 0;
                try (ProgressBar bar = new ProgressBar(String.format(Locale.ROOT, "music epoch %d/%d", epoch,
                        config.epochs()), sampler.batchCount())) {
                    for (int[] idx : sampler.epoch(epoch)) {
                        opt.setLearningRate(schedule.at(step++));
                        List<long[]> seqs = new ArrayList<>(idx.length);
                        for (int i : idx) {
                            seqs.add(trainSeqs.get(i));
                        }
                        PaddedBatch batch = PaddedBatch.forNextToken(seqs, idx, vocab.padId());
                        double loss;
                        try (Tape tape = new Tape()) {
                            Var logits = model.logits(tape, batch);
                            Tensor y = tape.own(batch.timeMajorTargetTensor(backend));
                            Var l = Losses.crossEntropy(tape, logits, y, vocab.padId(), 0f);
                            tape.backward(l);
                            loss = l.value().toFloatArray()[0];
                        }
                        TapeOps.update(model, opt, config.clip());
                        lossSum += loss;
                        batches++;
                        bar.step(Map.of("bits_per_token", lossSum / batches / Math.log(2)));
                    }
                }
                val = validate(model, valSeqs, vocab.padId(), unigram, unigramArgmax);
                curveModel[epoch - 1] = val[0];
                curveUnigram[epoch - 1] = val[2];
                Map<String, Number> row = new LinkedHashMap<>();
                row.put("train_bits_per_token", lossSum / batches / Math.log(2));
                row.put("val_bits_per_token", val[0]);
                row.put("val_accuracy", val[1]);
                row.put("unigram_bits_per_token", val[2]);
                row.put("unigram_accuracy", val[3]);
                metrics.log(epoch, row);
                log.printf(Locale.ROOT, "epoch %2d/%d  train %.3f bits/token  validation %.3f bits/token, accuracy "
                                + "%.3f (unigram %.3f bits/token, accuracy %.3f)%n", epoch, config.epochs(),
                        lossSum / batches / Math.log(2), val[0], val[1], val[2], val[3]);
            }

            // Generation: seed notes, then sampling step by step.
            List<Note> seeds = seeds(corpus, vocab);
            Rng rng = new Rng(config.seed() * 1_000_003 + 29);
            List<Generated> melodies = new ArrayList<>();
            for (Note s : seeds) {
                for (int i = 0; i < config.samplesPerSeed(); i++) {
                    melodies.add(generate(model, vocab, s, config.maxNotes(), config.temperature(), rng));
                }
            }
            double[] scale = corpus.ruleBased() ? inScale(corpus, melodies, unigram, vocab, rng)
                    : new double[] {Double.NaN, Double.NaN, Double.NaN};
            result = new Result(val[1], val[3], val[0], val[2], (long) val[4], scale[0], scale[1], scale[2],
                    melodies);

            Map<String, String> meta = new LinkedHashMap<>();
            meta.put("format", FORMAT);
            meta.put("vocab_size", Integer.toString(v));
            meta.put("embed", Integer.toString(config.embed()));
            meta.put("hidden", Integer.toString(config.hidden()));
            meta.put("layers", Integer.toString(config.layers()));
            meta.put("tokens", "PITCH:SIXTEENTHS (MIDI key, duration in sixteenth notes), R:SIXTEENTHS for a rest, "
                    + "<eos> after a melody's last note");
            meta.put("corpus", corpus.description());
            model.save(out.resolve("model.safetensors"), meta);
            vocab.save(out.resolve("vocabulary.json"));
        }
        List<String> written = writeArtifacts(out, corpus, config, result, curveModel, curveUnigram);
        double seconds = (System.nanoTime() - start) / 1e9;
        Generated first = result.melodies().get(0);
        log.printf(Locale.ROOT, "a melody from %s: %s%n", first.seed(), listing(first.notes()));
        log.printf(Locale.ROOT, "trained and generated in %.1f s%n", seconds);
        log.println("wrote " + out.toAbsolutePath() + ": " + String.join(", ", written));
        StringBuilder last = new StringBuilder(String.format(Locale.ROOT, "music: validation next-note accuracy "
                        + "%.3f, %.3f bits/token on %d tokens vs unigram baseline accuracy %.3f, %.3f bits/token",
                result.accuracy(), result.bitsPerToken(), result.validationTokens(), result.unigramAccuracy(),
                result.unigramBitsPerToken()));
        if (corpus.ruleBased()) {
            last.append(String.format(Locale.ROOT, "; generated notes in the seed's major scale %.3f vs %.3f for "
                            + "uniformly random notes (%.3f for unigram samples)", result.inScale(),
                    result.randomInScale(), result.unigramInScale()));
        }
        log.println(last);
        return result;
    }

    /**
     * Validation scores over every non-padded target: {@code {model bits/token, model accuracy, unigram
     * bits/token, unigram accuracy, tokens}}.
     */
    static double[] validate(Model model, List<long[]> seqs, long padId, double[] unigram, int unigramArgmax) {
        Backend be = model.backend();
        int v = unigram.length;
        double bits = 0;
        double uniBits = 0;
        long right = 0;
        long uniRight = 0;
        long count = 0;
        try (GradMode.Scope s = GradMode.disable()) {
            for (int from = 0; from < seqs.size(); from += 64) {
                int to = Math.min(seqs.size(), from + 64);
                int[] idx = new int[to - from];
                for (int i = 0; i < idx.length; i++) {
                    idx[i] = from + i;
                }
                PaddedBatch batch = PaddedBatch.forNextToken(seqs.subList(from, to), idx, padId);
                long[] rowMajor = batch.targetIds();
                int bs = batch.batchSize();
                int steps = batch.steps();
                long[] targets = new long[rowMajor.length];
                for (int b = 0; b < bs; b++) {
                    for (int t = 0; t < steps; t++) {
                        targets[t * bs + b] = rowMajor[b * steps + t];
                    }
                }
                float[] logits;
                try (Tape tape = new Tape()) {
                    logits = model.logits(tape, batch).value().toFloatArray();
                }
                for (int r = 0; r < targets.length; r++) {
                    if (targets[r] == padId) {
                        continue;
                    }
                    int y = (int) targets[r];
                    double max = Double.NEGATIVE_INFINITY;
                    int arg = 0;
                    for (int c = 0; c < v; c++) {
                        if (logits[r * v + c] > max) {
                            max = logits[r * v + c];
                            arg = c;
                        }
                    }
                    double sum = 0;
                    for (int c = 0; c < v; c++) {
                        sum += Math.exp(logits[r * v + c] - max);
                    }
                    bits += (max + Math.log(sum) - logits[r * v + y]) / Math.log(2);
                    uniBits -= Math.log(unigram[y]) / Math.log(2);
                    right += arg == y ? 1 : 0;
                    uniRight += unigramArgmax == y ? 1 : 0;
                    count++;
                }
            }
        }
        return new double[] {bits / count, right / (double) count, uniBits / count, uniRight / (double) count, count};
    }

    /**
     * The seed notes: for the rule corpus one per key, the most frequent first note of the training melodies
     * with that tonic; for MIDI data the first notes of the validation (then training) sequences, up to 8
     * distinct ones in the vocabulary.
     */
    static List<Note> seeds(Corpus corpus, Vocabulary vocab) {
        List<Note> out = new ArrayList<>();
        if (corpus.ruleBased()) {
            Map<Integer, Map<Note, Integer>> firsts = new java.util.TreeMap<>();
            for (Tune t : corpus.train()) {
                firsts.computeIfAbsent(t.tonic(), k -> new HashMap<>()).merge(t.notes().get(0), 1, Integer::sum);
            }
            for (Map<Note, Integer> m : firsts.values()) {
                out.add(m.entrySet().stream().max(Map.Entry.<Note, Integer>comparingByValue()
                        .thenComparing(e -> -e.getKey().sixteenths())).orElseThrow().getKey());
            }
        } else {
            List<Tune> tunes = new ArrayList<>(corpus.validation());
            tunes.addAll(corpus.train());
            for (Tune t : tunes) {
                Note n = t.notes().get(0);
                if (!n.isRest() && vocab.contains(n.token()) && !out.contains(n)) {
                    out.add(n);
                }
                if (out.size() == 8) {
                    break;
                }
            }
        }
        return out;
    }

    /**
     * A melody from {@code seed}: the seed is fed, then each sampled token is fed back with
     * {@link dev.recur.nn.rnn.RecurrentLayer#step}, until {@code <eos>} or {@code maxNotes} notes.
     */
    static Generated generate(Model model, Vocabulary vocab, Note seed, int maxNotes, double temperature, Rng rng) {
        Backend be = model.backend();
        List<Note> notes = new ArrayList<>();
        notes.add(seed);
        long next = vocab.id(seed.token());
        boolean ended = false;
        try (GradMode.Scope s = GradMode.disable();
             TokenStepper stepper = new TokenStepper(model.embedding, model.lstm, model.head)) {
            while (notes.size() < maxNotes) {
                float[] logits = stepper.next(next);
                next = draw(logits, temperature, rng, vocab);
                if (next == vocab.eosId()) {
                    ended = true;
                    break;
                }
                notes.add(Note.ofToken(vocab.token(next)));
            }
        }
        return new Generated(seed, notes, temperature, ended);
    }

    /** A draw from softmax(logits / temperature) over the notes and {@code <eos>} (never pad or unk). */
    static int draw(float[] logits, double temperature, Rng rng, Vocabulary vocab) {
        double max = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < logits.length; i++) {
            if (allowed(i, vocab)) {
                max = Math.max(max, logits[i] / temperature);
            }
        }
        double[] p = new double[logits.length];
        double sum = 0;
        for (int i = 0; i < logits.length; i++) {
            if (allowed(i, vocab)) {
                p[i] = Math.exp(logits[i] / temperature - max);
                sum += p[i];
            }
        }
        double u = rng.nextDouble() * sum;
        int last = vocab.eosId();
        for (int i = 0; i < logits.length; i++) {
            if (p[i] > 0) {
                last = i;
                u -= p[i];
                if (u <= 0) {
                    return i;
                }
            }
        }
        return last;
    }

    private static boolean allowed(int id, Vocabulary vocab) {
        return !vocab.isSpecial(id) || id == vocab.eosId();
    }

    /**
     * The in-scale fractions {@code {model, uniformly random, unigram samples}} over the generated notes after
     * each seed: pitched notes in the major scale of the seed's pitch. The random notes are uniform over the
     * training melodies' pitch range (the expected fraction, weighted like the model's notes); the unigram
     * samples are as many notes per melody as the model generated, drawn from the unigram model (rests and
     * {@code <eos>} left out).
     */
    static double[] inScale(Corpus corpus, List<Generated> melodies, double[] unigram, Vocabulary vocab, Rng rng) {
        int lo = 127;
        int hi = 0;
        for (Tune t : corpus.train()) {
            for (Note n : t.notes()) {
                if (!n.isRest()) {
                    lo = Math.min(lo, n.pitch());
                    hi = Math.max(hi, n.pitch());
                }
            }
        }
        List<Integer> pitchedIds = new ArrayList<>();
        double pitchedMass = 0;
        for (int i = 0; i < unigram.length; i++) {
            if (!vocab.isSpecial(i) && !Note.ofToken(vocab.token(i)).isRest()) {
                pitchedIds.add(i);
                pitchedMass += unigram[i];
            }
        }
        long in = 0;
        long total = 0;
        double randomIn = 0;
        long uniIn = 0;
        long uniTotal = 0;
        for (Generated g : melodies) {
            int tonic = g.seed().pitch();
            int inRange = 0;
            for (int p = lo; p <= hi; p++) {
                inRange += MelodyCorpus.inMajorScale(p, tonic) ? 1 : 0;
            }
            double randomFraction = inRange / (double) (hi - lo + 1);
            for (Note n : g.notes().subList(1, g.notes().size())) {
                if (n.isRest()) {
                    continue;
                }
                total++;
                in += MelodyCorpus.inMajorScale(n.pitch(), tonic) ? 1 : 0;
                randomIn += randomFraction;
                double u = rng.nextDouble() * pitchedMass;
                int pick = pitchedIds.get(pitchedIds.size() - 1);
                for (int id : pitchedIds) {
                    u -= unigram[id];
                    if (u <= 0) {
                        pick = id;
                        break;
                    }
                }
                uniTotal++;
                uniIn += MelodyCorpus.inMajorScale(Note.ofToken(vocab.token(pick)).pitch(), tonic) ? 1 : 0;
            }
        }
        if (total == 0) {
            return new double[] {Double.NaN, Double.NaN, Double.NaN};
        }
        return new double[] {in / (double) total, randomIn / total, uniIn / (double) uniTotal};
    }

    /** {@code C4 1/4, D4 1/8, ...}. */
    static String listing(List<Note> notes) {
        StringBuilder sb = new StringBuilder();
        for (Note n : notes) {
            sb.append(sb.length() == 0 ? "" : ", ").append(n);
        }
        return sb.toString();
    }

    /** generated.txt, the .mid files and the charts; returns their names. */
    private static List<String> writeArtifacts(Path out, Corpus corpus, Config config, Result r, double[] curveModel,
                                               double[] curveUnigram) throws IOException {
        List<String> written = new ArrayList<>(List.of("model.safetensors", "vocabulary.json", "training.csv"));
        StringBuilder txt = new StringBuilder();
        txt.append("Melodies generated by an LSTM (").append(corpus.description()).append(")\n");
        txt.append(String.format(Locale.ROOT, "validation: next-note accuracy %.3f, %.3f bits/token (unigram "
                        + "baseline: accuracy %.3f, %.3f bits/token)%n", r.accuracy(), r.bitsPerToken(),
                r.unigramAccuracy(), r.unigramBitsPerToken()));
        if (corpus.ruleBased()) {
            txt.append(String.format(Locale.ROOT, "generated notes in the seed's major scale: %.3f (uniformly "
                    + "random notes %.3f, unigram samples %.3f)%n", r.inScale(), r.randomInScale(),
                    r.unigramInScale()));
        }
        txt.append(String.format(Locale.ROOT, "temperature %.2f; at most %d notes; durations in whole notes "
                + "(1/4 = a quarter note)%n", config.temperature(), config.maxNotes()));
        List<Note> all = new ArrayList<>();
        Map<Note, Integer> perSeed = new LinkedHashMap<>();
        for (int i = 0; i < r.melodies().size(); i++) {
            Generated g = r.melodies().get(i);
            int k = perSeed.merge(g.seed(), 1, Integer::sum);
            String file = null;
            if (k == 1) {
                file = String.format(Locale.ROOT, "melody_%02d_%s.mid", perSeed.size(),
                        Note.pitchName(g.seed().pitch()).replace('#', 's'));
                MidiFiles.write(out.resolve(file), g.notes(), corpus.bpm(), "recur music: from " + g.seed());
                written.add(file);
            }
            String key = "";
            if (corpus.ruleBased()) {
                long pitched = g.notes().stream().skip(1).filter(n -> !n.isRest()).count();
                long in = g.notes().stream().skip(1).filter(n -> !n.isRest()
                        && MelodyCorpus.inMajorScale(n.pitch(), g.seed().pitch())).count();
                key = String.format(Locale.ROOT, " (key of %s major; %d/%d generated notes in its scale)",
                        Note.pitchName(g.seed().pitch()).replaceAll("-?\\d+$", ""), in, pitched);
            }
            txt.append(String.format(Locale.ROOT, "%n#%d seed %s%s, %d notes%s%s:%n  %s%n", i + 1, g.seed(),
                    key, g.notes().size(),
                    g.ended() ? ", ended by the model" : ", cut at the limit",
                    file == null ? "" : " [" + file + "]", listing(g.notes())));
            all.addAll(g.notes());
            all.add(Note.rest(16));
        }
        MidiFiles.write(out.resolve("all_melodies.mid"), all, corpus.bpm(), "recur music: all generated melodies");
        written.add("all_melodies.mid");
        AtomicFiles.write(out.resolve("generated.txt"), txt.toString().getBytes(StandardCharsets.UTF_8));
        written.add("generated.txt");
        if (corpus.ruleBased()) {
            List<Note> examples = new ArrayList<>();
            for (Tune t : corpus.train().subList(0, Math.min(4, corpus.train().size()))) {
                examples.addAll(t.notes());
                examples.add(Note.rest(16));
            }
            MidiFiles.write(out.resolve("corpus_examples.mid"), examples, corpus.bpm(),
                    "recur music: training melodies");
            written.add("corpus_examples.mid");
            BarChart.grouped(String.format(Locale.ROOT, "Generated notes in the seed's major scale (%d melodies)",
                            r.melodies().size()))
                    .yLabel("fraction of notes in the scale")
                    .categories("LSTM samples", "unigram samples", "uniformly random notes")
                    .series("in the scale", r.inScale(), r.unigramInScale(), r.randomInScale())
                    .writeSvg(out.resolve("in_scale.svg"), 800, 500).writePng(out.resolve("in_scale.png"), 800, 500);
            written.add("in_scale.png/.svg");
        }
        double[] xs = new double[curveModel.length];
        for (int i = 0; i < xs.length; i++) {
            xs[i] = i + 1;
        }
        Chart.line("Validation cross-entropy: LSTM vs unigram model").xLabel("epoch").yLabel("bits per token")
                .markers().series("LSTM", xs, curveModel).series("unigram", xs, curveUnigram)
                .writeSvg(out.resolve("validation.svg"), 800, 500).writePng(out.resolve("validation.png"), 800, 500);
        written.add("validation.png/.svg");
        return written;
    }

}
