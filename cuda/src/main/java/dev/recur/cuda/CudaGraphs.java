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
 * recording pass elsewhere. The {@value #MAX_GRAPHS} most recently used graphs are kept, older ones destroyed;
 * signatures seen once are remembered apart ({@value #MAX_SEEN}, by hash). If capture fails with a CUDA error (a
 * library that cannot be captured), graphs are turned off for this backend with a warning and the region runs
 * directly.
 *
 * <p>On by {@code -Drecur.cuda.graphs=true}. Not thread safe: the backend's lock guards it. A capture begins and ends
 * on the calling thread (thread-local capture mode), as binding the context does ({@link CudaDevice#bind}): drive
 * a backend from platform threads.
 *
 * @param <G> the executable graph handle ({@code CUgraphExec_st} on a device)
 */
final class CudaGraphs<G> implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(CudaGraphs.class);
    /** Graphs kept, least recently used destroyed first. */
    static final int MAX_GRAPHS = 32;
    /** Signatures seen once (by hash) kept, least recently seen dropped first. */
    static final int MAX_SEEN = 1024;

    /** What the policy needs from the driver. */
    interface Driver<G> {
        /** Captures what {@code work} issues on the stream and instantiates it; the work does not run. */
        G capture(Runnable work);

        /** Launches an executable graph on the stream. */
        void launch(G exec);

        /** Destroys an executable graph (one in flight finishes first). */
        void destroy(G exec);
    }

    /** A region's signature as a map key, its hash computed once. */
    private static final class Signature {
        final long[] values;
        final int hash;

        Signature(long[] values) {
            this.values = values;
            this.hash = Arrays.hashCode(values);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Signature s && hash == s.hash && Arrays.equals(values, s.values);
        }

        @Override
        public int hashCode() {
            return hash;
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
    /** Signature to its graph; access order, for the LRU. */
    private final LinkedHashMap<Signature, G> graphs = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Signature, G> eldest) {
            if (size() <= MAX_GRAPHS) {
                return false;
            }
            driver.destroy(eldest.getValue());
            return true;
        }
    };
    /**
     * Signatures that ran directly once, by hash (a full signature of a long loop is tens of KiB): kept apart from
     * {@link #graphs} so that many regions seen once (a deep model, varying lengths) do not push out the graphs. A
     * collision only means one capture comes a call early; replays are keyed by the whole signature.
     */
    private final LinkedHashMap<Integer, Boolean> seen = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Integer, Boolean> eldest) {
            return size() > MAX_SEEN;
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
        G exec = graphs.get(key);
        if (exec == null && seen.get(key.hash) == null) {
            direct++;
            region.run();
            seen.put(key.hash, Boolean.TRUE); // only once it ran: a capture needs a warm-up that completed
            return;
        }
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
                LOG.warn("cuda: a CUDA error while capturing a CUDA graph; graphs are off for this backend from "
                        + "now on, and the region runs directly: {}", failure.getMessage());
                enabled = false;
                direct++;
                region.run();
                return;
            }
            seen.remove(key.hash);
            graphs.put(key, exec);
            captured++;
        }
        driver.launch(exec);
        replayed++;
    }

    /** Destroys every graph. */
    @Override
    public void close() {
        graphs.values().forEach(driver::destroy);
        graphs.clear();
        seen.clear();
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
            Throwable failure = null;
            try {
                work.run();
            } catch (Throwable t) {
                failure = t;
            }
            // always end the capture (thread-local mode: on this thread), so the stream is usable again
            int ended = cudart.cuStreamEndCapture(device.stream(), graph);
            try {
                if (failure instanceof RuntimeException e) {
                    throw e;
                }
                if (failure instanceof Error e) {
                    throw e;
                }
                if (failure != null) {
                    throw new IllegalStateException("cuda: a region failed while it was captured", failure);
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
