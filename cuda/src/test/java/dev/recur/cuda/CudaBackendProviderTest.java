package dev.recur.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.recur.backend.BackendProvider;
import dev.recur.backend.BackendUnavailableException;
import dev.recur.backend.Backends;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.ServiceLoader;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The provider is found, is cheap, and {@code create()} tells the truth on whatever machine runs the test: here
 * (no GPU) it names the missing piece and the fix; on a GPU machine it names the device it found.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class CudaBackendProviderTest {
    /** CpuBackendProvider.rank() (the cpu module is not a dependency of this one). */
    private static final int CPU_RANK = 10;

    /** Mapped files that would show native CUDA or JavaCPP code was loaded. */
    private static final Pattern NATIVE = Pattern.compile("libjnicudart|libcudart|libcuda\\.so|libjnijavacpp");

    /** Words every reason-and-fix message carries in its fix part. */
    private static final Pattern FIX_HINT = Pattern.compile(
            "install|LD_LIBRARY_PATH|use the cpu backend|-Drecur\\.|CUDA_VISIBLE_DEVICES|update|reboot|class path");

    @Test
    @Order(1)
    void constructingTheProviderLoadsNoNativeLibrary() throws IOException {
        List<String> before = mappedNativeLibraries();
        long start = System.nanoTime();
        CudaBackendProvider p = new CudaBackendProvider();
        assertEquals("cuda", p.name());
        assertTrue(p.rank() > CPU_RANK, "cuda must rank above cpu, got " + p.rank());
        List<String> listed = Backends.providers().stream().map(BackendProvider::name).collect(Collectors.toList());
        long millis = (System.nanoTime() - start) / 1_000_000;
        assertTrue(listed.contains("cuda"), "Backends.providers() lists " + listed);
        assertTrue(millis < 2000, "constructing and listing providers took " + millis + " ms");
        assertEquals(before, mappedNativeLibraries(), "native libraries were loaded by constructing the provider");
    }

    @Test
    @Order(2)
    void serviceLoaderFindsTheProvider() {
        List<BackendProvider> found = ServiceLoader.load(BackendProvider.class).stream()
                .map(ServiceLoader.Provider::get).filter(p -> p.name().equals("cuda")).collect(Collectors.toList());
        assertEquals(1, found.size(), "providers named cuda");
        assertTrue(found.get(0) instanceof CudaBackendProvider);
        assertEquals(20, found.get(0).rank());
    }

    @Test
    @Order(3)
    void createTellsWhatThisMachineLacksOrOpensTheDevice() {
        CudaBackendProvider p = new CudaBackendProvider();
        CudaProbe.Result r = CudaProbe.probe();
        long start = System.nanoTime();
        if (r.usable()) {
            // A GPU machine with cuBLAS and NVRTC: the backend opens and names the device and the libraries.
            assertNotNull(r.device());
            assertTrue(r.deviceCount() > 0 && r.driverVersion() > 0 && r.runtimeVersion() > 0, r.toString());
            try (CudaBackend be = (CudaBackend) p.create()) {
                String d = be.describe();
                System.out.printf(Locale.ROOT, "cuda create() [%d ms]:%n%s", (System.nanoTime() - start) / 1_000_000, d);
                assertTrue(d.contains(r.device().name()), d);
                assertTrue(d.contains("cuBLAS") && d.contains("NVRTC") && d.contains("cuDNN"), d);
            }
            return;
        }
        BackendUnavailableException e = assertThrows(BackendUnavailableException.class, p::create);
        long millis = (System.nanoTime() - start) / 1_000_000;
        String msg = e.getMessage();
        System.out.printf(Locale.ROOT, "cuda create() [%d ms, probe %d ms]: %s%n", millis, r.nanos() / 1_000_000, msg);
        assertNotNull(msg);
        assertFalse(msg.isBlank());
        assertTrue(FIX_HINT.matcher(msg).find(), "no fix hint in: " + msg);
        assertFalse(msg.contains("\n"), "one line for Backends.describe(): " + msg);
        assertEquals(r.failure(), msg);
        assertNotNull(r.failedAt());
        if (r.failedAt() == CudaProbe.Stage.DRIVER) {
            assertTrue(msg.startsWith("no NVIDIA driver (libcuda.so.1 not found)"), msg);
        }
        if (!Files.exists(Path.of("/dev/nvidiactl")) && !Files.exists(Path.of("/dev/dxg"))) {
            assertFalse(r.usable(), "no NVIDIA device node, yet the probe passed: " + r);
        }
    }

    @Test
    @Order(4)
    void createGivesTheSameAnswerAgain() {
        // A failed JavaCPP load leaves only "Could not initialize class" behind: the first reason must be kept.
        CudaProbe.Result r = CudaProbe.probe();
        Assumptions.assumeFalse(r.usable(), "the probe passed on this machine: create() opens the device instead");
        CudaBackendProvider p = new CudaBackendProvider();
        String first = assertThrows(BackendUnavailableException.class, p::create).getMessage();
        String second = assertThrows(BackendUnavailableException.class, p::create).getMessage();
        assertEquals(first, second);
        assertFalse(second.contains("Could not initialize class"), second);
        assertSame(CudaProbe.probe(), CudaProbe.probe());
    }

    @Test
    @Order(5)
    void backendsDescribeListsCudaWithItsReason() {
        String d = Backends.describe();
        String line = d.lines().filter(l -> l.trim().startsWith("cuda")).findFirst().orElse(null);
        assertNotNull(line, d);
        assertTrue(line.contains("rank  20"), line);
        CudaProbe.Result r = CudaProbe.probe();
        if (!r.usable()) {
            assertTrue(line.contains("unavailable: "), line);
            assertTrue(line.contains(r.failure()), line);
        }
    }

    private static List<String> mappedNativeLibraries() throws IOException {
        Path maps = Path.of("/proc/self/maps");
        if (!Files.isReadable(maps)) {
            return List.of();
        }
        try (Stream<String> lines = Files.lines(maps)) {
            return lines.filter(l -> NATIVE.matcher(l).find()).map(l -> l.substring(l.lastIndexOf(' ') + 1))
                    .distinct().sorted().collect(Collectors.toList());
        }
    }
}
