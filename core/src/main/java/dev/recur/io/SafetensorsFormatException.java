package dev.recur.io;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A file that is not valid safetensors. The message names the file, the item at fault (the header length, a
 * tensor and its field, or {@code __metadata__}), what was expected and what was found, for example
 * {@code /data/a.safetensors: tensor "w": unknown dtype: expected one of F32, F64, F16, BF16, I64, I32, got "Q4"}.
 */
public class SafetensorsFormatException extends IOException {
    private static final long serialVersionUID = 1L;

    /** The file that was being read; not serialized, as {@link Path} is not serializable. */
    private final transient Path file;

    /**
     * A format error in {@code file}.
     *
     * @param file   the file being read
     * @param detail the item at fault, what was expected and what was found
     */
    public SafetensorsFormatException(Path file, String detail) {
        this(file, detail, null);
    }

    /**
     * A format error in {@code file} caused by {@code cause} (a JSON syntax or UTF-8 decoding error).
     *
     * @param file   the file being read
     * @param detail the item at fault, what was expected and what was found
     * @param cause  the underlying error, or {@code null}
     */
    public SafetensorsFormatException(Path file, String detail, Throwable cause) {
        super(file + ": " + detail, cause);
        this.file = file;
    }

    /** The file that is not valid safetensors. */
    public Path file() {
        return file;
    }
}
