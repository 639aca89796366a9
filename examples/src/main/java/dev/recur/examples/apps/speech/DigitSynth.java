package dev.recur.examples.apps.speech;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.IntConsumer;

/**
 * Spoken digits from {@code espeak-ng}: {@code espeak-ng -v ACCENT+VARIANT -s SPEED -p PITCH -w FILE WORD}, one
 * process per utterance, several at a time, each WAV written once into a cache folder (under a name made of its
 * parameters) and reused after. Nothing is installed from here: when the binary cannot be started the calls
 * throw {@link EspeakMissingException}, naming the package and {@code tools/install-espeak-ng.sh}.
 */
public final class DigitSynth {
    /** The binary's default name (looked up on the PATH). */
    public static final String DEFAULT_BINARY = "espeak-ng";
    /** The words, by class. */
    public static final List<String> WORDS = List.of("zero", "one", "two", "three", "four", "five", "six", "seven",
            "eight", "nine");

    /**
     * One utterance to synthesise.
     *
     * @param accent  an espeak-ng voice (language) such as {@code en-us}
     * @param variant a voice variant such as {@code m3}
     * @param digit   0..9
     * @param speed   words per minute ({@code -s})
     * @param pitch   0..99 ({@code -p})
     */
    public record Utterance(String accent, String variant, int digit, int speed, int pitch) {
        /** {@code ACCENT+VARIANT}, the {@code -v} argument and the speaker's name. */
        public String voice() {
            return accent + "+" + variant;
        }

        /** The spoken word. */
        public String word() {
            return WORDS.get(digit);
        }

        /** The cache file's name. */
        public String fileName() {
            return String.format(Locale.ROOT, "%s_%s_s%d_p%d_%s.wav", accent, variant, speed, pitch, word())
                    .replaceAll("[^A-Za-z0-9_.+-]", "_");
        }
    }

    private final String binary;

    /** espeak-ng from the PATH. */
    public DigitSynth() {
        this(DEFAULT_BINARY);
    }

    /** A given binary (a name on the PATH or a path). */
    public DigitSynth(String binary) {
        this.binary = binary;
    }

    /** The binary. */
    public String binary() {
        return binary;
    }

    /**
     * The first line of {@code espeak-ng --version}.
     *
     * @throws EspeakMissingException when the binary cannot be started
     */
    public String version() throws IOException {
        return run(List.of(binary, "--version")).lines().findFirst().orElse("").strip();
    }

    /** The variant names {@code --voices=variant} lists (its file column without {@code !v/}), sorted. */
    public List<String> variants() throws IOException {
        return parseVariants(run(List.of(binary, "--voices=variant")));
    }

    /**
     * The variants of a {@code --voices=variant} listing: the file column's name after {@code !v/}, without the
     * "other languages" that may follow; names with spaces (which {@code -v A+B} cannot take) are left out.
     */
    static List<String> parseVariants(String listing) {
        TreeSet<String> out = new TreeSet<>();
        listing.lines().forEach(l -> {
            int at = l.indexOf("!v/");
            if (at >= 0) {
                String name = l.substring(at + 3).replaceFirst("\\(.*$", "").strip();
                if (name.matches("[A-Za-z0-9_-]+")) {
                    out.add(name);
                }
            }
        });
        return List.copyOf(out);
    }

    /** The language names {@code --voices=LANG} lists (the second column), sorted. */
    public List<String> languages(String lang) throws IOException {
        TreeSet<String> out = new TreeSet<>();
        for (String[] row : table(run(List.of(binary, "--voices=" + lang)))) {
            if (row.length >= 5 && !row[4].startsWith("mb/") && !row[4].startsWith("!v/")) { // MBROLA needs more
                out.add(row[1]);
            }
        }
        return List.copyOf(out);
    }

    private static List<String[]> table(String text) {
        List<String[]> rows = new ArrayList<>();
        text.lines().skip(1).forEach(l -> {
            if (!l.isBlank()) {
                rows.add(l.strip().split("\\s+"));
            }
        });
        return rows;
    }

    /**
     * Synthesises every utterance whose WAV is not yet in {@code cache}, {@code threads} processes at a time.
     *
     * @param done called with the number of utterances finished so far (from worker threads)
     * @return the WAV of each utterance, in order
     * @throws EspeakMissingException when the binary cannot be started
     * @throws IOException            when espeak-ng fails on an utterance (its message included)
     */
    public List<Path> synthesise(List<Utterance> utterances, Path cache, int threads, IntConsumer done)
            throws IOException {
        Files.createDirectories(cache);
        List<Path> files = new ArrayList<>(utterances.size());
        List<Integer> todo = new ArrayList<>();
        for (int i = 0; i < utterances.size(); i++) {
            Path f = cache.resolve(utterances.get(i).fileName());
            files.add(f);
            if (!Files.isRegularFile(f) || Files.size(f) <= 44) {
                todo.add(i);
            }
        }
        if (todo.isEmpty()) {
            return files;
        }
        version(); // fails with the install hint before starting any worker
        ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, threads), r -> {
            Thread t = new Thread(r, "espeak-ng");
            t.setDaemon(true);
            return t;
        });
        java.util.concurrent.atomic.AtomicInteger count = new java.util.concurrent.atomic.AtomicInteger(
                utterances.size() - todo.size());
        try {
            List<Future<Void>> futures = new ArrayList<>();
            for (int i : todo) {
                Utterance u = utterances.get(i);
                Path target = files.get(i);
                futures.add(pool.submit(() -> {
                    Path tmp = target.resolveSibling(target.getFileName() + "." + Thread.currentThread().getId()
                            + ".tmp");
                    run(List.of(binary, "-v", u.voice(), "-s", Integer.toString(u.speed()), "-p",
                            Integer.toString(u.pitch()), "-w", tmp.toString(), u.word()));
                    if (!Files.isRegularFile(tmp) || Files.size(tmp) <= 44) {
                        throw new IOException("espeak-ng wrote no audio for " + u);
                    }
                    Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
                    done.accept(count.incrementAndGet());
                    return null;
                }));
            }
            for (Future<Void> f : futures) {
                f.get();
            }
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof IOException io) {
                throw io;
            }
            throw new IOException("espeak-ng: " + c, c);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("espeak-ng: interrupted", e);
        } finally {
            pool.shutdownNow();
        }
        return files;
    }

    /** Runs a command, returns its standard output; throws with its output when it fails or takes over a minute. */
    private String run(List<String> command) throws IOException {
        Process p;
        try {
            p = new ProcessBuilder(command).redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new EspeakMissingException(binary, e);
        }
        try (InputStream in = p.getInputStream()) {
            p.getOutputStream().close();
            String text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException("espeak-ng took over a minute: " + String.join(" ", command));
            }
            if (p.exitValue() != 0) {
                throw new IOException("espeak-ng failed (exit " + p.exitValue() + "): " + String.join(" ", command)
                        + ": " + text.strip());
            }
            return text;
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("espeak-ng: interrupted", e);
        }
    }
}
