package dev.recur.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Compiles every {@code .cu} kernel source with {@code nvcc} for sm_80 and sm_90 (cubin, warnings as errors), so
 * a kernel that does not compile fails the build on a machine without a GPU; and checks, from the PTX, that every
 * kernel {@link Kernel} names exists with exactly the parameter types its signature declares (the launcher packs
 * arguments by that signature, so a mismatch would corrupt a launch). Reported skipped when no nvcc is found on
 * the PATH, in {@code $CUDA_HOME/bin} or in {@code /usr/local/cuda/bin}.
 */
class KernelNvccCompileTest {
    private static final Path KERNELS = Path.of("src", "main", "resources", "dev", "recur", "cuda", "kernels");
    private static final List<String> ARCHS = List.of("sm_80", "sm_90");
    private static final Pattern ENTRY = Pattern.compile("\\.entry\\s+(\\w+)\\s*\\(([^)]*)\\)", Pattern.DOTALL);
    private static final Pattern PARAM = Pattern.compile("\\.param\\s+\\.(\\w+)\\s+\\w+");
    private static final Pattern INCLUDE = Pattern.compile("^\\s*#\\s*include\\s*[<\"]([^>\"]+)[>\"]",
            Pattern.MULTILINE);

    /** nvcc, or null. */
    static Path findNvcc() {
        List<Path> candidates = new ArrayList<>();
        String path = System.getenv("PATH");
        if (path != null) {
            for (String dir : path.split(java.io.File.pathSeparator)) {
                if (!dir.isEmpty()) {
                    candidates.add(Path.of(dir, "nvcc"));
                }
            }
        }
        String home = System.getenv("CUDA_HOME");
        if (home != null && !home.isBlank()) {
            candidates.add(Path.of(home, "bin", "nvcc"));
        }
        candidates.add(Path.of("/usr/local/cuda/bin/nvcc"));
        return candidates.stream().filter(Files::isExecutable).findFirst().orElse(null);
    }

    private static List<Path> sources() throws IOException {
        try (Stream<Path> s = Files.list(KERNELS)) {
            return s.filter(p -> p.toString().endsWith(".cu")).sorted().collect(Collectors.toList());
        }
    }

    @Test
    void kernelTableAndSourcesAgree() throws IOException {
        Set<String> onDisk = sources().stream().map(p -> p.getFileName().toString().replace(".cu", ""))
                .collect(Collectors.toCollection(TreeSet::new));
        assertEquals(new TreeSet<>(Kernel.FILES), onDisk, "Kernel.FILES must list every .cu file in " + KERNELS);
        for (Kernel k : Kernel.values()) {
            assertTrue(Kernel.FILES.contains(k.file()), k + " names an unknown file " + k.file());
            assertTrue(k.signature().matches("[Plifd]+"), k + " has a bad signature " + k.signature());
        }
        assertTrue(Files.isRegularFile(KERNELS.resolve(Kernel.COMMON_HEADER)));
    }

    @Test
    void sourcesIncludeOnlyTheCommonHeader() throws IOException {
        // NVRTC compiles them at run time without the CUDA or C++ standard headers.
        for (Path f : sources()) {
            Matcher m = INCLUDE.matcher(Files.readString(f, StandardCharsets.UTF_8));
            while (m.find()) {
                assertEquals(Kernel.COMMON_HEADER, m.group(1), f + " includes " + m.group(1)
                        + ": NVRTC has no system headers; put shared code in " + Kernel.COMMON_HEADER);
            }
        }
    }

    @TestFactory
    Stream<DynamicTest> everyKernelCompilesWithNvcc() throws IOException {
        Path nvcc = findNvcc();
        List<DynamicTest> tests = new ArrayList<>();
        for (Path src : sources()) {
            for (String arch : ARCHS) {
                tests.add(DynamicTest.dynamicTest(src.getFileName() + " " + arch, () -> {
                    Assumptions.assumeTrue(nvcc != null, "nvcc not found on the PATH, in $CUDA_HOME/bin or in "
                            + "/usr/local/cuda/bin: the kernels were not compiled here");
                    Path out = Files.createTempFile("recur-" + arch, ".cubin");
                    try {
                        Result r = nvcc(nvcc, "-arch=" + arch, "-cubin", "-Werror", "all-warnings", "-I",
                                KERNELS.toString(), "-o", out.toString(), src.toString());
                        assertEquals(0, r.code, "nvcc -arch=" + arch + " " + src.getFileName() + " failed:\n" + r.output);
                        assertTrue(Files.size(out) > 0, "nvcc wrote an empty cubin for " + src);
                        System.out.printf(Locale.ROOT, "nvcc %s %s: ok (%d bytes)%n", arch, src.getFileName(),
                                Files.size(out));
                    } finally {
                        Files.deleteIfExists(out);
                    }
                }));
            }
            tests.add(DynamicTest.dynamicTest(src.getFileName() + " signatures", () -> {
                Assumptions.assumeTrue(nvcc != null, "nvcc not found: the kernel signatures were not checked");
                checkSignatures(nvcc, src);
            }));
        }
        return tests.stream();
    }

    /** Compiles to PTX and compares every {@code .entry} with the Kernel table's signature for that file. */
    private static void checkSignatures(Path nvcc, Path src) throws Exception {
        Path ptx = Files.createTempFile("recur", ".ptx");
        try {
            Result r = nvcc(nvcc, "-arch=sm_80", "-ptx", "-I", KERNELS.toString(), "-o", ptx.toString(),
                    src.toString());
            assertEquals(0, r.code, "nvcc -ptx " + src.getFileName() + " failed:\n" + r.output);
            Map<String, String> entries = new LinkedHashMap<>();
            Matcher m = ENTRY.matcher(Files.readString(ptx));
            while (m.find()) {
                StringBuilder sig = new StringBuilder();
                Matcher p = PARAM.matcher(m.group(2));
                while (p.find()) {
                    sig.append(p.group(1)).append(' ');
                }
                entries.put(m.group(1), sig.toString().trim());
            }
            String file = src.getFileName().toString().replace(".cu", "");
            List<Kernel> declared = Arrays.stream(Kernel.values()).filter(k -> k.file().equals(file))
                    .collect(Collectors.toList());
            assertFalse(entries.isEmpty(), "no kernels in " + src);
            for (Kernel k : declared) {
                String ptxSig = entries.get(k.function());
                assertTrue(ptxSig != null, k + ": no kernel " + k.function() + " in " + src + " (found " + entries.keySet()
                        + ")");
                assertEquals(ptxTypes(k.signature()), ptxSig, k + ": Kernel signature " + k.signature()
                        + " does not match the parameters of " + k.function() + " in " + src.getFileName());
            }
            System.out.printf(Locale.ROOT, "ptx %s: %d kernels, %d launched from Java, signatures match%n",
                    src.getFileName(), entries.size(), declared.size());
        } finally {
            Files.deleteIfExists(ptx);
        }
    }

    /** The PTX parameter types a signature means: P and l are u64, i u32, f f32, d f64. */
    static String ptxTypes(String signature) {
        return signature.chars().mapToObj(c -> switch (c) {
            case 'P', 'l' -> "u64";
            case 'i' -> "u32";
            case 'f' -> "f32";
            case 'd' -> "f64";
            default -> "?";
        }).collect(Collectors.joining(" "));
    }

    @Test
    void ptxTypesOfASignature() {
        assertEquals("u64 u32 f32 f64 u64", ptxTypes("Pifdl"));
    }

    private record Result(int code, String output) {
    }

    private static Result nvcc(Path nvcc, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        // The build shares the machine: compile at low priority where nice exists.
        if (Files.isExecutable(Path.of("/usr/bin/nice"))) {
            cmd.addAll(List.of("/usr/bin/nice", "-n", "10"));
        }
        cmd.add(nvcc.toString());
        cmd.addAll(Arrays.asList(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(300, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            return new Result(-1, "nvcc timed out after 300 s: " + String.join(" ", cmd));
        }
        return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
    }
}
