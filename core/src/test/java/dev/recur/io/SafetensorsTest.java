package dev.recur.io;

import dev.recur.tensor.DType;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.ReadOnlyBufferException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.AbstractMap;
import java.util.AbstractSet;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SafetensorsTest {
    private static final Logger LOG = LoggerFactory.getLogger(SafetensorsTest.class);

    @TempDir
    Path dir;

    // ---------------------------------------------------------------- round trip

    @Test
    void roundTripKeepsNamesShapesValuesAndMetadata() throws IOException {
        Map<String, TensorEntry> tensors = new HashMap<>(); // unsorted on purpose
        tensors.put("weight", TensorEntry.ofFloats(
                new float[] {1.5f, -2f, 3.25f, Float.MIN_VALUE, Float.MAX_VALUE, -0f}, 2, 3));
        tensors.put("lengths", TensorEntry.ofLongs(new long[] {5, Long.MIN_VALUE, Long.MAX_VALUE}, 3));
        tensors.put("scalar", TensorEntry.ofFloats(new float[] {42f}));
        tensors.put("empty", TensorEntry.ofFloats(new float[0], 0, 3));
        // Multi-byte UTF-8 and characters Gson would HTML-escape: the padding must count bytes, not chars.
        Map<String, String> metadata = Map.of("op", "lstm", "description", "héllo ✓ \"quoted\" <tag> & more");
        Path path = dir.resolve("round.safetensors");

        Safetensors.write(path, tensors, metadata);
        SafetensorsFile file = Safetensors.read(path);

        assertEquals(path, file.path());
        assertEquals(new TreeSet<>(tensors.keySet()), file.names());
        assertEquals(List.of("empty", "lengths", "scalar", "weight"), List.copyOf(file.tensors().keySet()));
        assertEquals(metadata, file.metadata());
        for (Map.Entry<String, TensorEntry> e : tensors.entrySet()) {
            assertEquals(e.getValue(), file.get(e.getKey()), e.getKey());
        }
        TensorEntry weight = file.get("weight");
        assertEquals(DType.F32, weight.dtype());
        assertArrayEquals(new int[] {2, 3}, weight.shape());
        assertArrayEquals(new float[] {1.5f, -2f, 3.25f, Float.MIN_VALUE, Float.MAX_VALUE, -0f},
                weight.toFloatArray());
        assertArrayEquals(new long[] {5, Long.MIN_VALUE, Long.MAX_VALUE}, file.get("lengths").toLongArray());
        assertEquals(DType.I64, file.get("lengths").dtype());
        assertArrayEquals(new int[0], file.get("scalar").shape());
        assertEquals(1, file.get("scalar").numel());
        assertArrayEquals(new float[] {42f}, file.get("scalar").toFloatArray());
        assertArrayEquals(new int[] {0, 3}, file.get("empty").shape());
        assertEquals(0, file.get("empty").numel());
        assertEquals(0, file.get("empty").toFloatArray().length);

        // Layout: padded header, then each tensor's bytes back to back in sorted-name order.
        byte[] bytes = Files.readAllBytes(path);
        long headerLength = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
        assertEquals(0, headerLength % 8, "header length " + headerLength + " is not a multiple of 8");
        String header = new String(bytes, 8, (int) headerLength, StandardCharsets.UTF_8);
        assertTrue(header.startsWith("{\"__metadata__\":{\"description\":\"héllo ✓"), header);
        assertTrue(header.stripTrailing().endsWith("}"), header);
        int offset = 8 + (int) headerLength;
        for (TensorEntry t : new TreeMap<>(tensors).values()) {
            ByteBuffer expected = t.bytes();
            assertEquals(expected, ByteBuffer.wrap(bytes, offset, expected.remaining()));
            offset += expected.remaining();
        }
        assertEquals(bytes.length, offset, "data section has bytes beyond the last tensor");
    }

    @Test
    void readsAHeaderThatIsNotPaddedToEightBytes() throws IOException {
        String json = "{\"n\":{\"dtype\":\"I32\",\"shape\":[2],\"data_offsets\":[0,8]}}";
        assertTrue(json.length() % 8 != 0);
        Path path = craft(json, ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putInt(7).putInt(-3).array());

        SafetensorsFile file = Safetensors.read(path);

        assertEquals(Map.of(), file.metadata());
        assertArrayEquals(new long[] {7, -3}, file.get("n").toLongArray());
    }

    @Test
    void fileAccessorsReportMissingNamesAndRefuseChanges() throws IOException {
        Path path = dir.resolve("small.safetensors");
        Safetensors.write(path, Map.of("b", TensorEntry.ofFloats(new float[] {1f}, 1),
                "a", TensorEntry.ofFloats(new float[] {2f}, 1)), Map.of());
        SafetensorsFile file = Safetensors.read(path);

        assertTrue(file.contains("a"));
        NoSuchElementException e = assertThrows(NoSuchElementException.class, () -> file.get("c"));
        assertEquals(path + ": no tensor named \"c\"; it holds: a, b", e.getMessage());
        assertThrows(UnsupportedOperationException.class, () -> file.tensors().remove("a"));
        assertThrows(UnsupportedOperationException.class, () -> file.metadata().put("k", "v"));
        assertThrows(UnsupportedOperationException.class, () -> file.names().add("z"));
        assertThrows(ReadOnlyBufferException.class, () -> file.get("a").bytes().put(0, (byte) 1));
    }

    @Test
    void tensorEntryChecksSizesAndCopiesItsInputs() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TensorEntry.ofFloats(new float[5], 2, 3));
        assertTrue(e.getMessage().contains("expected 6 values, found 5"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> TensorEntry.ofLongs(new long[2], 3));
        assertTrue(e.getMessage().contains("expected 3 values, found 2"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> TensorEntry.ofBytes(DType.F16, new int[] {3}, new byte[5]));
        assertTrue(e.getMessage().contains("expected 6 bytes, found 5"), e.getMessage());

        float[] values = {1f, 2f};
        int[] shape = {2};
        TensorEntry t = TensorEntry.ofFloats(values, shape);
        values[0] = 9f;
        shape[0] = 7;
        t.shape()[0] = 5;
        assertArrayEquals(new float[] {1f, 2f}, t.toFloatArray());
        assertArrayEquals(new int[] {2}, t.shape());
    }

    // ---------------------------------------------------------------- dtype conversion

    @Test
    void decodesHalfBfloatAndDoubleToFloat() {
        short[] half = {
            0x3C00, (short) 0xC100, 0x7BFF, 0x3555, 0x0001, 0x03FF, (short) 0x8000, 0x7C00, (short) 0xFC00, 0x7E00,
        };
        float[] expectedHalf = {
            1f, -2.5f, 65504f, 0.333251953125f, 0x1p-24f, 1023 * 0x1p-24f, -0f,
            Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.NaN,
        };
        float[] decodedHalf = TensorEntry.ofBytes(DType.F16, new int[] {half.length}, shortBytes(half)).toFloatArray();
        assertArrayEquals(expectedHalf, decodedHalf);
        assertTrue(Float.isNaN(decodedHalf[9]));

        short[] bf16 = {0x3F80, (short) 0xC020, 0x7F61};
        float[] decodedBf16 = TensorEntry.ofBytes(DType.BF16, new int[] {3}, shortBytes(bf16)).toFloatArray();
        assertArrayEquals(new float[] {1f, -2.5f, Float.intBitsToFloat(0x7F610000)}, decodedBf16);
        assertEquals(3.0e38f, decodedBf16[2], 0.01f * 3.0e38f); // 0x7F61 is 3.0e38 with its low 16 bits cut

        double[] doubles = {1.0, -2.5, 0.1, 1e300, 1e-50};
        ByteBuffer f64 = ByteBuffer.allocate(doubles.length * 8).order(ByteOrder.LITTLE_ENDIAN);
        f64.asDoubleBuffer().put(doubles);
        assertArrayEquals(new float[] {1f, -2.5f, 0.1f, Float.POSITIVE_INFINITY, 0f},
                TensorEntry.ofBytes(DType.F64, new int[] {doubles.length}, f64.array()).toFloatArray());
    }

    @Test
    void convertsIntegersAndRefusesTheWrongKind() {
        ByteBuffer i32 = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putInt(-7).putInt(Integer.MAX_VALUE);
        assertArrayEquals(new long[] {-7, Integer.MAX_VALUE},
                TensorEntry.ofBytes(DType.I32, new int[] {2}, i32.array()).toLongArray());

        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> TensorEntry.ofLongs(new long[] {1}, 1).toFloatArray());
        assertEquals("tensor: expected a floating-point dtype (F32, F64, F16, BF16), got I64", e.getMessage());
        e = assertThrows(IllegalStateException.class, () -> TensorEntry.ofFloats(new float[] {1f}, 1).toLongArray());
        assertEquals("tensor: expected an integer dtype (I64, I32), got F32", e.getMessage());
    }

    // ---------------------------------------------------------------- golden file

    @Test
    void readsAGoldenLstmCellFile() throws IOException {
        Path golden = Path.of(System.getProperty("golden.dir", "../../shared/golden"));
        String reason = "golden folder " + golden.toAbsolutePath() + " does not exist; set -Dgolden.dir";
        if (!Files.isDirectory(golden)) {
            LOG.warn("skipped: {}", reason);
        }
        Assumptions.assumeTrue(Files.isDirectory(golden), reason);

        SafetensorsFile file = Safetensors.read(golden.resolve("lstm_cell_bias_h0c0.safetensors"));

        assertEquals("lstm_cell", file.metadata().get("op"));
        for (String name : List.of("weight_ih", "input", "grad.input")) {
            assertTrue(file.contains(name), name + " missing; names: " + file.names());
        }
        int hidden = Integer.parseInt(file.metadata().get("hidden_size"));
        int input = Integer.parseInt(file.metadata().get("input_size"));
        assertArrayEquals(new int[] {4 * hidden, input}, file.get("weight_ih").shape());
        for (Map.Entry<String, TensorEntry> e : file.tensors().entrySet()) {
            TensorEntry t = e.getValue();
            LOG.info("{} {} {}", e.getKey(), t.dtype(), Arrays.toString(t.shape()));
            float[] values = t.toFloatArray();
            assertEquals(t.numel(), values.length);
            for (int i = 0; i < values.length; i++) {
                assertTrue(Float.isFinite(values[i]), e.getKey() + "[" + i + "] = " + values[i]);
            }
        }
    }

    // ---------------------------------------------------------------- bad input

    @Test
    void rejectsAFileShorterThanTheLengthPrefix() throws IOException {
        Path path = write(new byte[5]);
        assertFormatError(path, "file size: expected at least 8 bytes", "found 5");
    }

    @Test
    void rejectsAHeaderLengthBeyondTheFile() throws IOException {
        Path path = write(concat(prefix(9999), new byte[92]));
        assertFormatError(path,
                "header length 9999 is beyond the file's size: expected at most 92 bytes after the 8-byte length, "
                        + "found 9999");
        // The length is unsigned: all ones is 2^64 - 1, not -1.
        Path unsigned = write(concat(prefix(-1), new byte[4]));
        assertFormatError(unsigned, "expected at most 4 bytes", "found 18446744073709551615");
    }

    @Test
    void rejectsAHeaderThatIsNotUtf8() throws IOException {
        byte[] header = {'{', '"', (byte) 0xFF, '"', ':', '1', '}', ' '};
        Path path = write(concat(prefix(header.length), header));
        assertFormatError(path, "header: expected UTF-8 text", "not valid UTF-8 at file offset 10");
    }

    @Test
    void rejectsAHeaderThatIsNotJson() throws IOException {
        assertFormatError(craft("{\"w\": ", new byte[0]),
                "header: expected JSON, found invalid JSON at line 1 column 7 in: {\"w\": ");
        assertFormatError(craft("{w: 1}", new byte[0]),
                "header: expected JSON, found invalid JSON at line 1 column 3 in: {w: 1}");
    }

    @Test
    void rejectsAHeaderThatIsNotAnObject() throws IOException {
        assertFormatError(craft("[1, 2]", new byte[0]), "header: expected a JSON object, found [1,2]");
        assertFormatError(craft("", new byte[0]), "header: expected a JSON object, found an empty header");
    }

    @Test
    void rejectsATensorEntryThatIsNotAnObject() throws IOException {
        assertFormatError(craft("{\"w\": 5}", new byte[0]),
                "tensor \"w\": expected an object with dtype, shape and data_offsets, found 5");
    }

    @ParameterizedTest
    @ValueSource(strings = {"dtype", "shape", "data_offsets"})
    void rejectsATensorEntryMissingAField(String field) throws IOException {
        Map<String, String> fields = new TreeMap<>(Map.of(
                "dtype", "\"F32\"", "shape", "[2]", "data_offsets", "[0, 8]"));
        fields.remove(field);
        String entry = fields.entrySet().stream()
                .map(e -> "\"" + e.getKey() + "\": " + e.getValue()).collect(Collectors.joining(", "));
        assertFormatError(craft("{\"w\": {" + entry + "}}", new byte[8]),
                "tensor \"w\": missing field \"" + field + "\": expected an object with dtype, shape and data_offsets",
                "found {");
    }

    @Test
    void rejectsAnUnknownDtype() throws IOException {
        assertFormatError(craft(entry("\"Q4\"", "[2]", "[0, 8]"), new byte[8]),
                "tensor \"w\": unknown dtype: expected one of F32, F64, F16, BF16, I64, I32, got \"Q4\"");
        assertFormatError(craft(entry("4", "[2]", "[0, 8]"), new byte[8]),
                "tensor \"w\": dtype: expected a string such as \"F32\", found 4");
    }

    @Test
    void rejectsANegativeShapeDimension() throws IOException {
        assertFormatError(craft(entry("\"F32\"", "[2, -1]", "[0, 8]"), new byte[8]),
                "tensor \"w\": shape: expected an array of integers from 0 to 2147483647, found [2,-1]");
    }

    @ParameterizedTest
    @ValueSource(strings = {"[2.5]", "[\"2\"]", "[3000000000]", "2", "[[2]]"})
    void rejectsANonIntegerShapeDimension(String shape) throws IOException {
        assertFormatError(craft(entry("\"F32\"", shape, "[0, 8]"), new byte[8]),
                "tensor \"w\": shape: expected an array of integers from 0 to 2147483647",
                "found " + shape);
    }

    @ParameterizedTest
    @ValueSource(strings = {"[8,4]", "[-4,4]", "[0]", "[0,8,8]", "[0,\"8\"]", "[0,8.5]", "{}"})
    void rejectsDataOffsetsThatAreNotTwoAscendingNonNegativeIntegers(String offsets) throws IOException {
        assertFormatError(craft(entry("\"F32\"", "[2]", offsets), new byte[8]),
                "tensor \"w\": data_offsets: expected two ascending non-negative integers [begin, end]",
                "found " + offsets);
    }

    @Test
    void rejectsDataOffsetsThatDoNotMatchTheShape() throws IOException {
        assertFormatError(craft(entry("\"F32\"", "[3, 4]", "[0, 40]"), new byte[48]),
                "tensor \"w\": data_offsets [0, 40] span 40 bytes: expected 48 bytes (shape [3, 4] of F32",
                "found 40");
    }

    @Test
    void rejectsDataOffsetsBeyondTheDataSection() throws IOException {
        assertFormatError(craft(entry("\"F32\"", "[100]", "[0, 400]"), new byte[320]),
                "tensor \"w\": data ends at byte 400 of the data section, but the file holds only 320 data bytes "
                        + "(truncated?)");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "{\"a\": 1}       | __metadata__ \"a\": expected a string value, found 1",
        "{\"a\": {}}      | __metadata__ \"a\": expected a string value, found {}",
        "[\"a\"]          | __metadata__: expected an object mapping strings to strings, found [\"a\"]",
    })
    void rejectsMetadataThatIsNotAStringMap(String metadata, String message) throws IOException {
        assertFormatError(craft("{\"__metadata__\": " + metadata + "}", new byte[0]), message);
    }

    @Test
    void rejectsAFileLargerThanTwoGibibytes() throws IOException {
        Path path = write(concat(prefix(2), "{}".getBytes(StandardCharsets.US_ASCII)));
        try (RandomAccessFile big = new RandomAccessFile(path.toFile(), "rw")) {
            big.setLength(3L << 30); // sparse: no data is written
        }
        assertFormatError(path, "file size: expected at most 2147483639 bytes", "found 3221225472");
    }

    // ---------------------------------------------------------------- atomic write

    @Test
    void aFailedWriteLeavesTheOldFileAndNoTempFile() throws IOException {
        Path path = dir.resolve("model.safetensors");
        Safetensors.write(path, Map.of("w", TensorEntry.ofFloats(new float[] {1f, 2f}, 2)), Map.of("v", "1"));
        byte[] before = Files.readAllBytes(path);

        // Yields one tensor, then fails: the failure happens after the temp file was created.
        Map<String, TensorEntry> failing = new AbstractMap<>() {
            @Override
            public Set<Entry<String, TensorEntry>> entrySet() {
                return new AbstractSet<>() {
                    @Override
                    public int size() {
                        return 2;
                    }

                    @Override
                    public Iterator<Entry<String, TensorEntry>> iterator() {
                        return new Iterator<>() {
                            private boolean first = true;

                            @Override
                            public boolean hasNext() {
                                return true;
                            }

                            @Override
                            public Entry<String, TensorEntry> next() {
                                if (!first) {
                                    throw new IllegalStateException("iteration failed midway");
                                }
                                first = false;
                                return Map.entry("a", TensorEntry.ofFloats(new float[] {3f}, 1));
                            }
                        };
                    }
                };
            }
        };
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> Safetensors.write(path, failing, Map.of("v", "2")));
        assertEquals("iteration failed midway", e.getMessage());
        assertArrayEquals(before, Files.readAllBytes(path));
        assertEquals(List.of(path.getFileName().toString()), listFolder());

        assertThrows(IllegalArgumentException.class, () -> Safetensors.write(path,
                Map.of("__metadata__", TensorEntry.ofFloats(new float[] {1f}, 1)), Map.of()));
        assertArrayEquals(before, Files.readAllBytes(path));
        assertEquals(List.of(path.getFileName().toString()), listFolder());

        // A write that succeeds replaces the file.
        Safetensors.write(path, Map.of("w", TensorEntry.ofFloats(new float[] {5f}, 1)), Map.of());
        assertArrayEquals(new float[] {5f}, Safetensors.read(path).get("w").toFloatArray());
        assertEquals(List.of(path.getFileName().toString()), listFolder());
    }

    @Test
    void aFailedRenameDeletesTheTempFile() throws IOException {
        // The rename fails after all data is written: the target is a folder that is not empty.
        Path target = dir.resolve("taken.safetensors");
        Files.createDirectory(target);
        Files.writeString(target.resolve("keep.txt"), "keep");

        assertThrows(IOException.class,
                () -> Safetensors.write(target, Map.of("w", TensorEntry.ofFloats(new float[] {1f}, 1)), Map.of()));

        assertEquals("keep", Files.readString(target.resolve("keep.txt")));
        assertEquals(List.of("taken.safetensors"), listFolder());
    }

    // ---------------------------------------------------------------- helpers

    /** Asserts that reading {@code path} fails with a message naming the file and holding every part. */
    private static void assertFormatError(Path path, String... parts) {
        SafetensorsFormatException e = assertThrows(SafetensorsFormatException.class, () -> Safetensors.read(path));
        String message = e.getMessage();
        LOG.info("{}", message);
        assertTrue(message.contains(path.getFileName().toString()), message);
        assertEquals(path, e.file());
        for (String part : parts) {
            assertTrue(message.contains(part), "expected \"" + part + "\" in: " + message);
        }
    }

    /** A one-tensor header for tensor "w" with the given JSON for each field. */
    private static String entry(String dtype, String shape, String offsets) {
        return "{\"w\": {\"dtype\": " + dtype + ", \"shape\": " + shape + ", \"data_offsets\": " + offsets + "}}";
    }

    /** A file with the given header JSON (unpadded) and data section. */
    private Path craft(String json, byte[] data) throws IOException {
        byte[] header = json.getBytes(StandardCharsets.UTF_8);
        return write(concat(prefix(header.length), header, data));
    }

    private Path write(byte[] bytes) throws IOException {
        return Files.write(dir.resolve("crafted.safetensors"), bytes);
    }

    private List<String> listFolder() throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString()).sorted().collect(Collectors.toList());
        }
    }

    private static byte[] prefix(long headerLength) {
        return ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(headerLength).array();
    }

    private static byte[] concat(byte[]... parts) {
        ByteBuffer out = ByteBuffer.allocate(Arrays.stream(parts).mapToInt(p -> p.length).sum());
        for (byte[] p : parts) {
            out.put(p);
        }
        return out.array();
    }

    private static byte[] shortBytes(short... values) {
        ByteBuffer out = ByteBuffer.allocate(values.length * 2).order(ByteOrder.LITTLE_ENDIAN);
        out.asShortBuffer().put(values);
        return out.array();
    }
}
