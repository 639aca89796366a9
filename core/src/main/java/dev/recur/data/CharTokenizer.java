package dev.recur.data;

import java.util.ArrayList;
import java.util.List;

/**
 * One token per Unicode code point, so a character outside the Basic Multilingual Plane ({@code "😀"}, two UTF-16
 * chars) is one token. Whitespace and newlines are tokens like any other; nothing is normalised. Decoding
 * concatenates.
 */
public final class CharTokenizer implements Tokenizer {
    /** A character tokenizer (stateless). */
    public CharTokenizer() {
    }

    /**
     * Splits {@code text} into its code points.
     *
     * @param text the text
     * @return one string per code point
     */
    @Override
    public List<String> tokenize(String text) {
        if (text == null) {
            throw new IllegalArgumentException("tokenize: text must be a string, got null");
        }
        List<String> out = new ArrayList<>(text.length());
        text.codePoints().forEach(cp -> out.add(new String(Character.toChars(cp))));
        return out;
    }

    /**
     * Concatenates the tokens.
     *
     * @param tokens the tokens
     * @return the text
     */
    @Override
    public String join(List<String> tokens) {
        return String.join("", tokens);
    }

    @Override
    public String toString() {
        return "CharTokenizer";
    }
}
