package dev.recur.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VocabularyTest {
    @TempDir
    Path dir;

    private static Map<String, Long> counts() {
        Map<String, Long> c = new HashMap<>();
        c.put("the", 10L);
        c.put("cat", 3L);
        c.put("bat", 3L);
        c.put("ant", 3L);
        c.put("zebra", 5L);
        c.put("rare", 1L);
        c.put("😀", 2L);
        return c;
    }

    @Test
    void specialTokensComeFirst() {
        Vocabulary v = Vocabulary.fromCounts(counts(), 1, Vocabulary.UNLIMITED, true, true);
        assertEquals(List.of("<pad>", "<unk>", "<bos>", "<eos>"), v.tokens().subList(0, 4));
        assertEquals(0, v.padId());
        assertEquals(1, v.unkId());
        assertEquals(2, v.bosId());
        assertEquals(3, v.eosId());
        assertEquals(4, v.specialCount());
        Vocabulary eosOnly = Vocabulary.fromCounts(counts(), 1, Vocabulary.UNLIMITED, false, true);
        assertEquals(2, eosOnly.eosId());
        assertThrows(IllegalStateException.class, eosOnly::bosId);
    }

    @Test
    void tiesAreBrokenByCountDescendingThenTokenAscending() {
        Vocabulary v = Vocabulary.fromCounts(counts(), 1, Vocabulary.UNLIMITED, false, false);
        assertEquals(List.of("<pad>", "<unk>", "the", "zebra", "ant", "bat", "cat", "😀", "rare"), v.tokens());
        // Insertion order of the map must not matter.
        Map<String, Long> reversed = new LinkedHashMap<>();
        for (String t : List.of("rare", "😀", "cat", "bat", "ant", "zebra", "the")) {
            reversed.put(t, counts().get(t));
        }
        assertEquals(v, Vocabulary.fromCounts(reversed, 1, Vocabulary.UNLIMITED, false, false));
    }

    @Test
    void minCountAndMaxSizeLimitTheVocabulary() {
        Vocabulary v = Vocabulary.fromCounts(counts(), 3, Vocabulary.UNLIMITED, false, false);
        assertEquals(List.of("<pad>", "<unk>", "the", "zebra", "ant", "bat", "cat"), v.tokens());
        Vocabulary small = Vocabulary.fromCounts(counts(), 1, 5, false, false);
        assertEquals(List.of("<pad>", "<unk>", "the", "zebra", "ant"), small.tokens());
        assertEquals(5, small.size());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Vocabulary.fromCounts(counts(), 1, 3, true, true));
        assertTrue(e.getMessage().contains("maxSize") && e.getMessage().contains("got 3"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Vocabulary.fromCounts(counts(), 0, 10, false, false));
    }

    @Test
    void unknownTokensMapToUnk() {
        Vocabulary v = Vocabulary.fromCounts(counts(), 2, Vocabulary.UNLIMITED, false, false);
        assertEquals(Vocabulary.UNK_ID, v.id("never-seen"));
        assertEquals(Vocabulary.UNK_ID, v.id("rare"), "below minCount");
        assertFalse(v.contains("rare"));
        assertEquals(2, v.id("the"));
        assertEquals("the", v.token(2));
    }

    @Test
    void specialTokensInCountsAreNotDuplicated() {
        Map<String, Long> c = counts();
        c.put("<pad>", 100L);
        c.put("<eos>", 100L);
        Vocabulary v = Vocabulary.fromCounts(c, 1, Vocabulary.UNLIMITED, false, false);
        assertEquals(1, v.tokens().stream().filter("<pad>"::equals).count());
        assertFalse(v.contains("<eos>"));
    }

    @Test
    void tokenOutOfRangeNamesIdAndSize() {
        Vocabulary v = Vocabulary.of(List.of("a", "b"), false, false);
        IndexOutOfBoundsException e = assertThrows(IndexOutOfBoundsException.class, () -> v.token(7));
        assertTrue(e.getMessage().contains("7") && e.getMessage().contains("[0, 4)"), e.getMessage());
        assertThrows(IndexOutOfBoundsException.class, () -> v.token(-1));
        assertThrows(IllegalArgumentException.class, () -> Vocabulary.of(List.of("a", "a"), false, false));
        assertThrows(IllegalArgumentException.class, () -> Vocabulary.of(List.of("<unk>"), false, false));
    }

    @Test
    void saveAndLoadRoundTrip() throws IOException {
        Vocabulary v = Vocabulary.fromCounts(counts(), 1, Vocabulary.UNLIMITED, true, false);
        Path file = dir.resolve("sub/vocab.json");
        v.save(file);
        Vocabulary back = Vocabulary.load(file);
        assertEquals(v, back);
        assertEquals(v.tokens(), back.tokens());
        assertTrue(back.hasBos());
        assertFalse(back.hasEos());
        assertEquals(v.id("😀"), back.id("😀"));
        String json = Files.readString(file, StandardCharsets.UTF_8);
        assertTrue(json.contains("\"😀\""), "written as UTF-8, not escaped: " + json);
        assertTrue(json.contains("\"<pad>\""), "no HTML escaping: " + json);
        try (Stream<Path> files = Files.list(file.getParent())) {
            assertEquals(List.of(file), files.toList(), "no temporary file left behind");
        }
        // Overwriting replaces the file.
        Vocabulary other = Vocabulary.of(List.of("x"), false, false);
        other.save(file);
        assertEquals(other, Vocabulary.load(file));
    }

    @Test
    void truncatedFileFailsNamingTheFile() throws IOException {
        Vocabulary v = Vocabulary.fromCounts(counts(), 1, Vocabulary.UNLIMITED, false, false);
        Path file = dir.resolve("vocab.json");
        v.save(file);
        byte[] bytes = Files.readAllBytes(file);
        for (int keep : new int[] {0, 1, bytes.length / 2, bytes.length - 3}) {
            Path cut = dir.resolve("cut-" + keep + ".json");
            Files.write(cut, Arrays.copyOf(bytes, keep));
            VocabularyFormatException e = assertThrows(VocabularyFormatException.class, () -> Vocabulary.load(cut),
                    "truncated to " + keep + " bytes");
            assertTrue(e.getMessage().contains(cut.toString()), e.getMessage());
            assertEquals(cut, e.file());
        }
    }

    @Test
    void corruptContentIsRejected() throws IOException {
        String good = "{\"format\": \"recur-vocabulary\", \"version\": 1, \"size\": 3, \"bos\": false, "
                + "\"eos\": false, \"tokens\": [\"<pad>\", \"<unk>\", \"a\"]}";
        Path ok = dir.resolve("ok.json");
        Files.writeString(ok, good);
        assertEquals(List.of("<pad>", "<unk>", "a"), Vocabulary.load(ok).tokens());
        String[][] bad = {
            {good.replace("\"size\": 3", "\"size\": 4"), "\"tokens\""},
            {good.replace("\"<unk>\", \"a\"", "\"a\", \"<unk>\""), "\"tokens\"[1]"},
            {good.replace("\"a\"]", "\"<pad>\"]"), "\"tokens\"[2]"},
            {good.replace("\"a\"]", "\"a\", \"a\"]").replace("\"size\": 3", "\"size\": 4"), "\"tokens\"[3]"},
            {good.replace("recur-vocabulary", "something-else"), "\"format\""},
            {good.replace("\"version\": 1", "\"version\": 2"), "\"version\""},
            {good.replace("\"bos\": false", "\"bos\": true"), "\"tokens\"[2]"},
            {good + " {}", "JSON"},
            {"[1, 2]", "top level"},
        };
        for (int i = 0; i < bad.length; i++) {
            Path p = dir.resolve("bad-" + i + ".json");
            Files.writeString(p, bad[i][0]);
            VocabularyFormatException e = assertThrows(VocabularyFormatException.class, () -> Vocabulary.load(p),
                    bad[i][0]);
            assertTrue(e.getMessage().startsWith(p.toString()), e.getMessage());
            assertTrue(e.getMessage().contains(bad[i][1]), bad[i][1] + " in: " + e.getMessage());
        }
        Path notUtf8 = dir.resolve("latin1.json");
        Files.write(notUtf8, new byte[] {'{', (byte) 0xE9, '}'});
        VocabularyFormatException e = assertThrows(VocabularyFormatException.class, () -> Vocabulary.load(notUtf8));
        assertTrue(e.getMessage().contains("UTF-8"), e.getMessage());
    }
}
