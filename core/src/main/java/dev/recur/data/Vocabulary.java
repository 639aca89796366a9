package dev.recur.data;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;
import com.google.gson.Strictness;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;

import java.io.IOException;
import java.io.StringReader;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * A two-way map between tokens and ids {@code 0 .. size()-1}. Immutable and thread-safe.
 *
 * <p>The first ids are reserved for special tokens, in this order: {@link #PAD} = 0, {@link #UNK} = 1, then
 * {@link #BOS} and {@link #EOS} when the vocabulary has them (2 and 3, or 2 for whichever is alone). Regular
 * tokens follow. {@link #fromCounts} orders them by count, descending, then by token ({@link String#compareTo}),
 * ascending, so the same counts always give the same ids.
 *
 * <p>Files written by {@link #save} are UTF-8 JSON:
 * <pre>{@code
 * {"format": "recur-vocabulary", "version": 1, "size": 5, "bos": true, "eos": false,
 *  "tokens": ["<pad>", "<unk>", "<bos>", "e", "t"]}
 * }</pre>
 * where {@code "tokens"} lists every token, specials included, in id order.
 */
public final class Vocabulary {
    /** The padding token, always id {@link #PAD_ID}. */
    public static final String PAD = "<pad>";
    /** The unknown-token placeholder, always id {@link #UNK_ID}. */
    public static final String UNK = "<unk>";
    /** The optional beginning-of-sequence token. */
    public static final String BOS = "<bos>";
    /** The optional end-of-sequence token. */
    public static final String EOS = "<eos>";
    /** Id of {@link #PAD}. */
    public static final int PAD_ID = 0;
    /** Id of {@link #UNK}. */
    public static final int UNK_ID = 1;
    /** A {@code maxSize} that sets no limit. */
    public static final int UNLIMITED = Integer.MAX_VALUE;

    /** Value of the {@code "format"} field of a vocabulary file. */
    static final String FORMAT = "recur-vocabulary";
    /** Value of the {@code "version"} field written by this class. */
    static final int VERSION = 1;

    private static final Gson GSON = new GsonBuilder().disableHtmlEscaping().setPrettyPrinting().create();

    private final List<String> tokens;
    private final Map<String, Integer> ids;
    private final boolean hasBos;
    private final boolean hasEos;

    private Vocabulary(List<String> allTokens, boolean hasBos, boolean hasEos) {
        this.tokens = Collections.unmodifiableList(new ArrayList<>(allTokens));
        this.hasBos = hasBos;
        this.hasEos = hasEos;
        Map<String, Integer> map = new HashMap<>(allTokens.size() * 2);
        for (int i = 0; i < allTokens.size(); i++) {
            map.put(allTokens.get(i), i);
        }
        this.ids = map;
    }

    /**
     * A vocabulary of the most frequent tokens.
     *
     * @param counts   occurrences per token; entries equal to a special token are ignored
     * @param minCount tokens seen fewer times are left out (they map to {@link #UNK}); {@code >= 1}
     * @param maxSize  the largest {@link #size()}, special tokens included ({@link #UNLIMITED} for none); at
     *                 least the number of special tokens
     * @param withBos  whether to reserve {@link #BOS}
     * @param withEos  whether to reserve {@link #EOS}
     * @return the vocabulary, regular tokens ordered by count descending, then token ascending
     * @throws IllegalArgumentException on a null map, key or count, a negative count, {@code minCount < 1}, or a
     *                                  {@code maxSize} below the number of special tokens
     */
    public static Vocabulary fromCounts(Map<String, Long> counts, int minCount, int maxSize, boolean withBos,
            boolean withEos) {
        if (counts == null) {
            throw new IllegalArgumentException("vocabulary: counts must be a map, got null");
        }
        if (minCount < 1) {
            throw new IllegalArgumentException(String.format(Locale.ROOT,
                    "vocabulary: minCount must be >= 1, got %d", minCount));
        }
        List<String> specials = specials(withBos, withEos);
        if (maxSize < specials.size()) {
            throw new IllegalArgumentException(String.format(Locale.ROOT,
                    "vocabulary: maxSize must be >= %d (the special tokens %s), got %d", specials.size(), specials,
                    maxSize));
        }
        List<Map.Entry<String, Long>> kept = new ArrayList<>();
        for (Map.Entry<String, Long> e : counts.entrySet()) {
            if (e.getKey() == null || e.getValue() == null) {
                throw new IllegalArgumentException(String.format(Locale.ROOT,
                        "vocabulary: counts must hold non-null tokens and counts, got %s -> %s", e.getKey(),
                        e.getValue()));
            }
            if (e.getValue() < 0) {
                throw new IllegalArgumentException(String.format(Locale.ROOT,
                        "vocabulary: count of \"%s\" must be >= 0, got %d", e.getKey(), e.getValue()));
            }
            if (e.getValue() >= minCount && !isSpecialToken(e.getKey())) {
                kept.add(e);
            }
        }
        kept.sort(Comparator.<Map.Entry<String, Long>>comparingLong(Map.Entry::getValue).reversed()
                .thenComparing(Map.Entry::getKey));
        int room = maxSize - specials.size();
        List<String> all = new ArrayList<>(specials);
        for (int i = 0; i < kept.size() && i < room; i++) {
            all.add(kept.get(i).getKey());
        }
        return new Vocabulary(all, withBos, withEos);
    }

    /**
     * A vocabulary of the given regular tokens, in the given order, after the special tokens.
     *
     * @param regularTokens distinct tokens, none of them a special token
     * @param withBos       whether to reserve {@link #BOS}
     * @param withEos       whether to reserve {@link #EOS}
     * @return the vocabulary; {@code regularTokens.get(i)} gets id {@code i + number of specials}
     * @throws IllegalArgumentException on null, duplicate or special tokens
     */
    public static Vocabulary of(List<String> regularTokens, boolean withBos, boolean withEos) {
        if (regularTokens == null) {
            throw new IllegalArgumentException("vocabulary: regularTokens must be a list, got null");
        }
        List<String> all = new ArrayList<>(specials(withBos, withEos));
        Map<String, Integer> seen = new HashMap<>();
        for (int i = 0; i < regularTokens.size(); i++) {
            String t = regularTokens.get(i);
            if (t == null) {
                throw new IllegalArgumentException(String.format(Locale.ROOT,
                        "vocabulary: regularTokens[%d] must be a token, got null", i));
            }
            if (isSpecialToken(t)) {
                throw new IllegalArgumentException(String.format(Locale.ROOT,
                        "vocabulary: regularTokens[%d] must not be a special token, got \"%s\"", i, t));
            }
            Integer previous = seen.putIfAbsent(t, i);
            if (previous != null) {
                throw new IllegalArgumentException(String.format(Locale.ROOT,
                        "vocabulary: regularTokens must be distinct, got \"%s\" at %d and %d", t, previous, i));
            }
            all.add(t);
        }
        return new Vocabulary(all, withBos, withEos);
    }

    /** Number of tokens, special tokens included. */
    public int size() {
        return tokens.size();
    }

    /**
     * The id of {@code token}, or {@link #UNK_ID} when the vocabulary does not hold it.
     *
     * @param token a token
     * @return its id in {@code [0, size())}
     */
    public int id(String token) {
        Integer id = ids.get(token);
        return id == null ? UNK_ID : id;
    }

    /** True when {@code token} has its own id (special tokens included). */
    public boolean contains(String token) {
        return ids.containsKey(token);
    }

    /**
     * The token with id {@code id}.
     *
     * @param id an id in {@code [0, size())}
     * @return the token
     * @throws IndexOutOfBoundsException naming the id and the size when {@code id} is out of range
     */
    public String token(long id) {
        if (id < 0 || id >= tokens.size()) {
            throw new IndexOutOfBoundsException(String.format(Locale.ROOT,
                    "vocabulary: id must be in [0, size) = [0, %d), got %d", tokens.size(), id));
        }
        return tokens.get((int) id);
    }

    /** All tokens in id order, special tokens first; unmodifiable. */
    public List<String> tokens() {
        return tokens;
    }

    /** Id of {@link #PAD}: always {@link #PAD_ID}. */
    public int padId() {
        return PAD_ID;
    }

    /** Id of {@link #UNK}: always {@link #UNK_ID}. */
    public int unkId() {
        return UNK_ID;
    }

    /** True when the vocabulary reserves {@link #BOS}. */
    public boolean hasBos() {
        return hasBos;
    }

    /** True when the vocabulary reserves {@link #EOS}. */
    public boolean hasEos() {
        return hasEos;
    }

    /**
     * Id of {@link #BOS}.
     *
     * @throws IllegalStateException when the vocabulary was built without it
     */
    public int bosId() {
        if (!hasBos) {
            throw new IllegalStateException("vocabulary: bosId needs a vocabulary built with <bos>, got one without");
        }
        return 2;
    }

    /**
     * Id of {@link #EOS}.
     *
     * @throws IllegalStateException when the vocabulary was built without it
     */
    public int eosId() {
        if (!hasEos) {
            throw new IllegalStateException("vocabulary: eosId needs a vocabulary built with <eos>, got one without");
        }
        return hasBos ? 3 : 2;
    }

    /** Number of special tokens: 2, 3 or 4. */
    public int specialCount() {
        return 2 + (hasBos ? 1 : 0) + (hasEos ? 1 : 0);
    }

    /** True when {@code id} is the id of a special token. */
    public boolean isSpecial(long id) {
        return id >= 0 && id < specialCount();
    }

    /**
     * Writes this vocabulary as UTF-8 JSON (format in the class comment), atomically: to a temporary file in the
     * same folder, flushed and fsynced, then renamed over {@code path} ({@code ATOMIC_MOVE}). On failure the
     * temporary file is deleted and an existing file at {@code path} is left untouched. Missing parent folders
     * are created.
     *
     * @param path the file to write
     * @throws IOException when the file cannot be written
     */
    public void save(Path path) throws IOException {
        if (path == null) {
            throw new IllegalArgumentException("vocabulary save: path must be a file path, got null");
        }
        JsonObject root = new JsonObject();
        root.addProperty("format", FORMAT);
        root.addProperty("version", VERSION);
        root.addProperty("size", tokens.size());
        root.addProperty("bos", hasBos);
        root.addProperty("eos", hasEos);
        JsonArray array = new JsonArray(tokens.size());
        for (String t : tokens) {
            array.add(t);
        }
        root.add("tokens", array);
        byte[] bytes = (GSON.toJson(root) + "\n").getBytes(StandardCharsets.UTF_8);

        dev.recur.io.AtomicFiles.write(path, bytes);
    }

    /**
     * Reads a vocabulary written by {@link #save}, checking every field.
     *
     * @param path the file to read
     * @return the vocabulary
     * @throws VocabularyFormatException naming the file when it is not UTF-8, not complete JSON (a truncated
     *                                   file), or not a valid vocabulary
     * @throws IOException               when the file cannot be read
     */
    public static Vocabulary load(Path path) throws IOException {
        if (path == null) {
            throw new IllegalArgumentException("vocabulary load: path must be a file path, got null");
        }
        byte[] bytes = Files.readAllBytes(path);
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new VocabularyFormatException(path, "encoding: expected UTF-8, found invalid bytes", e);
        }
        JsonElement parsed;
        try (JsonReader reader = new JsonReader(new StringReader(text))) {
            reader.setStrictness(Strictness.STRICT);
            parsed = JsonParser.parseReader(reader); // honours STRICT (gson >= 2.11)
            if (reader.peek() != JsonToken.END_DOCUMENT) {
                throw new VocabularyFormatException(path,
                        "JSON: expected the end of the document after the top-level object, found more", null);
            }
        } catch (JsonParseException | IOException e) {
            if (e instanceof VocabularyFormatException vfe) {
                throw vfe;
            }
            throw new VocabularyFormatException(path, String.format(Locale.ROOT,
                    "JSON: expected one complete JSON object (%d bytes read; truncated or corrupt file?), found: %s",
                    bytes.length, e.getMessage()), e);
        }
        if (parsed == null || !parsed.isJsonObject()) {
            throw new VocabularyFormatException(path, "top level: expected a JSON object, found "
                    + (parsed == null || parsed.isJsonNull() ? "nothing" : parsed.toString()), null);
        }
        JsonObject root = parsed.getAsJsonObject();
        String format = string(path, root, "format");
        if (!FORMAT.equals(format)) {
            throw new VocabularyFormatException(path, String.format(Locale.ROOT,
                    "\"format\": expected \"%s\", found \"%s\"", FORMAT, format), null);
        }
        long version = integer(path, root, "version");
        if (version != VERSION) {
            throw new VocabularyFormatException(path, String.format(Locale.ROOT,
                    "\"version\": expected %d, found %d", VERSION, version), null);
        }
        boolean bos = bool(path, root, "bos");
        boolean eos = bool(path, root, "eos");
        long size = integer(path, root, "size");
        JsonElement tokensElement = root.get("tokens");
        if (tokensElement == null || !tokensElement.isJsonArray()) {
            throw new VocabularyFormatException(path, "\"tokens\": expected an array of strings, found "
                    + tokensElement, null);
        }
        JsonArray array = tokensElement.getAsJsonArray();
        if (array.size() != size) {
            throw new VocabularyFormatException(path, String.format(Locale.ROOT,
                    "\"tokens\": expected \"size\" = %d entries, found %d", size, array.size()), null);
        }
        List<String> expectedSpecials = specials(bos, eos);
        if (array.size() < expectedSpecials.size()) {
            throw new VocabularyFormatException(path, String.format(Locale.ROOT,
                    "\"tokens\": expected at least the %d special tokens %s, found %d entries",
                    expectedSpecials.size(), expectedSpecials, array.size()), null);
        }
        List<String> all = new ArrayList<>(array.size());
        Map<String, Integer> seen = new HashMap<>(array.size() * 2);
        for (int i = 0; i < array.size(); i++) {
            JsonElement e = array.get(i);
            if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isString()) {
                throw new VocabularyFormatException(path, String.format(Locale.ROOT,
                        "\"tokens\"[%d]: expected a string, found %s", i, e), null);
            }
            String t = e.getAsString();
            if (i < expectedSpecials.size()) {
                if (!t.equals(expectedSpecials.get(i))) {
                    throw new VocabularyFormatException(path, String.format(Locale.ROOT,
                            "\"tokens\"[%d]: expected \"%s\", found \"%s\"", i, expectedSpecials.get(i), t), null);
                }
            } else if (isSpecialToken(t)) {
                throw new VocabularyFormatException(path, String.format(Locale.ROOT,
                        "\"tokens\"[%d]: expected a regular token (bos=%s, eos=%s), found the special token \"%s\"",
                        i, bos, eos, t), null);
            }
            Integer previous = seen.putIfAbsent(t, i);
            if (previous != null) {
                throw new VocabularyFormatException(path, String.format(Locale.ROOT,
                        "\"tokens\"[%d]: expected distinct tokens, found \"%s\" again (first at %d)", i, t,
                        previous), null);
            }
            all.add(t);
        }
        return new Vocabulary(all, bos, eos);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Vocabulary v && hasBos == v.hasBos && hasEos == v.hasEos && tokens.equals(v.tokens);
    }

    @Override
    public int hashCode() {
        return Objects.hash(tokens, hasBos, hasEos);
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "Vocabulary(size=%d, bos=%s, eos=%s)", tokens.size(), hasBos, hasEos);
    }

    /** The special tokens in id order. */
    private static List<String> specials(boolean withBos, boolean withEos) {
        List<String> out = new ArrayList<>(4);
        out.add(PAD);
        out.add(UNK);
        if (withBos) {
            out.add(BOS);
        }
        if (withEos) {
            out.add(EOS);
        }
        return out;
    }

    private static boolean isSpecialToken(String t) {
        return PAD.equals(t) || UNK.equals(t) || BOS.equals(t) || EOS.equals(t);
    }

    private static JsonPrimitive primitive(Path path, JsonObject root, String key, String expected)
            throws VocabularyFormatException {
        JsonElement e = root.get(key);
        if (e == null || !e.isJsonPrimitive()) {
            throw new VocabularyFormatException(path, String.format(Locale.ROOT,
                    "\"%s\": expected %s, found %s", key, expected, e == null ? "no such field" : e.toString()),
                    null);
        }
        return e.getAsJsonPrimitive();
    }

    private static String string(Path path, JsonObject root, String key) throws VocabularyFormatException {
        JsonPrimitive p = primitive(path, root, key, "a string");
        if (!p.isString()) {
            throw new VocabularyFormatException(path, String.format(Locale.ROOT,
                    "\"%s\": expected a string, found %s", key, p), null);
        }
        return p.getAsString();
    }

    private static boolean bool(Path path, JsonObject root, String key) throws VocabularyFormatException {
        JsonPrimitive p = primitive(path, root, key, "true or false");
        if (!p.isBoolean()) {
            throw new VocabularyFormatException(path, String.format(Locale.ROOT,
                    "\"%s\": expected true or false, found %s", key, p), null);
        }
        return p.getAsBoolean();
    }

    private static long integer(Path path, JsonObject root, String key) throws VocabularyFormatException {
        JsonPrimitive p = primitive(path, root, key, "a non-negative integer");
        if (p.isNumber()) {
            try {
                long v = p.getAsBigDecimal().longValueExact();
                if (v >= 0) {
                    return v;
                }
            } catch (ArithmeticException | NumberFormatException ignored) {
                // reported below
            }
        }
        throw new VocabularyFormatException(path, String.format(Locale.ROOT,
                "\"%s\": expected a non-negative integer, found %s", key, p), null);
    }
}
