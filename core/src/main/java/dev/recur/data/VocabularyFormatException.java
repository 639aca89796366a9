package dev.recur.data;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A vocabulary file that cannot be loaded: not UTF-8, not JSON (a truncated file, for example), or JSON that
 * does not describe a vocabulary. The message names the file, the item at fault, what was expected and what
 * was found, for example {@code /runs/a/vocab.json: "tokens"[1]: expected "<unk>", found "the"}.
 */
public class VocabularyFormatException extends IOException {
    private static final long serialVersionUID = 1L;

    /** The file that was being read; not serialized, as {@link Path} is not serializable. */
    private final transient Path file;

    /**
     * A format error in {@code file}.
     *
     * @param file   the file being read
     * @param detail the item at fault, what was expected and what was found
     * @param cause  the underlying error (JSON syntax, UTF-8 decoding), or {@code null}
     */
    public VocabularyFormatException(Path file, String detail, Throwable cause) {
        super(file + ": " + detail, cause);
        this.file = file;
    }

    /** The file that could not be loaded. */
    public Path file() {
        return file;
    }
}
