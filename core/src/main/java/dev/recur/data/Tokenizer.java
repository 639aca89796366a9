package dev.recur.data;

import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Splits text into tokens and maps them to ids through a {@link Vocabulary}. Implementations are stateless and
 * thread-safe: {@link CharTokenizer} (one token per Unicode code point) and {@link WordTokenizer} (words and
 * punctuation).
 */
public interface Tokenizer {
    /**
     * Splits {@code text} into tokens.
     *
     * @param text the text; not null
     * @return the tokens in order; empty for empty text
     */
    List<String> tokenize(String text);

    /**
     * Joins tokens back into text: the inverse of {@link #tokenize} up to what tokenizing discards (whitespace
     * for words, case when lower-casing).
     *
     * @param tokens the tokens
     * @return the text
     */
    String join(List<String> tokens);

    /**
     * The ids of {@code text}'s tokens; tokens missing from {@code vocabulary} map to {@link Vocabulary#UNK_ID}.
     *
     * @param text       the text
     * @param vocabulary the vocabulary
     * @return one id per token, {@code [T]}
     */
    default long[] encode(String text, Vocabulary vocabulary) {
        return encode(text, vocabulary, false);
    }

    /**
     * Like {@link #encode(String, Vocabulary)}, adding {@link Vocabulary#BOS} first and {@link Vocabulary#EOS}
     * last when {@code addBosEos} is set and the vocabulary has them.
     *
     * @param text       the text
     * @param vocabulary the vocabulary
     * @param addBosEos  whether to add the vocabulary's {@code <bos>} / {@code <eos>}
     * @return the ids, {@code [T]}
     */
    default long[] encode(String text, Vocabulary vocabulary, boolean addBosEos) {
        if (vocabulary == null) {
            throw new IllegalArgumentException("encode: vocabulary must be a Vocabulary, got null");
        }
        List<String> tokens = tokenize(text);
        boolean bos = addBosEos && vocabulary.hasBos();
        boolean eos = addBosEos && vocabulary.hasEos();
        long[] out = new long[tokens.size() + (bos ? 1 : 0) + (eos ? 1 : 0)];
        int k = 0;
        if (bos) {
            out[k++] = vocabulary.bosId();
        }
        for (String t : tokens) {
            out[k++] = vocabulary.id(t);
        }
        if (eos) {
            out[k] = vocabulary.eosId();
        }
        return out;
    }

    /**
     * Turns ids back into text with {@link #join}; {@link Vocabulary#PAD_ID} entries are skipped (so a padded
     * row decodes like the unpadded sequence), other special tokens appear as their text ({@code <unk>}, ...).
     *
     * @param ids        token ids, {@code [T]}
     * @param vocabulary the vocabulary they came from
     * @return the text
     * @throws IndexOutOfBoundsException naming the id and the vocabulary size when an id is out of range
     */
    default String decode(long[] ids, Vocabulary vocabulary) {
        if (ids == null || vocabulary == null) {
            throw new IllegalArgumentException(String.format(Locale.ROOT,
                    "decode: ids and vocabulary must be non-null, got ids=%s, vocabulary=%s",
                    ids == null ? "null" : "long[" + ids.length + "]", vocabulary));
        }
        List<String> tokens = new java.util.ArrayList<>(ids.length);
        for (long id : ids) {
            if (id != Vocabulary.PAD_ID) {
                tokens.add(vocabulary.token(id));
            }
        }
        return join(tokens);
    }

    /**
     * Counts the tokens of {@code texts} and keeps the frequent ones; no {@code <bos>} / {@code <eos>}.
     *
     * @param texts    the corpus
     * @param minCount tokens seen fewer times map to {@code <unk>}; {@code >= 1}
     * @param maxSize  the largest vocabulary size, special tokens included ({@link Vocabulary#UNLIMITED})
     * @return the vocabulary (see {@link Vocabulary#fromCounts} for the order)
     */
    default Vocabulary buildVocabulary(Iterable<String> texts, int minCount, int maxSize) {
        return buildVocabulary(texts, minCount, maxSize, false, false);
    }

    /**
     * Counts the tokens of {@code texts} and keeps the frequent ones.
     *
     * @param texts    the corpus
     * @param minCount tokens seen fewer times map to {@code <unk>}; {@code >= 1}
     * @param maxSize  the largest vocabulary size, special tokens included ({@link Vocabulary#UNLIMITED})
     * @param withBos  whether to reserve {@code <bos>}
     * @param withEos  whether to reserve {@code <eos>}
     * @return the vocabulary (see {@link Vocabulary#fromCounts} for the order)
     */
    default Vocabulary buildVocabulary(Iterable<String> texts, int minCount, int maxSize, boolean withBos,
            boolean withEos) {
        return Vocabulary.fromCounts(countTokens(texts), minCount, maxSize, withBos, withEos);
    }

    /**
     * Occurrences of each token over {@code texts}.
     *
     * @param texts the corpus; no null entries
     * @return a new mutable map from token to count
     */
    default Map<String, Long> countTokens(Iterable<String> texts) {
        if (texts == null) {
            throw new IllegalArgumentException("buildVocabulary: texts must be an Iterable, got null");
        }
        Map<String, Long> counts = new HashMap<>();
        int i = 0;
        for (String text : texts) {
            if (text == null) {
                throw new IllegalArgumentException(String.format(Locale.ROOT,
                        "buildVocabulary: texts[%d] must be a string, got null", i));
            }
            for (String t : tokenize(text)) {
                counts.merge(t, 1L, Long::sum);
            }
            i++;
        }
        return counts;
    }
}
