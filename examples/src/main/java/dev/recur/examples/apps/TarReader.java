package dev.recur.examples.apps;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.function.Predicate;
import java.util.zip.GZIPInputStream;

/**
 * A minimal reader of tar archives (POSIX ustar, with the GNU long-name {@code L} and pax {@code x} path
 * records that npm tarballs may hold): enough to take a few regular files out of a package tarball. Pure Java:
 * {@link GZIPInputStream} for {@code .tgz}. Directories, links and other entries are skipped.
 */
public final class TarReader {
    private static final int BLOCK = 512;
    /** The largest entry read into memory (the datasets here are a few MB). */
    static final long MAX_ENTRY = 256L << 20;

    private TarReader() {
    }

    /** The regular files of a gzip-compressed tar stream whose path {@code wanted} accepts, path → bytes. */
    public static Map<String, byte[]> readTarGz(InputStream in, Predicate<String> wanted) throws IOException {
        return read(new GZIPInputStream(in, 1 << 16), wanted);
    }

    /**
     * The regular files of an uncompressed tar stream whose path {@code wanted} accepts, in archive order.
     *
     * @throws IOException for a truncated archive, a bad header checksum or a size field that is not octal
     */
    public static Map<String, byte[]> read(InputStream in, Predicate<String> wanted) throws IOException {
        Map<String, byte[]> out = new LinkedHashMap<>();
        byte[] header = new byte[BLOCK];
        String longName = null;
        long offset = 0;
        while (true) {
            if (!readBlock(in, header)) {
                return out; // end of stream without the two zero blocks: accepted, as GNU tar does
            }
            if (isZero(header)) {
                return out; // end-of-archive marker
            }
            checkChecksum(header, offset);
            String name = string(header, 0, 100);
            long size = octal(header, 124, 12, offset);
            char type = (char) header[156];
            if (string(header, 257, 5).equals("ustar")) {
                String prefix = string(header, 345, 155);
                if (!prefix.isEmpty()) {
                    name = prefix + "/" + name;
                }
            }
            offset += BLOCK;
            boolean regular = type == '0' || type == '\0' || type == '7';
            boolean meta = type == 'L' || type == 'x';
            boolean keep = (regular && wanted.test(longName != null ? longName : name)) || meta;
            byte[] data = keep ? readBytes(in, size, name) : null;
            if (!keep) {
                skip(in, size, name);
            }
            long padded = (size + BLOCK - 1) / BLOCK * BLOCK;
            skip(in, padded - size, name);
            offset += padded;
            if (type == 'L') {
                longName = string(data, 0, data.length);
                continue;
            }
            if (type == 'x') {
                String path = paxPath(data);
                if (path != null) {
                    longName = path;
                }
                continue;
            }
            if (regular && data != null) {
                out.put(longName != null ? longName : name, data);
            }
            longName = null;
        }
    }

    /** The {@code path} record of a pax extended header, or null. Records are "LEN key=value\n". */
    private static String paxPath(byte[] data) {
        String s = new String(data, StandardCharsets.UTF_8);
        int i = 0;
        while (i < s.length()) {
            int space = s.indexOf(' ', i);
            if (space < 0) {
                return null;
            }
            int len = Integer.parseInt(s.substring(i, space).trim());
            String record = s.substring(space + 1, Math.min(s.length(), i + len)).stripTrailing();
            if (record.startsWith("path=")) {
                return record.substring(5);
            }
            i += len;
        }
        return null;
    }

    private static boolean readBlock(InputStream in, byte[] block) throws IOException {
        int n = in.readNBytes(block, 0, BLOCK);
        if (n == 0) {
            return false;
        }
        if (n < BLOCK) {
            throw new EOFException("tar: truncated header (" + n + " of 512 bytes)");
        }
        return true;
    }

    private static byte[] readBytes(InputStream in, long size, String name) throws IOException {
        if (size > MAX_ENTRY) {
            throw new IOException("tar: entry " + name + " is " + size + " bytes, more than the " + MAX_ENTRY
                    + " this reader takes");
        }
        byte[] data = in.readNBytes((int) size);
        if (data.length < size) {
            throw new EOFException("tar: entry " + name + " is truncated: " + data.length + " of " + size
                    + " bytes");
        }
        return data;
    }

    private static void skip(InputStream in, long n, String name) throws IOException {
        long left = n;
        while (left > 0) {
            long s = in.skip(left);
            if (s <= 0) {
                if (in.read() < 0) {
                    throw new EOFException("tar: entry " + name + " is truncated");
                }
                s = 1;
            }
            left -= s;
        }
    }

    private static boolean isZero(byte[] b) {
        for (byte x : b) {
            if (x != 0) {
                return false;
            }
        }
        return true;
    }

    private static void checkChecksum(byte[] h, long offset) throws IOException {
        long stored = octal(h, 148, 8, offset);
        long sum = 0;
        for (int i = 0; i < BLOCK; i++) {
            sum += (i >= 148 && i < 156) ? ' ' : (h[i] & 0xff);
        }
        if (sum != stored) {
            throw new IOException(String.format(Locale.ROOT,
                    "tar: header at offset %d has checksum %d, its bytes sum to %d (not a tar archive, or corrupt)",
                    offset, stored, sum));
        }
    }

    /** A NUL- or space-terminated octal number. */
    private static long octal(byte[] h, int from, int len, long offset) throws IOException {
        long v = 0;
        int i = from;
        int end = from + len;
        while (i < end && (h[i] == ' ' || h[i] == 0)) {
            i++;
        }
        for (; i < end && h[i] != 0 && h[i] != ' '; i++) {
            if (h[i] < '0' || h[i] > '7') {
                throw new IOException(String.format(Locale.ROOT,
                        "tar: header at offset %d has a non-octal number field at byte %d: \"%s\"", offset, from,
                        new String(h, from, len, StandardCharsets.ISO_8859_1).trim()));
            }
            v = v * 8 + (h[i] - '0');
        }
        return v;
    }

    private static String string(byte[] b, int from, int len) {
        int end = from;
        while (end < from + len && b[end] != 0) {
            end++;
        }
        return new String(b, from, end - from, StandardCharsets.UTF_8);
    }

    /**
     * Writes a ustar archive of the given files (path → bytes), uncompressed; for tests and small fixtures.
     * Paths must fit the 100-byte name field.
     */
    static byte[] write(Map<String, byte[]> files) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (Map.Entry<String, byte[]> e : files.entrySet()) {
            byte[] name = e.getKey().getBytes(StandardCharsets.UTF_8);
            if (name.length > 100) {
                throw new IllegalArgumentException("tar: path longer than 100 bytes: " + e.getKey());
            }
            byte[] h = new byte[BLOCK];
            System.arraycopy(name, 0, h, 0, name.length);
            putOctal(h, 100, 8, 0644);
            putOctal(h, 108, 8, 0);
            putOctal(h, 116, 8, 0);
            putOctal(h, 124, 12, e.getValue().length);
            putOctal(h, 136, 12, 499162500L);
            h[156] = '0';
            System.arraycopy("ustar\0".getBytes(StandardCharsets.US_ASCII), 0, h, 257, 6);
            h[263] = '0';
            h[264] = '0';
            java.util.Arrays.fill(h, 148, 156, (byte) ' ');
            long sum = 0;
            for (byte x : h) {
                sum += x & 0xff;
            }
            putOctal(h, 148, 7, sum);
            out.writeBytes(h);
            out.writeBytes(e.getValue());
            int pad = (BLOCK - e.getValue().length % BLOCK) % BLOCK;
            out.writeBytes(new byte[pad]);
        }
        out.writeBytes(new byte[2 * BLOCK]);
        return out.toByteArray();
    }

    private static void putOctal(byte[] h, int from, int len, long v) {
        String s = String.format(Locale.ROOT, "%0" + (len - 1) + "o", v);
        byte[] b = s.getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(b, 0, h, from, b.length);
        h[from + len - 1] = 0;
    }
}
