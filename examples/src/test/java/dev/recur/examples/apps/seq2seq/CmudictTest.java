package dev.recur.examples.apps.seq2seq;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Parsing dict.txt (variants, punctuation and stress dropped) and the letter-by-letter baseline. */
class CmudictTest {
    static final String DICT = String.join("\n",
            ";;; a comment",
            "!EXCLAMATION-POINT  EH2 K S K L AH0 M EY1 SH AH0 N P OY2 N T",
            "A  AH0",
            "A(1)  EY1",
            "A.  EY1",
            "AARDVARK  AA1 R D V AA2 R K",
            "BALL  B AO1 L",
            "CAT  K AE1 T",
            "DOG  D AO1 G",
            "LOG  L AO1 G",
            "O'NEIL  OW0 N IY1 L",
            "TOMATO  T AH0 M EY1 T OW2",
            "TOMATO(1)  T AH0 M AA1 T OW2",
            "");

    @Test
    void keepsTheFirstPronunciationOfEachWordWithoutStress() {
        List<Seq2SeqExample.Pair> pairs = Cmudict.parse(DICT, 20);
        assertEquals(List.of(new Seq2SeqExample.Pair("a", "AH"), new Seq2SeqExample.Pair("aardvark", "AA R D V AA R K"),
                new Seq2SeqExample.Pair("ball", "B AO L"), new Seq2SeqExample.Pair("cat", "K AE T"),
                new Seq2SeqExample.Pair("dog", "D AO G"), new Seq2SeqExample.Pair("log", "L AO G"),
                new Seq2SeqExample.Pair("o'neil", "OW N IY L"),
                new Seq2SeqExample.Pair("tomato", "T AH M EY T OW")), pairs);
        assertEquals(7, Cmudict.parse(DICT, 7).size());
    }

    @Test
    void baselineReadsLetterByLetter() {
        Cmudict.LetterRules rules = new Cmudict.LetterRules(Cmudict.parse(DICT, 20));
        assertEquals("K AE T", rules.predict("cat"));
        assertEquals("D AO G", rules.predict("dog"));
        // "ll" reads once; letters never seen in a same-length word are skipped.
        assertEquals("K AE L", rules.predict("call"));
    }
}
