package dev.recur.io;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.google.gson.JsonSyntaxException;
import com.google.gson.Strictness;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import dev.recur.tensor.DType;
import dev.recur.tensor.Shapes;

import java.io.IOException;
import java.io.StringReader;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Reads and writes safetensors files.
 *
 * <p>Layout: bytes 0-7 hold {@code N}, the header length, as an unsigned 64-bit little-endian integer; the next
 * {@code N} bytes hold a UTF-8 JSON object mapping each tensor name to
 * {@code {"dtype": "F32", "shape": [...], "data_offsets": [begin, end]}} (offsets count from the first byte
 * after the header), plus an optional {@code "__metadata__"} map from string to string; the rest of the file
 * is the data section: each tensor's elements, little-endian and row-major.
 */
public final class Safetensors {
    /** The largest file {@link #read} accepts: the largest byte array a JVM reliably allocates (2 GiB - 9). */
    static final long MAX_FILE_BYTES = Integer.MAX_VALUE - 8;

    private static final String METADATA_KEY = "__metadata__";
    /** Bytes of the header-length prefix. */
    private static final int PREFIX_BYTES = 8;
    /** Writers pad the header with spaces to a multiple of this. */
    private static final int HEADER_ALIGNMENT = 8;
    private static final String KNOWN_DTYPES =
            Arrays.stream(DType.values()).map(DType::safetensorsName).collect(Collectors.joining(", "));
    private static final Pattern JSON_ERROR_LOCATION = Pattern.compile("line \\d+ column \\d+");
    private static final Gson GSON = new GsonBuilder().disableHtmlEscaping().create();

    private Safetensors() {
    }

    /**
     * Reads a whole safetensors file into memory, checking the header and every tensor's offsets.
     *
     * @throws SafetensorsFormatException when the file is not valid safetensors or is larger than 2 GiB
     * @throws IOException                when the file cannot be read
     */
    public static SafetensorsFile read(Path path) throws IOException {
        long size = Files.size(path);
        if (size < PREFIX_BYTES) {
            throw new SafetensorsFormatException(path, String.format(Locale.ROOT,
                    "file size: expected at least %d bytes (the header length), found %d", PREFIX_BYTES, size));
        }
        if (size > MAX_FILE_BYTES) {
            throw new SafetensorsFormatException(path, String.format(Locale.ROOT,
                    "file size: expected at most %d bytes (2 GiB, the largest file read into memory), found %d",
                    MAX_FILE_BYTES, size));
        }
        return new Reader(path, Files.readAllBytes(path)).read();
    }

    /**
     * Writes atomically: to a temporary file in the same folder, flushed and fsynced, then renamed over
     * {@code path} ({@code ATOMIC_MOVE}, falling back to {@code REPLACE_EXISTING}). On any failure the temp file
     * is deleted and an existing file at {@code path} is left untouched. Header keys sorted, padded with spaces
     * to a multiple of 8 bytes; data laid out in sorted-name order, back to back.
     *
     * @param path     the file to write
     * @param tensors  the tensors by name; no name may be {@code "__metadata__"}
     * @param metadata the {@code __metadata__} map, written only when not empty
     * @throws IllegalArgumentException when a name is {@code "__metadata__"} or a value is null
     * @throws IOException              when the file cannot be written
     */
    public static void write(Path path, Map<String, TensorEntry> tensors, Map<String, String> metadata)
            throws IOException {
        AtomicFiles.write(path, channel -> writeTo(channel, tensors, metadata));
    }

    /** Writes the length prefix, the padded header and the data section to {@code channel}. */
    private static void writeTo(FileChannel channel, Map<String, TensorEntry> tensors, Map<String, String> metadata)
            throws IOException {
        TreeMap<String, TensorEntry> sorted = new TreeMap<>(tensors);
        byte[] header = header(sorted, new TreeMap<>(metadata));
        AtomicFiles.writeFully(channel, ByteBuffer.allocate(PREFIX_BYTES).order(ByteOrder.LITTLE_ENDIAN)
                .putLong(0, header.length));
        AtomicFiles.writeFully(channel, ByteBuffer.wrap(header));
        for (TensorEntry tensor : sorted.values()) {
            AtomicFiles.writeFully(channel, tensor.bytes());
        }
    }

    /** The header JSON with keys in sorted order, as UTF-8 padded with spaces to a multiple of 8 bytes. */
    private static byte[] header(TreeMap<String, TensorEntry> tensors, TreeMap<String, String> metadata) {
        TreeMap<String, JsonElement> entries = new TreeMap<>();
        if (!metadata.isEmpty()) {
            JsonObject meta = new JsonObject();
            metadata.forEach((key, value) -> {
                if (value == null) {
                    throw new IllegalArgumentException("metadata \"" + key + "\": expected a string, found null");
                }
                meta.addProperty(key, value);
            });
            entries.put(METADATA_KEY, meta);
        }
        long offset = 0;
        for (Map.Entry<String, TensorEntry> e : tensors.entrySet()) {
            String name = e.getKey();
            TensorEntry tensor = e.getValue();
            if (name.equals(METADATA_KEY) || tensor == null) {
                throw new IllegalArgumentException("tensor \"" + name + "\": expected a tensor name other than "
                        + METADATA_KEY + " and a non-null tensor, found " + tensor);
            }
            long end = offset + tensor.bytes().remaining();
            JsonObject json = new JsonObject();
            json.addProperty("dtype", tensor.dtype().safetensorsName());
            JsonArray shape = new JsonArray();
            for (int d : tensor.shape()) {
                shape.add(d);
            }
            json.add("shape", shape);
            JsonArray offsets = new JsonArray();
            offsets.add(offset);
            offsets.add(end);
            json.add("data_offsets", offsets);
            entries.put(name, json);
            offset = end;
        }
        JsonObject root = new JsonObject();
        entries.forEach(root::add);
        byte[] json = GSON.toJson(root).getBytes(StandardCharsets.UTF_8);
        int padded = (json.length + HEADER_ALIGNMENT - 1) / HEADER_ALIGNMENT * HEADER_ALIGNMENT;
        byte[] out = Arrays.copyOf(json, padded);
        Arrays.fill(out, json.length, padded, (byte) ' ');
        return out;
    }

    /** Parses and checks one file's bytes; every error names the file. */
    private static final class Reader {
        private final Path path;
        private final byte[] file;

        Reader(Path path, byte[] file) {
            this.path = path;
            this.file = file;
        }

        SafetensorsFile read() throws SafetensorsFormatException {
            long headerLength = ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
            long available = file.length - PREFIX_BYTES;
            if (Long.compareUnsigned(headerLength, available) > 0) {
                String found = Long.toUnsignedString(headerLength);
                throw fail("header length %s is beyond the file's size: expected at most %d bytes after the "
                        + "8-byte length, found %s", found, available, found);
            }
            int headerEnd = PREFIX_BYTES + (int) headerLength;
            JsonObject header = parseHeader(headerEnd);
            // The data section: everything after the header, read-only, offsets count from its first byte.
            ByteBuffer data = ByteBuffer.wrap(file, headerEnd, file.length - headerEnd).slice().asReadOnlyBuffer();

            TreeMap<String, String> metadata = new TreeMap<>();
            TreeMap<String, TensorEntry> tensors = new TreeMap<>();
            for (Map.Entry<String, JsonElement> e : header.entrySet()) {
                if (e.getKey().equals(METADATA_KEY)) {
                    metadata = metadata(e.getValue());
                } else {
                    tensors.put(e.getKey(), tensor(e.getKey(), e.getValue(), data));
                }
            }
            return new SafetensorsFile(path, metadata, tensors);
        }

        /** Decodes bytes {@code [8, headerEnd)} as strict UTF-8 JSON and checks that they hold one object. */
        private JsonObject parseHeader(int headerEnd) throws SafetensorsFormatException {
            ByteBuffer bytes = ByteBuffer.wrap(file, PREFIX_BYTES, headerEnd - PREFIX_BYTES);
            String text;
            try {
                text = StandardCharsets.UTF_8.newDecoder()
                        .onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT)
                        .decode(bytes).toString();
            } catch (CharacterCodingException e) {
                // The decoder stops with the buffer positioned at the offending bytes.
                throw fail(e, "header: expected UTF-8 text, found bytes that are not valid UTF-8 at file offset %d",
                        bytes.position());
            }
            JsonElement root;
            try {
                JsonReader reader = new JsonReader(new StringReader(text));
                reader.setStrictness(Strictness.STRICT);
                root = JsonParser.parseReader(reader);
                if (reader.peek() != JsonToken.END_DOCUMENT) {
                    throw new JsonSyntaxException("more data after the JSON value");
                }
            } catch (JsonParseException | IOException e) {
                throw fail(e, "header: expected JSON, found invalid JSON %s in: %s", jsonErrorLocation(e),
                        truncate(text));
            }
            if (!root.isJsonObject()) {
                throw fail("header: expected a JSON object, found %s",
                        text.isBlank() ? "an empty header" : describe(root));
            }
            return root.getAsJsonObject();
        }

        /** The {@code __metadata__} entry: a flat map from string to string. */
        private TreeMap<String, String> metadata(JsonElement value) throws SafetensorsFormatException {
            if (!value.isJsonObject()) {
                throw fail("%s: expected an object mapping strings to strings, found %s", METADATA_KEY,
                        describe(value));
            }
            TreeMap<String, String> metadata = new TreeMap<>();
            for (Map.Entry<String, JsonElement> e : value.getAsJsonObject().entrySet()) {
                if (!isString(e.getValue())) {
                    throw fail("%s \"%s\": expected a string value, found %s", METADATA_KEY, e.getKey(),
                            describe(e.getValue()));
                }
                metadata.put(e.getKey(), e.getValue().getAsString());
            }
            return metadata;
        }

        /** One tensor entry, checked against the data section, as a read-only slice of it. */
        private TensorEntry tensor(String name, JsonElement value, ByteBuffer data) throws SafetensorsFormatException {
            String item = "tensor \"" + name + "\"";
            if (!value.isJsonObject()) {
                throw fail("%s: expected an object with dtype, shape and data_offsets, found %s", item,
                        describe(value));
            }
            JsonObject entry = value.getAsJsonObject();
            DType dtype = dtype(item, field(item, entry, "dtype"));
            int[] shape = shape(item, field(item, entry, "shape"));
            long[] offsets = offsets(item, field(item, entry, "data_offsets"));

            long expected;
            try {
                expected = TensorEntry.byteCount(dtype, shape);
            } catch (ArithmeticException e) {
                throw fail("%s: shape %s: expected a byte count within 64 bits, found an overflow", item,
                        Shapes.toString(shape));
            }
            long found = offsets[1] - offsets[0];
            if (found != expected) {
                throw fail("%s: data_offsets [%d, %d] span %d bytes: expected %d bytes (shape %s of %s, %d bytes "
                                + "each), found %d", item, offsets[0], offsets[1], found, expected,
                        Shapes.toString(shape), dtype, dtype.byteSize(), found);
            }
            if (offsets[1] > data.capacity()) {
                throw fail("%s: data ends at byte %d of the data section, but the file holds only %d data bytes "
                        + "(truncated?)", item, offsets[1], data.capacity());
            }
            return new TensorEntry(dtype, shape, data.slice((int) offsets[0], (int) found));
        }

        private JsonElement field(String item, JsonObject entry, String field) throws SafetensorsFormatException {
            JsonElement value = entry.get(field);
            if (value == null) {
                throw fail("%s: missing field \"%s\": expected an object with dtype, shape and data_offsets, "
                        + "found %s", item, field, describe(entry));
            }
            return value;
        }

        private DType dtype(String item, JsonElement value) throws SafetensorsFormatException {
            if (!isString(value)) {
                throw fail("%s: dtype: expected a string such as \"F32\", found %s", item, describe(value));
            }
            try {
                return DType.fromSafetensorsName(value.getAsString());
            } catch (IllegalArgumentException e) {
                throw fail(e, "%s: unknown dtype: expected one of %s, got \"%s\"", item, KNOWN_DTYPES,
                        value.getAsString());
            }
        }

        /** An array of integers in {@code [0, Integer.MAX_VALUE]}; {@code []} is the scalar shape. */
        private int[] shape(String item, JsonElement value) throws SafetensorsFormatException {
            if (value.isJsonArray()) {
                JsonArray array = value.getAsJsonArray();
                int[] shape = new int[array.size()];
                boolean valid = true;
                for (int i = 0; i < shape.length && valid; i++) {
                    long d = nonNegativeInteger(array.get(i));
                    valid = d >= 0 && d <= Integer.MAX_VALUE;
                    shape[i] = (int) d;
                }
                if (valid) {
                    return shape;
                }
            }
            throw fail("%s: shape: expected an array of integers from 0 to %d, found %s", item, Integer.MAX_VALUE,
                    describe(value));
        }

        /** {@code [begin, end]} with {@code 0 <= begin <= end}. */
        private long[] offsets(String item, JsonElement value) throws SafetensorsFormatException {
            if (value.isJsonArray() && value.getAsJsonArray().size() == 2) {
                long begin = nonNegativeInteger(value.getAsJsonArray().get(0));
                long end = nonNegativeInteger(value.getAsJsonArray().get(1));
                if (begin >= 0 && end >= begin) {
                    return new long[] {begin, end};
                }
            }
            throw fail("%s: data_offsets: expected two ascending non-negative integers [begin, end], found %s",
                    item, describe(value));
        }

        private SafetensorsFormatException fail(String format, Object... args) {
            return fail(null, format, args);
        }

        private SafetensorsFormatException fail(Throwable cause, String format, Object... args) {
            return new SafetensorsFormatException(path, String.format(Locale.ROOT, format, args), cause);
        }
    }

    /** A JSON number that is a non-negative integer within {@code long}, else -1 (fractions, strings, ...). */
    private static long nonNegativeInteger(JsonElement value) {
        if (!value.isJsonPrimitive() || !value.getAsJsonPrimitive().isNumber()) {
            return -1;
        }
        try {
            BigDecimal number = value.getAsBigDecimal();
            return number.signum() < 0 ? -1 : number.longValueExact();
        } catch (ArithmeticException | NumberFormatException e) {
            return -1;
        }
    }

    private static boolean isString(JsonElement value) {
        return value.isJsonPrimitive() && value.getAsJsonPrimitive().isString();
    }

    /** The element as compact JSON, cut to 80 characters for error messages. */
    private static String describe(JsonElement value) {
        return truncate(value.toString());
    }

    /** {@code text} cut to 80 characters for error messages. */
    private static String truncate(String text) {
        return text.length() <= 80 ? text : text.substring(0, 77) + "...";
    }

    /** "at line 1 column 3" from a Gson error, whose message also holds advice that does not apply here. */
    private static String jsonErrorLocation(Exception e) {
        String message = String.valueOf(e.getMessage());
        Matcher location = JSON_ERROR_LOCATION.matcher(message);
        return location.find() ? "at " + location.group() : "(" + message.lines().findFirst().orElse("") + ")";
    }
}
