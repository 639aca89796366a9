package dev.recur.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

class TokenizerTest {
    private final CharTokenizer chars = new CharTokenizer();
    private final WordTokenizer words = new WordTokenizer(true);

    @Test
    void charTokenizerSplitsCodePointsNotUtf16Chars() {
        String text = "a😀b";
        assertEquals(4, text.length(), "the emoji is a surrogate pair");
        assertEquals(List.of("a", "😀", "b"), chars.tokenize(text));
        assertEquals(List.of("𝄞", " ", "é"), chars.tokenize("𝄞 é"));
        assertEquals(List.of(), chars.tokenize(""));
    }

    @Test
    void charEncodeDecodeRoundTrip() {
        List<String> corpus = List.of("a😀b", "hello world\n", "😀😀😀");
        Vocabulary v = chars.buildVocabulary(corpus, 1, Vocabulary.UNLIMITED);
        for (String s : corpus) {
            long[] ids = chars.encode(s, v);
            assertEquals(s.codePointCount(0, s.length()), ids.length);
            assertEquals(s, chars.decode(ids, v));
        }
        assertEquals("😀", v.token(2), "most frequent token first (4 times)");
        long[] unknown = chars.encode("aZ", v);
        assertArrayEquals(new long[] {v.id("a"), Vocabulary.UNK_ID}, unknown);
        assertEquals("a<unk>", chars.decode(unknown, v));
    }

    @Test
    void wordTokenizerSeparatesPunctuationAndKeepsInnerApostrophes() {
        assertEquals(List.of("don't", "stop", ",", "now", "!"), words.tokenize("Don't stop, now!"));
        assertEquals(List.of("Don't", "stop", ",", "now", "!"), new WordTokenizer(false).tokenize("Don't stop, now!"));
        assertEquals(List.of("'", "quoted", "'", "rock", "'", "n", "'", "roll"),
                words.tokenize("'quoted' rock 'n' roll"));
        assertEquals(List.of("a", ".", ".", ".", "b", "(", "c", ")", "-", "d"), words.tokenize("a...b (c)-d"));
        assertEquals(List.of("it’s", "«", "ok", "»", "—", "yes"), words.tokenize("It’s «ok» — yes"));
    }

    @Test
    void wordTokenizerSplitsOnUnicodeWhitespace() {
        // tab, newline, no-break space, em space, ideographic space
        assertEquals(List.of("a", "b", "c", "d", "e", "f"), words.tokenize(" a\tb\nc\u00A0d\u2003e\u3000f  "));
        assertEquals(List.of(), words.tokenize(" \t\n"));
    }

    @Test
    void wordEncodeDecodeRoundTrip() {
        List<String> corpus = List.of("The cat sat.", "the dog sat, then ran!", "Don't stop");
        Vocabulary v = words.buildVocabulary(corpus, 1, Vocabulary.UNLIMITED, true, true);
        assertEquals(List.of("<pad>", "<unk>", "<bos>", "<eos>", "sat", "the"), v.tokens().subList(0, 6));
        long[] ids = words.encode("The cat sat.", v);
        assertEquals(4, ids.length);
        assertEquals("the cat sat .", words.decode(ids, v));
        long[] framed = words.encode("The cat sat.", v, true);
        assertEquals(v.bosId(), framed[0]);
        assertEquals(v.eosId(), framed[framed.length - 1]);
        assertEquals("<bos> the cat sat . <eos>", words.decode(framed, v));
        long[] padded = {ids[0], ids[1], 0, 0};
        assertEquals("the cat", words.decode(padded, v), "padding is skipped");
        assertEquals(Vocabulary.UNK_ID, words.encode("zebra", v)[0]);
        assertThrows(IndexOutOfBoundsException.class, () -> words.decode(new long[] {999}, v));
    }

    @Test
    void buildVocabularyHonoursMinCountAndMaxSize() {
        List<String> corpus = List.of("a a a b b c", "a b d");
        Vocabulary v = words.buildVocabulary(corpus, 2, Vocabulary.UNLIMITED);
        assertEquals(List.of("<pad>", "<unk>", "a", "b"), v.tokens());
        Vocabulary one = words.buildVocabulary(corpus, 1, 3);
        assertEquals(List.of("<pad>", "<unk>", "a"), one.tokens());
        assertThrows(IllegalArgumentException.class, () -> words.buildVocabulary(java.util.Arrays.asList("a", null),
                1, 10));
    }
}
