package dev.recur.examples.apps.seq2seq;

import dev.recur.autograd.Tape;
import dev.recur.autograd.Var;
import dev.recur.backend.Activation;
import dev.recur.backend.AttentionMask;
import dev.recur.backend.Backend;
import dev.recur.data.PaddedBatch;
import dev.recur.data.Vocabulary;
import dev.recur.examples.apps.SavedModels;
import dev.recur.io.SafetensorsFile;
import dev.recur.nn.Embedding;
import dev.recur.nn.Forward;
import dev.recur.nn.Functions;
import dev.recur.nn.Linear;
import dev.recur.nn.Module;
import dev.recur.nn.rnn.Lstm;
import dev.recur.nn.rnn.RnnResult;
import dev.recur.nn.rnn.RnnState;
import dev.recur.tensor.DType;
import dev.recur.tensor.Tensor;
import dev.recur.train.Losses;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * An attentional encoder–decoder (Luong et al., 2015, "general" scores):
 * <pre>
 * encoder   source ids [B, S] → Embedding(Vs, E) → bidirectional LSTM(E, H) → e [B, S, 2H]
 * bridge    the encoder's final h and c of both directions side by side → the decoder's initial state [1, B, 2H]
 * decoder   [bos, y1 .. yn] → Embedding(Vt, E) → LSTM(E, 2H) → d [B, T, 2H]
 * attention context = softmax(d (e W_k^T)^T / sqrt(2H), source padding masked) e       [B, T, 2H]
 * output    logits = head(tanh(W_d d + W_c context + b))                                [B, T, Vt]
 * </pre>
 * Training feeds the whole target at once (teacher forcing: one recurrent call, one attention call);
 * {@link #step} decodes one token for greedy and {@link BeamSearch} decoding. Parameters carry PyTorch-style
 * names ({@code encoder.weight_ih_l0_reverse}, {@code key_proj.weight}, {@code head.bias}, ...).
 */
public final class Seq2SeqModel extends Module {
    /** The weights' file in a model folder. */
    public static final String MODEL_FILE = "model.safetensors";
    /** The source vocabulary's file in a model folder. */
    public static final String SOURCE_VOCAB_FILE = "source_vocabulary.json";
    /** The target vocabulary's file in a model folder. */
    public static final String TARGET_VOCAB_FILE = "target_vocabulary.json";
    static final String FORMAT = "recur-example-seq2seq";

    private final Embedding srcEmbedding;
    private final Lstm encoder;
    private final Linear keyProj;
    private final Embedding tgtEmbedding;
    private final Lstm decoder;
    private final Linear combineDecoder;
    private final Linear combineContext;
    private final Linear head;
    private final int embed;
    private final int hidden;
    private final float dropout;

    /**
     * A fresh model from the seed.
     *
     * @param hidden H, the encoder's size per direction (the decoder's is 2H)
     */
    public Seq2SeqModel(Backend backend, int sourceVocab, int targetVocab, int embed, int hidden, float dropout,
                        long seed) {
        super(backend, "seq2seq");
        int dh = 2 * hidden;
        this.srcEmbedding = registerChild("src_embedding", new Embedding(backend, sourceVocab, embed, seed));
        this.encoder = registerChild("encoder", Lstm.builder(embed, hidden).bidirectional(true).batchFirst(true)
                .seed(seed + 1).build(backend));
        this.keyProj = registerChild("key_proj", new Linear(backend, dh, dh, false, seed + 2));
        this.tgtEmbedding = registerChild("tgt_embedding", new Embedding(backend, targetVocab, embed, seed + 3));
        this.decoder = registerChild("decoder", Lstm.builder(embed, dh).batchFirst(true).seed(seed + 4)
                .build(backend));
        this.combineDecoder = registerChild("combine_decoder", new Linear(backend, dh, dh, true, seed + 5));
        this.combineContext = registerChild("combine_context", new Linear(backend, dh, dh, false, seed + 6));
        this.head = registerChild("head", new Linear(backend, dh, targetVocab, true, seed + 7));
        this.embed = embed;
        this.hidden = hidden;
        this.dropout = dropout;
    }

    /** Vt. */
    public int targetVocabSize() {
        return tgtEmbedding.count();
    }

    /** The decoder's size, 2H. */
    public int decoderSize() {
        return 2 * hidden;
    }

    /**
     * Records the mean cross-entropy of a teacher-forced batch (padding ignored).
     *
     * @param source  source ids {@code [B, S]} with their lengths
     * @param decoder decoder inputs {@code [bos, y1 .. yn]} with per-step targets {@code [y1 .. yn, eos]}, padded
     *                with -100
     * @param seeds   dropout's random source (used in training mode)
     */
    public Var loss(Tape tape, PaddedBatch source, PaddedBatch decoder, SplittableRandom seeds) {
        Backend be = backend();
        Tensor srcIds = tape.own(source.toTensor(be));
        Var xs = tape.record(srcEmbedding.forward(srcIds), tape.constant(srcIds));
        xs = maybeDropout(tape, xs, seeds);
        Tape.RnnVars enc = tape.rnn(encoder, xs, source.lengthsAsLongs(), null, null);
        Var h0 = Seq2SeqOps.bridge(tape, enc.hn());
        Var c0 = Seq2SeqOps.bridge(tape, enc.cn());
        Var keys = tape.record(keyProj.forward(enc.output().value()), enc.output());

        Tensor tgtIds = tape.own(decoder.toTensor(be));
        Var xt = tape.record(tgtEmbedding.forward(tgtIds), tape.constant(tgtIds));
        xt = maybeDropout(tape, xt, seeds);
        Tape.RnnVars dec = tape.rnn(this.decoder, xt, decoder.lengthsAsLongs(), h0, c0);
        AttentionMask mask = Seq2SeqOps.keyPadding(source.lengths(), source.steps());
        Var context = Seq2SeqOps.attention(tape, dec.output(), keys, enc.output(), mask);
        Var mixed = tape.add(tape.record(combineDecoder.forward(dec.output().value()), dec.output()),
                tape.record(combineContext.forward(context.value()), context));
        Var a = tape.record(Functions.activation(Activation.TANH, mixed.value()), mixed);
        a = maybeDropout(tape, a, seeds);
        Var logits = tape.record(head.forward(a.value()), a);
        Tensor targets = tape.own(decoder.targetTensor(be));
        return Losses.crossEntropy(tape, logits, targets, -100, 0f);
    }

    private Var maybeDropout(Tape tape, Var x, SplittableRandom seeds) {
        if (!isTraining() || dropout == 0f || seeds == null) {
            return x;
        }
        return tape.record(Functions.dropout(x.value(), dropout, true, seeds), x);
    }

    /**
     * The encoder's work for a batch of sources, for decoding (run with gradients off): keys and values
     * {@code [N, S, 2H]}, the decoder's initial state, the padding mask. Closing frees the tensors.
     */
    public static final class Encoded implements AutoCloseable {
        final Tensor keys;
        final Tensor values;
        final RnnState initial;
        final int[] lengths;
        final int steps;
        final AttentionMask mask;

        Encoded(Tensor keys, Tensor values, RnnState initial, int[] lengths) {
            this.keys = keys;
            this.values = values;
            this.initial = initial;
            this.lengths = lengths;
            this.steps = keys.dim(1);
            this.mask = Seq2SeqOps.keyPadding(lengths, steps);
        }

        /** N, the rows. */
        public int rows() {
            return lengths.length;
        }

        /** Each row repeated {@code k} times in place ({@code [a, a, b, b]} for k = 2), for beams. */
        Encoded repeat(int k) {
            int[] rows = new int[lengths.length * k];
            int[] len = new int[rows.length];
            for (int i = 0; i < rows.length; i++) {
                rows[i] = i / k;
                len[i] = lengths[i / k];
            }
            return new Encoded(Seq2SeqOps.gatherRows(keys, 0, rows), Seq2SeqOps.gatherRows(values, 0, rows),
                    new RnnState(Seq2SeqOps.gatherRows(initial.h(), 1, rows),
                            Seq2SeqOps.gatherRows(initial.c(), 1, rows)), len);
        }

        @Override
        public void close() {
            keys.close();
            values.close();
            initial.h().close();
            initial.c().close();
        }
    }

    /** Encodes sources (each at least one id) for decoding; call with gradients off. */
    public Encoded encode(List<long[]> sources) {
        Backend be = backend();
        PaddedBatch batch = PaddedBatch.of(sources);
        try (Tensor ids = batch.toTensor(be);
             Forward x = srcEmbedding.forward(ids);
             RnnResult r = encoder.forward(x.output(), batch.lengthsAsLongs(), null);
             Forward k = keyProj.forward(r.output())) {
            Tensor keys = k.output().copy();
            Tensor values = r.output().copy();
            return new Encoded(keys, values, new RnnState(Seq2SeqOps.bridge(r.hn()), Seq2SeqOps.bridge(r.cn())),
                    batch.lengths());
        }
    }

    /** One decoding step's logits {@code [N * Vt]} (row-major) and the decoder's next state (owned by the caller). */
    public record Step(float[] logits, RnnState state) {
    }

    /**
     * One decoding step of every row: the previous token ids {@code [N]} from {@code state} (the encoded
     * initial state on the first step); call with gradients off.
     */
    public Step step(Encoded enc, long[] previous, RnnState state) {
        Backend be = backend();
        int n = previous.length;
        int dh = decoderSize();
        try (Tensor ids = be.fromLongs(previous, n);
             Forward x = tgtEmbedding.forward(ids);
             RnnResult r = decoder.step(x.output(), state);
             Tensor context = be.zeros(DType.F32, n, 1, dh)) {
            Tensor q = r.output();
            be.attentionForward(q, enc.keys, enc.values, 1, enc.mask, context, null, null);
            try (Forward fd = combineDecoder.forward(q.reshape(n, dh));
                 Forward fc = combineContext.forward(context.reshape(n, dh))) {
                Tensor mixed = fd.output();
                be.axpy(1f, fc.output(), mixed);
                be.activation(Activation.TANH, mixed, mixed);
                try (Forward logits = head.forward(mixed)) {
                    return new Step(logits.output().toFloatArray(), new RnnState(r.hn().copy(), r.cn().copy()));
                }
            }
        }
    }


    /**
     * Writes {@link #MODEL_FILE} (sizes and task in its metadata) and both vocabularies to the folder.
     *
     * @param extra more metadata (the task, the target's joiner, ...)
     */
    public void saveTo(Path dir, Vocabulary source, Vocabulary target, Map<String, String> extra) throws IOException {
        Files.createDirectories(dir);
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("format", FORMAT);
        meta.put("source_vocab_size", Integer.toString(srcEmbedding.count()));
        meta.put("target_vocab_size", Integer.toString(tgtEmbedding.count()));
        meta.put("embed", Integer.toString(embed));
        meta.put("hidden", Integer.toString(hidden));
        meta.putAll(extra);
        save(dir.resolve(MODEL_FILE), meta);
        source.save(dir.resolve(SOURCE_VOCAB_FILE));
        target.save(dir.resolve(TARGET_VOCAB_FILE));
    }

    /** A model, its vocabularies and its metadata, loaded from a folder {@link #saveTo} wrote. */
    public record Loaded(Seq2SeqModel model, Vocabulary source, Vocabulary target, Map<String, String> metadata)
            implements AutoCloseable {
        @Override
        public void close() {
            model.close();
        }
    }

    /**
     * Loads a model folder.
     *
     * @throws IOException naming a missing file, a file of another kind, or vocabularies that do not fit
     */
    public static Loaded load(Path dir, Backend backend) throws IOException {
        Path weights = dir.resolve(MODEL_FILE);
        SafetensorsFile file = SavedModels.read(dir, "seq2seq", FORMAT, MODEL_FILE, SOURCE_VOCAB_FILE,
                TARGET_VOCAB_FILE);
        Map<String, String> meta = file.metadata();
        Vocabulary source = Vocabulary.load(dir.resolve(SOURCE_VOCAB_FILE));
        Vocabulary target = Vocabulary.load(dir.resolve(TARGET_VOCAB_FILE));
        int vs = Integer.parseInt(meta.get("source_vocab_size"));
        int vt = Integer.parseInt(meta.get("target_vocab_size"));
        if (vs != source.size() || vt != target.size()) {
            throw new IOException(String.format(Locale.ROOT, "%s: vocabularies of %d and %d tokens do not fit the "
                    + "model's %d and %d", dir, source.size(), target.size(), vs, vt));
        }
        Seq2SeqModel model = new Seq2SeqModel(backend, vs, vt, Integer.parseInt(meta.get("embed")),
                Integer.parseInt(meta.get("hidden")), 0f, 0);
        try {
            model.loadStateDict(file.tensors(), true);
        } catch (RuntimeException e) {
            model.close();
            throw e;
        }
        model.eval();
        return new Loaded(model, source, target, new LinkedHashMap<>(meta));
    }
}
