package dev.recur.cuda;

import static dev.recur.cuda.CudaCalls.check;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.bytedeco.cuda.cudart.CUgraphExec_st;
import org.bytedeco.cuda.cudart.CUgraph_st;
import org.bytedeco.cuda.global.cudart;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Replays a repeated region of stream work (the fused path's step loop: per step a GEMM and a cell kernel, a few
 * hundred launches whose host cost exceeds the GPU's work at small batches) as one CUDA graph launch.
 *
 * <p>Policy ({@link #run}): the region is first run in the {@link LaunchRecorder}'s recording state, which issues
 * nothing and yields its signature, every launch with every argument and device address. A signature seen for the
 * first time runs directly (the warm-up a capture needs: kernels loaded, cuBLAS initialised). Seen a second time,
 * the region is captured from the stream ({@code cuStreamBeginCapture}, thread-local mode), instantiated and
 * launched; from then on that signature is one {@code cuGraphLaunch}. Because the key is the exact work, a graph is
 * only ever replayed on the buffers it was captured with: it pays where the same call repeats on the same buffers
 * (a serving loop, a training loop whose stream-ordered allocations come back at the same addresses) and costs one
 * recording pass elsewhere. The {@value #MAX_GRAPHS} most recently used signatures are kept; older graphs are
 * destroyed. If capture fails with a CUDA error (a library that cannot be captured), graphs are turned off for this
 * backend with a warning and the region runs directly.
 *
 * <p>On by {@code -Drecur.cuda.graphs=true}. Not thread safe: the backend's lock guards it.
 *
 * @param <G> the executable graph handle ({@code CUgraphExec_st} on a device)
 */
final class CudaGraphs<G> implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(CudaGraphs.class);
    /** Signatures (with their graphs) kept, least recently used dropped first. */
    static final int MAX_GRAPHS = 32;

    /** What the policy needs from the driver. */
    interface Driver<G> {
        /** Captures what {@code work} issues on the stream and instantiates it; the work does not run. */
        G capture(Runnable work);

        /** Launches an executable graph on the stream. */
        void launch(G exec);

        /** Destroys an executable graph (one in flight finishes first). */
        void destroy(G exec);
    }

    /** A region's signature as a map key. */
    private record Signature(long[] values) {
        @Override
        public boolean equals(Object o) {
            return o instanceof Signature s && Arrays.equals(values, s.values);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(values);
        }

        @Override
        public String toString() {
            return values.length + " values";
        }
    }

    private final LaunchRecorder recorder;
    private final Driver<G> driver;
    private boolean enabled;
    private long direct;
    private long captured;
    private long replayed;
    /** Signature to its graph, null until it is seen the second time; access order, for the LRU. */
    private final LinkedHashMap<Signature, G> graphs = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Signature, G> eldest) {
            if (size() <= MAX_GRAPHS) {
                return false;
            }
            if (eldest.getValue() != null) {
                driver.destroy(eldest.getValue());
            }
            return true;
        }
    };

    CudaGraphs(LaunchRecorder recorder, Driver<G> driver, boolean enabled) {
        this.recorder = recorder;
        this.driver = driver;
        this.enabled = enabled;
    }

    /** Graphs on a device's stream. */
    static CudaGraphs<CUgraphExec_st> on(CudaDevice device, boolean enabled) {
        return new CudaGraphs<>(device.recorder(), new DeviceDriver(device), enabled);
    }

    /** Whether regions are replayed as graphs (false when off, or turned off after a failed capture). */
    boolean enabled() {
        return enabled;
    }

    /** Regions run directly (first sightings, and every region while graphs are off or a capture failed). */
    long direct() {
        return direct;
    }

    /** Graphs captured and instantiated. */
    long captured() {
        return captured;
    }

    /** Graph launches. */
    long replayed() {
        return replayed;
    }

    /**
     * Issues the stream work of {@code region}, directly or as a graph (class comment). The region must issue the
     * same work whenever it is called in the same state (it runs once more to record), and may only launch kernels,
     * GEMMs, copies and memsets.
     */
    void run(Runnable region) {
        if (!enabled) {
            direct++;
            region.run();
            return;
        }
        recorder.beginRecording();
        long[] values;
        try {
            region.run();
        } finally {
            values = recorder.endRecording();
        }
        Signature key = new Signature(values);
        if (!graphs.containsKey(key)) {
            graphs.put(key, null);
            direct++;
            region.run();
            return;
        }
        G exec = graphs.get(key);
        if (exec == null) {
            CudaException failure = null;
            recorder.beginCapture();
            try {
                exec = driver.capture(region);
            } catch (CudaException e) {
                failure = e;
            } finally {
                recorder.endCapture();
            }
            if (failure != null) {
                LOG.warn("cuda: capturing a CUDA graph failed, graphs are off for this backend from now on: {}",
                        failure.getMessage());
                enabled = false;
                direct++;
                region.run();
                return;
            }
            graphs.put(key, exec);
            captured++;
        }
        driver.launch(exec);
        replayed++;
    }

    /** Destroys every graph. */
    @Override
    public void close() {
        for (G g : graphs.values()) {
            if (g != null) {
                driver.destroy(g);
            }
        }
        graphs.clear();
    }

    /** The driver API on the device's stream. */
    private static final class DeviceDriver implements Driver<CUgraphExec_st> {
        private final CudaDevice device;

        DeviceDriver(CudaDevice device) {
            this.device = device;
        }

        @Override
        public CUgraphExec_st capture(Runnable work) {
            check(cudart.cuStreamBeginCapture(device.stream(), cudart.CU_STREAM_CAPTURE_MODE_THREAD_LOCAL),
                    "cuStreamBeginCapture");
            CUgraph_st graph = new CUgraph_st();
            RuntimeException failure = null;
            try {
                work.run();
            } catch (RuntimeException e) {
                failure = e;
            }
            // always end the capture, so the stream is usable again whatever happened
            int ended = cudart.cuStreamEndCapture(device.stream(), graph);
            try {
                if (failure != null) {
                    throw failure;
                }
                check(ended, "cuStreamEndCapture");
                CUgraphExec_st exec = new CUgraphExec_st();
                check(cudart.cuGraphInstantiate(exec, graph, 0L), "cuGraphInstantiate");
                return exec;
            } finally {
                if (!graph.isNull()) {
                    cudart.cuGraphDestroy(graph);
                }
            }
        }

        @Override
        public void launch(CUgraphExec_st exec) {
            check(cudart.cuGraphLaunch(exec, device.stream()), "cuGraphLaunch");
        }

        @Override
        public void destroy(CUgraphExec_st exec) {
            cudart.cuGraphExecDestroy(exec);
        }
    }
}
