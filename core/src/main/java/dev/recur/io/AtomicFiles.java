package dev.recur.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Writes a file so that a crash at any moment leaves either the old file or the new one: the content goes to
 * a temporary file beside the target, is forced to disk, and is renamed over the target ({@code ATOMIC_MOVE},
 * else {@code REPLACE_EXISTING}). On failure the temporary file is removed and the target is left as it was.
 * Every file Recur writes that a user keeps (checkpoints, weights, vocabularies, charts) goes through here.
 */
public final class AtomicFiles {
    /** Writes the content into an open channel. */
    @FunctionalInterface
    public interface Content {
        /** Writes everything; the channel is forced and closed afterwards. */
        void writeTo(FileChannel channel) throws IOException;
    }

    private AtomicFiles() {
    }

    /** Writes {@code bytes} to {@code path} atomically, creating missing parent folders. */
    public static void write(Path path, byte[] bytes) throws IOException {
        write(path, channel -> writeFully(channel, ByteBuffer.wrap(bytes)));
    }

    /** Writes what {@code content} produces to {@code path} atomically, creating missing parent folders. */
    public static void write(Path path, Content content) throws IOException {
        Path target = path.toAbsolutePath();
        if (target.getParent() != null) {
            Files.createDirectories(target.getParent());
        }
        Path temp = target.resolveSibling("." + target.getFileName() + "."
                + Long.toUnsignedString(ThreadLocalRandom.current().nextLong(), 36) + ".tmp");
        try {
            // CREATE_NEW (not Files.createTempFile) so that the file gets the usual permissions, not 0600.
            try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.CREATE_NEW,
                    StandardOpenOption.WRITE)) {
                content.writeTo(channel);
                channel.force(true);
            }
            try {
                Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (Throwable t) {
            try {
                Files.deleteIfExists(temp);
            } catch (IOException cleanup) {
                t.addSuppressed(cleanup);
            }
            throw t;
        }
    }

    /** Writes the whole buffer (a channel may write less than asked). */
    public static void writeFully(FileChannel channel, ByteBuffer buffer) throws IOException {
        while (buffer.hasRemaining()) {
            channel.write(buffer);
        }
    }
}
