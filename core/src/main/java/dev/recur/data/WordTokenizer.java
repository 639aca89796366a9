package dev.recur.data;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Words and punctuation. Text is (optionally) lower-cased with {@link Locale#ROOT}, split on Unicode whitespace
 * ({@link Character#isWhitespace} or {@link Character#isSpaceChar}, so no-break spaces too), and every
 * punctuation character ({@code [\p{Punct}]}: ASCII punctuation and symbols, plus Unicode punctuation
 * {@code \p{IsPunctuation}} such as {@code « — …}) becomes a token of its own, except an apostrophe
 * ({@code '} or {@code ’}) between two letters or digits, which stays inside the word: {@code "Don't stop, now!"}
 * gives {@code [don't, stop, ",", now, "!"]}. Decoding joins tokens with single spaces.
 */
public final class WordTokenizer implements Tokenizer {
    private final boolean lowerCase;

    /**
     * A word tokenizer.
     *
     * @param lowerCase whether to lower-case text (with {@link Locale#ROOT}) before splitting
     */
    public WordTokenizer(boolean lowerCase) {
        this.lowerCase = lowerCase;
    }

    /** Whether text is lower-cased before splitting. */
    public boolean lowerCase() {
        return lowerCase;
    }

    /**
     * Splits {@code text} into words and punctuation tokens.
     *
     * @param text the text
     * @return the tokens; empty for blank text
     */
    @Override
    public List<String> tokenize(String text) {
        if (text == null) {
            throw new IllegalArgumentException("tokenize: text must be a string, got null");
        }
        String s = lowerCase ? text.toLowerCase(Locale.ROOT) : text;
        List<String> out = new ArrayList<>();
        StringBuilder word = new StringBuilder();
        int i = 0;
        while (i < s.length()) {
            int cp = s.codePointAt(i);
            int next = i + Character.charCount(cp);
            if (isSpace(cp)) {
                flush(word, out);
            } else if (isPunctuation(cp) && !isInnerApostrophe(s, i, cp, next)) {
                flush(word, out);
                out.add(new String(Character.toChars(cp)));
            } else {
                word.appendCodePoint(cp);
            }
            i = next;
        }
        flush(word, out);
        return out;
    }

    /**
     * Joins the tokens with single spaces.
     *
     * @param tokens the tokens
     * @return the text
     */
    @Override
    public String join(List<String> tokens) {
        return String.join(" ", tokens);
    }

    @Override
    public String toString() {
        return "WordTokenizer(lowerCase=" + lowerCase + ")";
    }

    private static void flush(StringBuilder word, List<String> out) {
        if (word.length() > 0) {
            out.add(word.toString());
            word.setLength(0);
        }
    }

    private static boolean isSpace(int cp) {
        return Character.isWhitespace(cp) || Character.isSpaceChar(cp);
    }

    /** ASCII {@code \p{Punct}} (punctuation and symbols) or a Unicode punctuation category. */
    private static boolean isPunctuation(int cp) {
        if (cp < 128) {
            return cp > 32 && cp < 127 && !Character.isLetterOrDigit(cp);
        }
        switch (Character.getType(cp)) {
            case Character.CONNECTOR_PUNCTUATION:
            case Character.DASH_PUNCTUATION:
            case Character.START_PUNCTUATION:
            case Character.END_PUNCTUATION:
            case Character.INITIAL_QUOTE_PUNCTUATION:
            case Character.FINAL_QUOTE_PUNCTUATION:
            case Character.OTHER_PUNCTUATION:
                return true;
            default:
                return false;
        }
    }

    /** An apostrophe with a letter or digit right before and right after it. */
    private static boolean isInnerApostrophe(String s, int at, int cp, int next) {
        if (cp != '\'' && cp != '\u2019') {
            return false;
        }
        if (at == 0 || next >= s.length()) {
            return false;
        }
        return Character.isLetterOrDigit(s.codePointBefore(at)) && Character.isLetterOrDigit(s.codePointAt(next));
    }
}
