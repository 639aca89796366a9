package dev.recur.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** The probe's messages, from failures as JavaCPP and the CUDA runtime report them (no native code needed). */
class CudaProbeTest {
    private static final String JNI = "/root/.javacpp/cache/cuda-13.1-9.19-1.5.13-linux-x86_64.jar/org/bytedeco/"
            + "cuda/linux-x86_64/";

    /** What {@code Loader.load(cudart.class)} throws: "no jniX in java.library.path", the linker's reason below. */
    private static UnsatisfiedLinkError loadError(String jni, String linkerReason) {
        UnsatisfiedLinkError e = new UnsatisfiedLinkError("no " + jni + " in java.library.path: /usr/lib");
        if (linkerReason != null) {
            e.initCause(new UnsatisfiedLinkError(JNI + "lib" + jni + ".so: " + linkerReason));
        }
        return e;
    }

    @Test
    void missingDriverIsNamedAsSuch() {
        CudaProbe.Explained e = CudaProbe.explainLoadFailure("cudart", loadError("jnicudart",
                "libcuda.so.1: cannot open shared object file: No such file or directory"),
                Map.of("cudart@.13", "/usr/local/cuda/lib64/libcudart.so.13"));
        assertEquals(CudaProbe.Stage.DRIVER, e.stage());
        assertTrue(e.message().startsWith("no NVIDIA driver (libcuda.so.1 not found): this machine has no usable "
                + "GPU"), e.message());
        assertTrue(e.message().contains("install the NVIDIA driver"), e.message());
        assertTrue(e.message().contains("/usr/local/cuda/lib64/libcudart.so.13"), e.message());

        String noRuntime = CudaProbe.explainLoadFailure("cudart", loadError("jnicudart",
                "libcuda.so.1: cannot open shared object file: No such file or directory"), Map.of()).message();
        assertTrue(noRuntime.contains("libcudart.so.13 was not found either"), noRuntime);
    }

    @Test
    void missingRuntimeNamesTheLibraryAndTheFix() {
        CudaProbe.Explained e = CudaProbe.explainLoadFailure("cudart", loadError("jnicudart",
                "libcudart.so.13: cannot open shared object file: No such file or directory"), Map.of());
        assertEquals(CudaProbe.Stage.RUNTIME, e.stage());
        assertTrue(e.message().startsWith("libcudart.so.13 not found: install the CUDA 13 runtime"), e.message());
        assertTrue(e.message().endsWith("or add its folder to LD_LIBRARY_PATH"), e.message());
    }

    @Test
    void missingCublasAndNvrtcGetTheirOwnStage() {
        CudaProbe.Explained lt = CudaProbe.explainLoadFailure("cuBLAS", loadError("jnicublas",
                "libcublasLt.so.13: cannot open shared object file: No such file or directory"), Map.of());
        assertEquals(CudaProbe.Stage.CUBLAS, lt.stage());
        assertTrue(lt.message().startsWith("libcublasLt.so.13 not found: install cuBLAS"), lt.message());
        CudaProbe.Explained nv = CudaProbe.explainLoadFailure("NVRTC", loadError("jninvrtc",
                "libnvrtc.so.13: cannot open shared object file: No such file or directory"), Map.of());
        assertEquals(CudaProbe.Stage.NVRTC, nv.stage());
        assertTrue(nv.message().startsWith("libnvrtc.so.13 not found: install NVRTC"), nv.message());
        String dnn = CudaProbe.explainLoadFailure("cuDNN", loadError("jnicudnn",
                "libcudnn_cnn.so.9: cannot open shared object file: No such file or directory"), Map.of()).message();
        assertTrue(dnn.startsWith("libcudnn_cnn.so.9 not found: install cuDNN 9"), dnn);
    }

    @Test
    void tooOldRuntimeIsExplained() {
        String m = CudaProbe.explainLoadFailure("cudart", loadError("jnicudart",
                "undefined symbol: cudaGreenCtxCreate"), Map.of()).message();
        assertTrue(m.contains("older than the CUDA 13.1"), m);
        assertTrue(m.contains("cudaGreenCtxCreate"), m);
    }

    @Test
    void missingJarsPointAtTheClassPath() {
        CudaProbe.Explained noJni = CudaProbe.explainLoadFailure("cudart", loadError("jnicudart", null), Map.of());
        assertEquals(CudaProbe.Stage.BINDINGS, noJni.stage());
        assertTrue(noJni.message().contains("add org.bytedeco:cuda with the classifier"), noJni.message());
        assertTrue(noJni.message().contains("not a *-redist jar"), noJni.message());

        CudaProbe.Explained noClasses = CudaProbe.explainLoadFailure("cudart",
                new NoClassDefFoundError("org/bytedeco/cuda/global/cudart"), Map.of());
        assertEquals(CudaProbe.Stage.BINDINGS, noClasses.stage());
        assertTrue(noClasses.message().contains("not on the class path"), noClasses.message());
    }

    @Test
    void aSecondLoadAttemptStillGetsAMessageWithAFix() {
        // What JavaCPP throws after a failed first load: the original linker reason is gone.
        NoClassDefFoundError e = new NoClassDefFoundError("Could not initialize class org.bytedeco.cuda.global.cudart");
        e.initCause(new ExceptionInInitializerError("Exception java.lang.UnsatisfiedLinkError: no jnicudart in "
                + "java.library.path: /usr/lib [in thread \"main\"]"));
        CudaProbe.Explained x = CudaProbe.explainLoadFailure("cuBLAS", e, Map.of());
        assertTrue(x.message().contains("LD_LIBRARY_PATH"), x.message());
    }

    @Test
    void statusMessagesNameTheErrorAndTheFix() {
        String m = CudaProbe.explainStatus("cudaGetDeviceCount", 35, "cudaErrorInsufficientDriver",
                "CUDA driver version is insufficient for CUDA runtime version", 0, 13000, "not set");
        assertTrue(m.startsWith("cudaGetDeviceCount failed: cudaErrorInsufficientDriver (35, \"CUDA driver version "
                + "is insufficient for CUDA runtime version\"; driver supports CUDA none, runtime 13.0)"), m);
        assertTrue(m.contains("update the NVIDIA driver"), m);
        String none = CudaProbe.explainStatus("cudaGetDeviceCount", 100, "cudaErrorNoDevice",
                "no CUDA-capable device is detected", 13000, 13000, "\"\"");
        assertTrue(none.contains("CUDA_VISIBLE_DEVICES=\"\""), none);
        String other = CudaProbe.explainStatus("cudaGetDeviceCount", 999, "cudaErrorUnknown", "unknown error",
                13000, 13000, "not set");
        assertTrue(other.contains("nvidia-smi"), other);
    }

    @Test
    void deviceChoiceIsChecked() {
        assertNull(CudaProbe.checkDeviceChoice(null, 1));
        assertNull(CudaProbe.checkDeviceChoice("1", 2));
        assertNull(CudaProbe.checkDeviceChoice(" 0 ", 1));
        String out = CudaProbe.checkDeviceChoice("2", 2);
        assertTrue(out.startsWith("recur.cuda.device=2 but 2 CUDA devices are visible"), out);
        assertTrue(out.endsWith("use 0..1"), out);
        assertTrue(CudaProbe.checkDeviceChoice("-1", 1).contains("1 CUDA device is visible"));
        String word = CudaProbe.checkDeviceChoice("gpu0", 4);
        assertTrue(word.startsWith("recur.cuda.device must be a device number, got \"gpu0\""), word);
    }

    @Test
    void versionsAreWrittenAsCudaDoes() {
        assertEquals("13.0", CudaProbe.version(13000));
        assertEquals("13.1", CudaProbe.version(13010));
        assertEquals("12.8", CudaProbe.version(12080));
        assertEquals("none", CudaProbe.version(0));
        assertEquals("?", CudaProbe.version(-1));
    }
}
