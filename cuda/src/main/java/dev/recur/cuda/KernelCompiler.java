package dev.recur.cuda;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import org.bytedeco.cuda.global.nvrtc;
import org.bytedeco.cuda.nvrtc._nvrtcProgram;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.PointerPointer;
import org.bytedeco.javacpp.SizeTPointer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Compiles the {@code .cu} resources with NVRTC for the device at hand, and keeps the result on disk.
 *
 * <p>Target: a cubin for {@code sm_XY} when NVRTC supports the device's compute capability {@code X.Y}; else PTX
 * for the newest {@code compute_XY} it supports below it, which the driver compiles on load (a device newer than
 * the NVRTC). Cache: {@code <dir>/<file>-<key>-<arch>.<cubin|ptx>} where key is the first 16 hex digits of
 * SHA-256 over the source, the common header, the NVRTC options and the NVRTC version, so a changed kernel, option
 * or compiler never reuses a stale image. Files are written to a temporary name and moved into place, so
 * concurrent JVMs at worst compile twice. An unusable cache folder only costs a compile per process (logged).
 */
final class KernelCompiler {
    private static final Logger LOG = LoggerFactory.getLogger(KernelCompiler.class);

    /** The compiled image of one source file. */
    record Image(String file, byte[] bytes, boolean ptx, String arch, boolean fromCache, long compileNanos) {
    }

    private final Path cacheDir;
    private final int nvrtcMajor;
    private final int nvrtcMinor;
    private final int[] supportedArchs;

    /**
     * @param cacheDir       the cache folder (created on first write)
     * @param nvrtcMajor     NVRTC version, major
     * @param nvrtcMinor     NVRTC version, minor
     * @param supportedArchs {@code nvrtcGetSupportedArchs}, e.g. {75, 80, 86, 89, 90, 100, 120}
     */
    KernelCompiler(Path cacheDir, int nvrtcMajor, int nvrtcMinor, int[] supportedArchs) {
        this.cacheDir = cacheDir;
        this.nvrtcMajor = nvrtcMajor;
        this.nvrtcMinor = nvrtcMinor;
        this.supportedArchs = supportedArchs.clone();
    }

    /** Queries NVRTC's version and supported architectures (NVRTC bindings must be loadable). */
    static KernelCompiler create(Path cacheDir) {
        int[] major = {0};
        int[] minor = {0};
        CudaCalls.checkNvrtc(nvrtc.nvrtcVersion(major, minor), "nvrtcVersion", null);
        int[] n = {0};
        CudaCalls.checkNvrtc(nvrtc.nvrtcGetNumSupportedArchs(n), "nvrtcGetNumSupportedArchs", null);
        int[] archs = new int[n[0]];
        if (n[0] > 0) {
            CudaCalls.checkNvrtc(nvrtc.nvrtcGetSupportedArchs(archs), "nvrtcGetSupportedArchs", null);
        }
        return new KernelCompiler(cacheDir, major[0], minor[0], archs);
    }

    /** "13.1". */
    String nvrtcVersion() {
        return nvrtcMajor + "." + nvrtcMinor;
    }

    /**
     * The target for a device of compute capability {@code cc} (major * 10 + minor): "sm_90" when supported,
     * else "compute_XY" of the newest supported arch below cc.
     *
     * @throws CudaException when NVRTC supports no arch at or below cc
     */
    static String targetArch(int cc, int[] supported) {
        int best = -1;
        for (int a : supported) {
            if (a == cc) {
                return "sm_" + cc;
            }
            if (a < cc && a > best) {
                best = a;
            }
        }
        if (best < 0) {
            throw new CudaException("NVRTC supports none of the architectures up to sm_" + cc + " (it supports "
                    + java.util.Arrays.toString(supported) + "): install an NVRTC that matches the device", -1);
        }
        return "compute_" + best;
    }

    /** The NVRTC options for a target arch. */
    static List<String> options(String arch) {
        return List.of("--gpu-architecture=" + arch, "--std=c++17", "-lineinfo");
    }

    /** The cache key: SHA-256 over source, header, options and NVRTC version; 16 hex digits. */
    static String cacheKey(String source, String header, List<String> options, String nvrtcVersion) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            for (String part : new String[] {source, header, String.join(" ", options), nvrtcVersion}) {
                md.update(part.getBytes(StandardCharsets.UTF_8));
                md.update((byte) 0);
            }
            return HexFormat.of().formatHex(md.digest()).substring(0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    /** The cache file name for a source file, key and target. */
    static String cacheFileName(String file, String key, String arch, String nvrtcVersion) {
        return String.format(Locale.ROOT, "%s-%s-%s-nvrtc%s.%s", file, key, arch, nvrtcVersion,
                arch.startsWith("sm_") ? "cubin" : "ptx");
    }

    /** A kernel source (or the header) from the class path, e.g. "rnn_cells.cu". */
    static String resource(String name) {
        String path = Kernel.RESOURCE_DIR + "/" + name;
        try (InputStream in = KernelCompiler.class.getClassLoader().getResourceAsStream(path)) {
            if (in == null) {
                throw new IllegalStateException("kernel source " + path + " is missing from the class path: the "
                        + "recur-cuda jar is incomplete; rebuild it");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read kernel source " + path + ": " + e.getMessage(), e);
        }
    }

    /**
     * The image of a source file for a device of compute capability {@code cc}: from the cache, else compiled.
     *
     * @param file the source name without ".cu"
     */
    Image image(String file, int cc) {
        String source = resource(file + ".cu");
        String header = resource(Kernel.COMMON_HEADER);
        String arch = targetArch(cc, supportedArchs);
        List<String> opts = options(arch);
        String key = cacheKey(source, header, opts, nvrtcVersion());
        Path cached = cacheDir.resolve(cacheFileName(file, key, arch, nvrtcVersion()));
        boolean ptx = !arch.startsWith("sm_");
        if (Files.isRegularFile(cached)) {
            try {
                byte[] bytes = Files.readAllBytes(cached);
                if (bytes.length > 0) {
                    LOG.debug("cuda: kernels {}.cu for {} from the cache {}", file, arch, cached);
                    return new Image(file, bytes, ptx, arch, true, 0);
                }
            } catch (IOException e) {
                LOG.warn("cuda: cannot read the cached kernel image {} ({}); compiling again", cached, e.toString());
            }
        }
        long start = System.nanoTime();
        byte[] bytes = compile(file, source, header, opts, ptx);
        long nanos = System.nanoTime() - start;
        LOG.info("cuda: compiled {}.cu for {} with NVRTC {} in {} ms", file, arch, nvrtcVersion(), nanos / 1_000_000);
        store(cached, bytes);
        return new Image(file, bytes, ptx, arch, false, nanos);
    }

    private static byte[] compile(String file, String source, String header, List<String> opts, boolean ptx) {
        _nvrtcProgram prog = new _nvrtcProgram();
        String name = file + ".cu";
        try (BytePointer src = new BytePointer(source);
             BytePointer srcName = new BytePointer(name);
             PointerPointer<BytePointer> headers = new PointerPointer<>(header);
             PointerPointer<BytePointer> includeNames = new PointerPointer<>(Kernel.COMMON_HEADER);
             PointerPointer<BytePointer> options = new PointerPointer<>(opts.toArray(new String[0]))) {
            CudaCalls.checkNvrtc(nvrtc.nvrtcCreateProgram(prog, src, srcName, 1, headers, includeNames),
                    "nvrtcCreateProgram(" + name + ")", null);
            try {
                int status = nvrtc.nvrtcCompileProgram(prog, opts.size(), options);
                String log = programLog(prog);
                CudaCalls.checkNvrtc(status, "nvrtcCompileProgram(" + name + ", " + String.join(" ", opts) + ")", log);
                if (!log.isBlank()) {
                    LOG.debug("cuda: NVRTC log for {}:\n{}", name, log);
                }
                try (SizeTPointer size = new SizeTPointer(1)) {
                    if (ptx) {
                        CudaCalls.checkNvrtc(nvrtc.nvrtcGetPTXSize(prog, size), "nvrtcGetPTXSize(" + name + ")", null);
                    } else {
                        CudaCalls.checkNvrtc(nvrtc.nvrtcGetCUBINSize(prog, size), "nvrtcGetCUBINSize(" + name + ")",
                                null);
                    }
                    byte[] out = new byte[Math.toIntExact(size.get())];
                    if (ptx) {
                        CudaCalls.checkNvrtc(nvrtc.nvrtcGetPTX(prog, out), "nvrtcGetPTX(" + name + ")", null);
                    } else {
                        CudaCalls.checkNvrtc(nvrtc.nvrtcGetCUBIN(prog, out), "nvrtcGetCUBIN(" + name + ")", null);
                    }
                    return out;
                }
            } finally {
                nvrtc.nvrtcDestroyProgram(prog);
            }
        }
    }

    private static String programLog(_nvrtcProgram prog) {
        try (SizeTPointer size = new SizeTPointer(1)) {
            if (nvrtc.nvrtcGetProgramLogSize(prog, size) != nvrtc.NVRTC_SUCCESS || size.get() <= 1) {
                return "";
            }
            byte[] log = new byte[Math.toIntExact(size.get())];
            if (nvrtc.nvrtcGetProgramLog(prog, log) != nvrtc.NVRTC_SUCCESS) {
                return "";
            }
            int n = log.length;
            while (n > 0 && log[n - 1] == 0) {
                n--;
            }
            return new String(log, 0, n, StandardCharsets.UTF_8);
        }
    }

    private static void store(Path target, byte[] bytes) {
        try {
            Files.createDirectories(target.getParent());
            Path tmp = Files.createTempFile(target.getParent(), target.getFileName().toString(), ".tmp");
            Files.write(tmp, bytes);
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException | RuntimeException e) {
            LOG.warn("cuda: cannot write the kernel cache {} ({}): kernels will be compiled again next time; set -D{} "
                    + "to a writable folder", target, e.toString(), CudaOptions.CACHE_PROPERTY);
        }
    }
}
