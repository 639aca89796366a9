package dev.recur.cuda;

import dev.recur.backend.BackendUnavailableException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.Loader;
import org.bytedeco.cuda.cudart.cudaDeviceProp;
import org.bytedeco.cuda.global.cublas;
import org.bytedeco.cuda.global.cudart;
import org.bytedeco.cuda.global.cudnn;
import org.bytedeco.cuda.global.nvrtc;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds out, step by step, whether this machine can run CUDA through the JavaCPP bindings, and stops at the
 * first failure with the reason and the fix:
 * <ol>
 *   <li>{@link Stage#BINDINGS}/{@link Stage#DRIVER}/{@link Stage#RUNTIME}: load the CUDA runtime bindings
 *       ({@code Loader.load(cudart.class)}), which need the driver's {@code libcuda.so.1} and the runtime's
 *       {@code libcudart.so.13};</li>
 *   <li>{@link Stage#DEVICES}: {@code cudaDriverGetVersion}, {@code cudaRuntimeGetVersion},
 *       {@code cudaGetDeviceCount};</li>
 *   <li>{@link Stage#DEVICE}: the device named by {@value CudaBackendProvider#DEVICE_PROPERTY} (default 0),
 *       its properties, and whether CUDA 13 supports its compute capability;</li>
 *   <li>{@link Stage#CUBLAS}, {@link Stage#NVRTC}: load cuBLAS and NVRTC; then cuDNN, which is optional and
 *       only noted.</li>
 * </ol>
 * Native loading happens once per process: a failed JavaCPP load leaves the binding class unusable
 * ({@code NoClassDefFoundError: Could not initialize class}, without the original reason), so each result is
 * kept and returned again. Only the JavaCPP types of this class touch native code; nothing happens before
 * {@link #probe()} is called.
 */
final class CudaProbe {
    private static final Logger LOG = LoggerFactory.getLogger(CudaProbe.class);

    /** Lowest compute capability (major * 10 + minor) that CUDA 13 compiles for: Turing, sm_75. */
    static final int MIN_COMPUTE_CAPABILITY = 75;

    /** The runtime version (1000 * major + 10 * minor) the bindings were built against: 13.1. */
    static final int BINDINGS_RUNTIME_VERSION = 13010;

    private static final Pattern CANNOT_OPEN =
            Pattern.compile("(lib[A-Za-z0-9_+.-]+?\\.so(?:\\.[0-9]+)*): cannot open shared object file");
    private static final Pattern UNDEFINED_SYMBOL = Pattern.compile("undefined symbol: ([A-Za-z0-9_]+)");
    private static final Pattern NO_JNI_LIB = Pattern.compile("no (jni[A-Za-z0-9_]+) in java\\.library\\.path");

    /** Results by requested device (the property's raw value); native loading itself happens once. */
    private static final Map<String, Result> RESULTS = new HashMap<>();

    private CudaProbe() {
    }

    /** Where the probe stopped. */
    enum Stage {
        /** The JavaCPP CUDA classes or their JNI libraries for this platform are not on the class path. */
        BINDINGS,
        /** The NVIDIA driver ({@code libcuda.so.1}) is missing: no usable GPU. */
        DRIVER,
        /** The CUDA runtime ({@code libcudart.so.13}) is missing or too old. */
        RUNTIME,
        /** The driver or runtime reported an error, or no device is visible. */
        DEVICES,
        /** The chosen device does not exist or is not supported. */
        DEVICE,
        /** cuBLAS could not be loaded. */
        CUBLAS,
        /** NVRTC could not be loaded. */
        NVRTC
    }

    /**
     * One visible CUDA device.
     *
     * @param index             its ordinal among the visible devices (after CUDA_VISIBLE_DEVICES)
     * @param name              e.g. "NVIDIA H100 80GB HBM3"
     * @param major             compute capability, major
     * @param minor             compute capability, minor
     * @param totalMemory       global memory in bytes
     * @param multiprocessors   streaming multiprocessors
     */
    record Device(int index, String name, int major, int minor, long totalMemory, int multiprocessors) {
        /** "NVIDIA H100 80GB HBM3 (compute capability 9.0, 79.1 GiB, 132 SMs)". */
        @Override
        public String toString() {
            return String.format(Locale.ROOT, "%s (compute capability %d.%d, %.1f GiB, %d SMs)",
                    name, major, minor, totalMemory / (double) (1L << 30), multiprocessors);
        }
    }

    /**
     * What the probe found. Fields past the stage that failed keep their "not probed" values: -1, or null.
     *
     * @param failedAt       the stage that failed, or null when every probe passed
     * @param failure        the reason and the fix (one line), or null when every probe passed
     * @param cause          the native failure underneath, if any
     * @param driverVersion  {@code cudaDriverGetVersion} (1000 * major + 10 * minor, 0: no driver), -1 if not probed
     * @param runtimeVersion {@code cudaRuntimeGetVersion}, -1 if not probed
     * @param deviceCount    visible devices, -1 if not probed
     * @param device         the chosen device, or null
     * @param cublasVersion  "13.1.0", or null when not loaded
     * @param nvrtcVersion   "13.1", or null when not loaded
     * @param cudnnVersion   "9.19.0", or null when cuDNN did not load (it is optional)
     * @param cudnnNote      why cuDNN did not load, or null
     * @param libraries      the native libraries JavaCPP loaded (name to path), as {@code Loader.getLoadedLibraries()}
     * @param warnings       things that work but are worth knowing (e.g. a runtime older than the bindings)
     * @param nanos          how long the probe took
     */
    record Result(Stage failedAt, String failure, Throwable cause, int driverVersion, int runtimeVersion,
                  int deviceCount, Device device, String cublasVersion, String nvrtcVersion, String cudnnVersion,
                  String cudnnNote, Map<String, String> libraries, List<String> warnings, long nanos) {

        /** Whether every probe passed. */
        boolean usable() {
            return failedAt == null;
        }

        /** One line: the device and the library versions that were found. */
        String summary() {
            StringBuilder sb = new StringBuilder();
            if (device != null) {
                sb.append("device ").append(device.index()).append(" of ").append(deviceCount).append(": ")
                        .append(device);
            }
            sb.append(sb.length() > 0 ? ", " : "").append("driver ").append(version(driverVersion))
                    .append(", runtime ").append(version(runtimeVersion));
            if (cublasVersion != null) {
                sb.append(", cuBLAS ").append(cublasVersion);
            }
            if (nvrtcVersion != null) {
                sb.append(", NVRTC ").append(nvrtcVersion);
            }
            if (device != null || cudnnVersion != null || cudnnNote != null) {
                sb.append(", cuDNN ").append(cudnnVersion != null ? cudnnVersion : "not loaded (optional)");
            }
            for (String w : warnings) {
                sb.append("; warning: ").append(w);
            }
            return sb.toString();
        }

        /** The exception {@code create()} throws for a failed probe. */
        BackendUnavailableException toException() {
            return new BackendUnavailableException(failure, cause);
        }
    }

    /** Runs the probes for the device named by {@value CudaBackendProvider#DEVICE_PROPERTY}, once per value. */
    static synchronized Result probe() {
        String requested = System.getProperty(CudaBackendProvider.DEVICE_PROPERTY);
        Result r = RESULTS.get(requested);
        if (r == null) {
            r = new Run().run(requested);
            RESULTS.put(requested, r);
        }
        return r;
    }

    /** "13.0" from 13000; "none" for 0; "?" when not probed. */
    static String version(int v) {
        if (v < 0) {
            return "?";
        }
        return v == 0 ? "none" : (v / 1000) + "." + (v % 1000) / 10;
    }

    // ---------------------------------------------------------------- the probes

    /** The state of one probe run; each step returns false after recording the failure. */
    private static final class Run {
        private final long start = System.nanoTime();
        private final List<String> warnings = new ArrayList<>();
        private Stage current = Stage.BINDINGS;
        private Stage failedAt;
        private String failure;
        private Throwable cause;
        private int driverVersion = -1;
        private int runtimeVersion = -1;
        private int deviceCount = -1;
        private Device device;
        private String cublasVersion;
        private String nvrtcVersion;
        private String cudnnVersion;
        private String cudnnNote;

        Result run(String requestedDevice) {
            try {
                if (loadRuntime() && countDevices() && chooseDevice(requestedDevice) && loadCublas()
                        && loadNvrtc()) {
                    loadCudnn();
                }
            } catch (Throwable t) { // anything unforeseen from native code or class loading
                fail(current, "the CUDA probe failed unexpectedly at " + current + " (" + describe(t) + "): run "
                        + "with -Dorg.bytedeco.javacpp.logger.debug=true to see what JavaCPP tried, and report it", t);
            }
            return new Result(failedAt, failure, cause, driverVersion, runtimeVersion, deviceCount, device,
                    cublasVersion, nvrtcVersion, cudnnVersion, cudnnNote, loadedLibraries(), List.copyOf(warnings),
                    System.nanoTime() - start);
        }

        private boolean loadRuntime() {
            current = Stage.BINDINGS;
            try {
                Loader.load(cudart.class);
                return true;
            } catch (Throwable t) {
                Explained e = explainLoadFailure("the CUDA runtime bindings (cudart)", t, loadedLibraries());
                return fail(e.stage(), e.message(), t);
            }
        }

        private boolean countDevices() {
            current = Stage.DEVICES;
            int[] v = {0};
            int status = cudart.cudaDriverGetVersion(v);
            driverVersion = status == cudart.cudaSuccess ? v[0] : 0;
            v[0] = 0;
            status = cudart.cudaRuntimeGetVersion(v);
            runtimeVersion = status == cudart.cudaSuccess ? v[0] : 0;
            if (runtimeVersion > 0 && runtimeVersion < BINDINGS_RUNTIME_VERSION) {
                warnings.add("CUDA runtime " + version(runtimeVersion) + " is older than the "
                        + version(BINDINGS_RUNTIME_VERSION) + " the bindings were built for; calls added in "
                        + version(BINDINGS_RUNTIME_VERSION) + " would abort the JVM");
            }
            int[] n = {0};
            status = cudart.cudaGetDeviceCount(n);
            if (status != cudart.cudaSuccess) {
                return fail(Stage.DEVICES, explainStatus("cudaGetDeviceCount", status, errorName(status),
                        errorString(status), driverVersion, runtimeVersion, visibleDevices()), null);
            }
            deviceCount = n[0];
            if (deviceCount <= 0) {
                return fail(Stage.DEVICES, "no CUDA device visible (CUDA_VISIBLE_DEVICES=" + visibleDevices()
                        + "): check that nvidia-smi lists a GPU and that CUDA_VISIBLE_DEVICES names it, or use the "
                        + "cpu backend (-Drecur.backend=cpu)", null);
            }
            return true;
        }

        private boolean chooseDevice(String requested) {
            current = Stage.DEVICE;
            String bad = checkDeviceChoice(requested, deviceCount);
            if (bad != null) {
                return fail(Stage.DEVICE, bad, null);
            }
            int index = requested == null ? 0 : Integer.parseInt(requested.trim());
            try (cudaDeviceProp prop = new cudaDeviceProp()) {
                int status = cudart.cudaGetDeviceProperties(prop, index);
                if (status != cudart.cudaSuccess) {
                    return fail(Stage.DEVICE, explainStatus("cudaGetDeviceProperties(" + index + ")", status,
                            errorName(status), errorString(status), driverVersion, runtimeVersion,
                            visibleDevices()), null);
                }
                device = new Device(index, prop.name().getString().trim(), prop.major(), prop.minor(),
                        prop.totalGlobalMem(), prop.multiProcessorCount());
            }
            if (device.major() * 10 + device.minor() < MIN_COMPUTE_CAPABILITY) {
                return fail(Stage.DEVICE, "device " + index + ", " + device + ", is older than CUDA 13 supports "
                        + "(compute capability " + MIN_COMPUTE_CAPABILITY / 10 + "." + MIN_COMPUTE_CAPABILITY % 10
                        + " or newer): "
                        + (deviceCount > 1 ? "choose another GPU with -D" + CudaBackendProvider.DEVICE_PROPERTY
                        + ", or " : "") + "use the cpu backend (-Drecur.backend=cpu)", null);
            }
            return true;
        }

        private boolean loadCublas() {
            current = Stage.CUBLAS;
            try {
                Loader.load(cublas.class);
                int[] major = {0};
                int[] minor = {0};
                int[] patch = {0};
                cublas.cublasGetProperty(cudart.MAJOR_VERSION, major);
                cublas.cublasGetProperty(cudart.MINOR_VERSION, minor);
                cublas.cublasGetProperty(cudart.PATCH_LEVEL, patch);
                cublasVersion = major[0] + "." + minor[0] + "." + patch[0];
                return true;
            } catch (Throwable t) {
                Explained e = explainLoadFailure("cuBLAS", t, loadedLibraries());
                return fail(Stage.CUBLAS, e.message(), t);
            }
        }

        private boolean loadNvrtc() {
            current = Stage.NVRTC;
            try {
                Loader.load(nvrtc.class);
                int[] major = {0};
                int[] minor = {0};
                nvrtc.nvrtcVersion(major, minor);
                nvrtcVersion = major[0] + "." + minor[0];
                return true;
            } catch (Throwable t) {
                Explained e = explainLoadFailure("NVRTC", t, loadedLibraries());
                return fail(Stage.NVRTC, e.message(), t);
            }
        }

        private void loadCudnn() {
            try {
                Loader.load(cudnn.class);
                long v = cudnn.cudnnGetVersion(); // 9.19.0 -> 91900
                cudnnVersion = (v / 10000) + "." + (v % 10000) / 100 + "." + v % 100;
            } catch (Throwable t) {
                cudnnNote = explainLoadFailure("cuDNN", t, loadedLibraries()).message();
                LOG.debug("cuda probe: cuDNN (optional) not loaded: {}", cudnnNote);
            }
        }

        private boolean fail(Stage stage, String message, Throwable t) {
            failedAt = stage;
            failure = message;
            cause = t;
            LOG.debug("cuda probe: {} failed: {}", stage, message);
            return false;
        }
    }

    // ---------------------------------------------------------------- messages (pure, unit tested)

    /** A stage and its reason-and-fix message. */
    record Explained(Stage stage, String message) {
    }

    /**
     * Turns a failure to load a JavaCPP binding into a stage and a message with the fix. The useful part is
     * usually the cause: JavaCPP throws "no jnicudart in java.library.path" and keeps the dynamic linker's
     * "libcuda.so.1: cannot open shared object file" underneath.
     *
     * @param what      what was being loaded, e.g. "cuBLAS"
     * @param t         what the load threw
     * @param libraries the libraries JavaCPP had loaded (to say where it found the runtime), may be empty
     */
    static Explained explainLoadFailure(String what, Throwable t, Map<String, String> libraries) {
        String text = fullText(t);
        Matcher missing = CANNOT_OPEN.matcher(text);
        if (missing.find()) {
            String lib = missing.group(1);
            if (lib.startsWith("libcuda.so")) {
                String cudart = libraries.get("cudart@.13");
                return new Explained(Stage.DRIVER, "no NVIDIA driver (" + lib + " not found): this machine has "
                        + "no usable GPU; on a GPU machine install the NVIDIA driver (R580 or newer for CUDA 13) or, "
                        + "in a container, start it with the NVIDIA container toolkit (--gpus all); else use the "
                        + "cpu backend (-Drecur.backend=cpu)"
                        + (cudart != null ? " [CUDA runtime found: " + cudart + "]"
                                : " [the CUDA runtime libcudart.so.13 was not found either]"));
            }
            return new Explained(stageOf(lib), lib + " not found: " + installHint(lib)
                    + " or add its folder to LD_LIBRARY_PATH");
        }
        Matcher undefined = UNDEFINED_SYMBOL.matcher(text);
        if (undefined.find()) {
            return new Explained(Stage.RUNTIME, "the CUDA libraries found are older than the CUDA "
                    + version(BINDINGS_RUNTIME_VERSION) + " the bindings were built for (undefined symbol "
                    + undefined.group(1) + " while loading " + what + "): install CUDA "
                    + version(BINDINGS_RUNTIME_VERSION) + " or newer, or put its lib64 folder first in "
                    + "LD_LIBRARY_PATH");
        }
        if (t instanceof NoClassDefFoundError && text.contains("org/bytedeco/")
                && !text.contains("Could not initialize class")) {
            return new Explained(Stage.BINDINGS, "the JavaCPP CUDA bindings are not on the class path ("
                    + describe(t) + "): add org.bytedeco:javacpp and org.bytedeco:cuda (see recur's pom) with "
                    + "their " + platform() + " classifier jars");
        }
        Matcher noJni = NO_JNI_LIB.matcher(text);
        if (noJni.find() && !text.contains("cannot open") && !text.contains("Could not initialize class")) {
            return new Explained(Stage.BINDINGS, "the JNI library " + noJni.group(1) + " for " + platform()
                    + " is not on the class path: add org.bytedeco:cuda with the classifier " + platform()
                    + " (the small JNI jar, not a *-redist jar)");
        }
        return new Explained(Stage.RUNTIME, what + " could not be loaded (" + describe(t) + "): check that the "
                + "CUDA 13 libraries are installed and on LD_LIBRARY_PATH; run with "
                + "-Dorg.bytedeco.javacpp.logger.debug=true to see what JavaCPP tried");
    }

    /**
     * The message for a CUDA runtime call that returned an error status.
     *
     * @param call    e.g. "cudaGetDeviceCount"
     * @param status  the cudaError_t
     * @param name    {@code cudaGetErrorName(status)}
     * @param text    {@code cudaGetErrorString(status)}
     * @param driver  {@code cudaDriverGetVersion} (0: no driver)
     * @param runtime {@code cudaRuntimeGetVersion}
     * @param visible the value of CUDA_VISIBLE_DEVICES, or "not set"
     */
    static String explainStatus(String call, int status, String name, String text, int driver, int runtime,
                                String visible) {
        String reason = call + " failed: " + name + " (" + status + ", \"" + text + "\"; driver supports CUDA "
                + version(driver) + ", runtime " + version(runtime) + ")";
        String fix = switch (name) {
            case "cudaErrorInsufficientDriver" -> "update the NVIDIA driver to one for CUDA " + version(runtime)
                    + " or newer (R580+), or use the cpu backend (-Drecur.backend=cpu)";
            case "cudaErrorNoDevice" -> "no CUDA device is visible (CUDA_VISIBLE_DEVICES=" + visible
                    + "): check that nvidia-smi lists a GPU and that CUDA_VISIBLE_DEVICES names it";
            case "cudaErrorInvalidDevice" -> "CUDA_VISIBLE_DEVICES=" + visible + " names no usable GPU: fix it";
            case "cudaErrorSystemDriverMismatch" -> "the NVIDIA kernel module and user-space driver differ: "
                    + "reboot after the driver update, or reinstall the driver";
            case "cudaErrorDevicesUnavailable" -> "the GPUs are busy or in exclusive-process mode: stop the "
                    + "other process, or change the compute mode with nvidia-smi -c";
            case "cudaErrorCompatNotSupportedOnDevice", "cudaErrorSystemNotReady" -> "the driver cannot run "
                    + "this CUDA version on this GPU: install a driver for CUDA " + version(runtime) + " (R580+)";
            default -> "check that nvidia-smi works and that the driver matches CUDA " + version(runtime)
                    + " (R580+), or use the cpu backend (-Drecur.backend=cpu)";
        };
        return reason + ": " + fix;
    }

    /**
     * Why {@code requested} (the raw value of {@value CudaBackendProvider#DEVICE_PROPERTY}, null for the default
     * 0) does not name one of {@code count} visible devices, or null when it does.
     */
    static String checkDeviceChoice(String requested, int count) {
        if (requested == null) {
            return count > 0 ? null : "no CUDA device visible";
        }
        int index;
        try {
            index = Integer.parseInt(requested.trim());
        } catch (NumberFormatException e) {
            return CudaBackendProvider.DEVICE_PROPERTY + " must be a device number, got \"" + requested
                    + "\": use 0.." + (count - 1);
        }
        if (index < 0 || index >= count) {
            return CudaBackendProvider.DEVICE_PROPERTY + "=" + index + " but " + count + " CUDA device"
                    + (count == 1 ? " is" : "s are") + " visible (CUDA_VISIBLE_DEVICES=" + visibleDevices()
                    + "): use 0.." + (count - 1);
        }
        return null;
    }

    private static Stage stageOf(String lib) {
        if (lib.startsWith("libcublas")) {
            return Stage.CUBLAS;
        }
        if (lib.startsWith("libnvrtc")) {
            return Stage.NVRTC;
        }
        return Stage.RUNTIME;
    }

    private static String installHint(String lib) {
        if (lib.startsWith("libcudart")) {
            return "install the CUDA 13 runtime (e.g. the cuda-cudart-13-x package or the CUDA toolkit)";
        }
        if (lib.startsWith("libcublas")) {
            return "install cuBLAS for CUDA 13 (e.g. the libcublas-13-x package)";
        }
        if (lib.startsWith("libnvrtc")) {
            return "install NVRTC for CUDA 13 (e.g. the cuda-nvrtc-13-x package)";
        }
        if (lib.startsWith("libcudnn")) {
            return "install cuDNN 9 for CUDA 13 (e.g. the cudnn9-cuda-13 package)";
        }
        return "install the CUDA 13 library that provides it";
    }

    /** The messages of t, its causes and suppressed exceptions, joined (the linker's reason is often a cause). */
    private static String fullText(Throwable t) {
        StringBuilder sb = new StringBuilder();
        for (Throwable x = t; x != null; x = x.getCause() == x ? null : x.getCause()) {
            sb.append(x.getClass().getName()).append(": ").append(x.getMessage()).append('\n');
            for (Throwable s : x.getSuppressed()) {
                sb.append(s.getClass().getName()).append(": ").append(s.getMessage()).append('\n');
            }
        }
        return sb.toString();
    }

    /** "UnsatisfiedLinkError: message", the innermost cause's, which is the most specific. */
    private static String describe(Throwable t) {
        Throwable inner = t;
        while (inner.getCause() != null && inner.getCause() != inner) {
            inner = inner.getCause();
        }
        return inner.getClass().getSimpleName() + ": " + inner.getMessage();
    }

    private static String visibleDevices() {
        String v = System.getenv("CUDA_VISIBLE_DEVICES");
        return v == null ? "not set" : "\"" + v + "\"";
    }

    private static String platform() {
        try {
            return Loader.getPlatform();
        } catch (Throwable t) {
            return "linux-x86_64";
        }
    }

    private static Map<String, String> loadedLibraries() {
        try {
            return Map.copyOf(Loader.getLoadedLibraries());
        } catch (Throwable t) {
            return Map.of();
        }
    }

    private static String errorName(int status) {
        BytePointer p = cudart.cudaGetErrorName(status);
        return p == null || p.isNull() ? "cudaError " + status : p.getString();
    }

    private static String errorString(int status) {
        BytePointer p = cudart.cudaGetErrorString(status);
        return p == null || p.isNull() ? "?" : p.getString();
    }
}
