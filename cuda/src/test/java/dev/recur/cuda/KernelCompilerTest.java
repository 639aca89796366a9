package dev.recur.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.recur.backend.BatchOrder;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The parts of kernel compilation and of the options that need no GPU: targets, cache keys, names, sources. */
class KernelCompilerTest {
    private static final int[] NVRTC_13 = {75, 80, 86, 87, 88, 89, 90, 100, 103, 110, 120, 121};

    @Test
    void aSupportedDeviceGetsACubinForItsOwnArch() {
        assertEquals("sm_90", KernelCompiler.targetArch(90, NVRTC_13));
        assertEquals("sm_80", KernelCompiler.targetArch(80, NVRTC_13));
    }

    @Test
    void aDeviceNewerThanNvrtcGetsPtxOfTheNewestArchBelowIt() {
        assertEquals("compute_121", KernelCompiler.targetArch(130, NVRTC_13));
        assertEquals("compute_90", KernelCompiler.targetArch(95, new int[] {80, 90}));
    }

    @Test
    void aDeviceOlderThanEveryArchIsRefused() {
        CudaException e = assertThrows(CudaException.class, () -> KernelCompiler.targetArch(70, NVRTC_13));
        assertTrue(e.getMessage().contains("sm_70"), e.getMessage());
    }

    @Test
    void theCacheKeyChangesWithSourceHeaderOptionsAndCompiler() {
        List<String> o = KernelCompiler.options("sm_90");
        String base = KernelCompiler.cacheKey("src", "hdr", o, "13.1");
        assertEquals(16, base.length());
        assertEquals(base, KernelCompiler.cacheKey("src", "hdr", o, "13.1"));
        assertNotEquals(base, KernelCompiler.cacheKey("src2", "hdr", o, "13.1"));
        assertNotEquals(base, KernelCompiler.cacheKey("src", "hdr2", o, "13.1"));
        assertNotEquals(base, KernelCompiler.cacheKey("src", "hdr", KernelCompiler.options("sm_80"), "13.1"));
        assertNotEquals(base, KernelCompiler.cacheKey("src", "hdr", o, "13.2"));
        // the separator keeps "ab"+"c" apart from "a"+"bc"
        assertNotEquals(KernelCompiler.cacheKey("ab", "c", o, "13.1"), KernelCompiler.cacheKey("a", "bc", o, "13.1"));
    }

    @Test
    void cacheFilesNameTheirTarget() {
        assertEquals("rnn_cells-0123456789abcdef-sm_90-nvrtc13.1.cubin",
                KernelCompiler.cacheFileName("rnn_cells", "0123456789abcdef", "sm_90", "13.1"));
        assertEquals("attention-0123456789abcdef-compute_120-nvrtc13.1.ptx",
                KernelCompiler.cacheFileName("attention", "0123456789abcdef", "compute_120", "13.1"));
    }

    @Test
    void everySourceIsOnTheClassPath() {
        for (String f : Kernel.FILES) {
            String src = KernelCompiler.resource(f + ".cu");
            assertTrue(src.contains("extern \"C\" __global__"), f + ".cu has no kernels");
            for (Kernel k : Kernel.values()) {
                if (k.file().equals(f)) {
                    assertTrue(src.contains(" " + k.function() + "("), f + ".cu lacks " + k.function());
                }
            }
        }
        assertTrue(KernelCompiler.resource(Kernel.COMMON_HEADER).contains("#pragma once"));
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> KernelCompiler.resource("missing.cu"));
        assertTrue(e.getMessage().contains("missing.cu"), e.getMessage());
    }

    @Test
    void rnnPathOption() {
        assertEquals(CudaOptions.RnnPath.FUSED, CudaOptions.parseRnnPath(null));
        assertEquals(CudaOptions.RnnPath.FUSED, CudaOptions.parseRnnPath(" Fused "));
        assertEquals(CudaOptions.RnnPath.CUDNN, CudaOptions.parseRnnPath("cudnn"));
        assertEquals(CudaOptions.RnnPath.AUTO, CudaOptions.parseRnnPath("auto"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> CudaOptions.parseRnnPath("fast"));
        assertTrue(e.getMessage().startsWith("recur.cuda.rnn must be fused, cudnn or auto, got \"fast\""),
                e.getMessage());
    }

    @Test
    void cacheFolderProperty() {
        String old = System.getProperty(CudaOptions.CACHE_PROPERTY);
        try {
            System.setProperty(CudaOptions.CACHE_PROPERTY, "/tmp/recur-kernels");
            assertEquals(Path.of("/tmp/recur-kernels"), CudaOptions.defaultCacheDir());
            System.clearProperty(CudaOptions.CACHE_PROPERTY);
            assertTrue(CudaOptions.defaultCacheDir().endsWith(Path.of("recur", "cuda")),
                    CudaOptions.defaultCacheDir().toString());
        } finally {
            if (old == null) {
                System.clearProperty(CudaOptions.CACHE_PROPERTY);
            } else {
                System.setProperty(CudaOptions.CACHE_PROPERTY, old);
            }
        }
    }

    @Test
    void batchOrderSortsLongestFirstAndCountsRunningRows() {
        BatchOrder o = BatchOrder.of(new int[] {2, 4, 1, 4}, 4, 4);
        assertEquals(List.of(1, 3, 0, 2), java.util.Arrays.stream(o.perm()).boxed().toList());
        assertEquals(List.of(4, 3, 2, 2), java.util.Arrays.stream(o.batchSizes()).boxed().toList());
        assertTrue(BatchOrder.of(null, 3, 2).identity());
        assertTrue(BatchOrder.of(new int[] {3, 3, 1}, 3, 3).identity());
    }
}
