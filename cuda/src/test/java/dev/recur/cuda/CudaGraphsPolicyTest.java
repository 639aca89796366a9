package dev.recur.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The replay policy of {@link CudaGraphs} and the {@link LaunchRecorder}, without a GPU: the driver here counts
 * captures, launches and destroys instead of calling CUDA, and a region is a list of "operations" that each either
 * append to the signature (recording) or count as issued (running directly or being captured). That the graphs
 * replay the right results on a device is {@link CudaConformanceTest}'s "graphs" cases (tag gpu).
 */
class CudaGraphsPolicyTest {
    /** A driver that captures by running the region (its operations count as issued into the graph). */
    private static final class CountingDriver implements CudaGraphs.Driver<String> {
        int captures;
        int launches;
        final List<String> destroyed = new ArrayList<>();
        boolean failCapture;

        @Override
        public String capture(Runnable work) {
            work.run();
            if (failCapture) { // as cuStreamEndCapture reports an invalidated capture, after the work was issued
                throw new CudaException("cuStreamEndCapture failed: CUDA_ERROR_STREAM_CAPTURE_INVALIDATED", 901);
            }
            return "graph" + captures++;
        }

        @Override
        public void launch(String exec) {
            launches++;
        }

        @Override
        public void destroy(String exec) {
            destroyed.add(exec);
        }
    }

    private final LaunchRecorder recorder = new LaunchRecorder();
    private final CountingDriver driver = new CountingDriver();
    private int issued;
    /** Operations issued outside a capture (directly). */
    private int issuedDirectly;

    /** A region of two operations whose second argument is {@code arg}. */
    private Runnable region(long arg) {
        return () -> {
            for (long op = 1; op <= 2; op++) {
                if (recorder.recording()) {
                    recorder.add(LaunchRecorder.KERNEL).add(op).add(arg);
                } else {
                    issued++;
                    issuedDirectly += recorder.capturing() ? 0 : 1;
                }
            }
        };
    }

    @Test
    void firstSightingRunsDirectlySecondCapturesThenReplays() {
        CudaGraphs<String> graphs = new CudaGraphs<>(recorder, driver, true);
        graphs.run(region(7));
        assertEquals(2, issued, "first call: both operations issued directly");
        assertEquals(2, issuedDirectly);
        assertEquals(0, driver.captures);
        graphs.run(region(7));
        assertEquals(4, issued, "second call: the capture issues both operations into the graph");
        assertEquals(2, issuedDirectly, "into the capture, not directly");
        assertEquals(1, driver.captures);
        assertEquals(1, driver.launches, "and the captured graph is launched");
        graphs.run(region(7));
        graphs.run(region(7));
        assertEquals(4, issued, "later calls issue nothing themselves");
        assertEquals(1, driver.captures);
        assertEquals(3, driver.launches);
        assertEquals(1, graphs.direct());
        assertEquals(1, graphs.captured());
        assertEquals(3, graphs.replayed());
    }

    @Test
    void aDifferentArgumentIsADifferentSignature() {
        CudaGraphs<String> graphs = new CudaGraphs<>(recorder, driver, true);
        graphs.run(region(7));
        graphs.run(region(8));
        assertEquals(0, driver.launches, "each signature seen once: both ran directly");
        assertEquals(4, issued);
        graphs.run(region(8));
        assertEquals(1, driver.captures);
        graphs.run(region(7));
        assertEquals(2, driver.captures, "7 seen again: captured in its own graph");
        assertEquals(2, driver.launches);
    }

    @Test
    void offRunsEverythingDirectly() {
        CudaGraphs<String> graphs = new CudaGraphs<>(recorder, driver, false);
        for (int i = 0; i < 3; i++) {
            graphs.run(region(7));
        }
        assertEquals(6, issued);
        assertEquals(0, driver.captures + driver.launches);
        assertEquals(3, graphs.direct());
    }

    @Test
    void theLeastRecentlyUsedGraphIsDestroyedBeyondTheLimit() {
        CudaGraphs<String> graphs = new CudaGraphs<>(recorder, driver, true);
        for (int sig = 0; sig <= CudaGraphs.MAX_GRAPHS; sig++) {
            graphs.run(region(sig));
            graphs.run(region(sig));
        }
        assertEquals(CudaGraphs.MAX_GRAPHS + 1, driver.captures);
        assertEquals(List.of("graph0"), driver.destroyed, "signature 0's graph, the least recently used");
        graphs.close();
        assertEquals(CudaGraphs.MAX_GRAPHS + 1, driver.destroyed.size(), "close destroys the rest");
    }

    @Test
    void manyRegionsSeenOnceDoNotPushOutAGraph() {
        CudaGraphs<String> graphs = new CudaGraphs<>(recorder, driver, true);
        graphs.run(region(-1));
        graphs.run(region(-1));
        assertEquals(1, driver.captures);
        for (int sig = 0; sig < 4 * CudaGraphs.MAX_GRAPHS; sig++) {
            graphs.run(region(sig));
        }
        graphs.run(region(-1));
        assertEquals(1, driver.captures, "still captured: replayed, not captured again");
        assertEquals(2, driver.launches);
        assertTrue(driver.destroyed.isEmpty());
    }

    @Test
    void aFirstRunThatFailedIsNotAWarmUp() {
        CudaGraphs<String> graphs = new CudaGraphs<>(recorder, driver, true);
        boolean[] fail = {true};
        Runnable failing = () -> {
            if (recorder.recording()) {
                recorder.add(LaunchRecorder.KERNEL).add(1L);
            } else if (fail[0]) {
                throw new CudaException("cuLaunchKernel failed: CUDA_ERROR_INVALID_VALUE", 1);
            } else {
                issued++;
            }
        };
        assertThrows(CudaException.class, () -> graphs.run(failing));
        fail[0] = false;
        graphs.run(failing);
        assertEquals(0, driver.captures, "the second call is the first that completed: it runs directly");
        assertEquals(1, issued);
        graphs.run(failing);
        assertEquals(1, driver.captures);
    }

    @Test
    void aFailedCaptureTurnsGraphsOffAndStillRunsTheRegion() {
        CudaGraphs<String> graphs = new CudaGraphs<>(recorder, driver, true);
        driver.failCapture = true;
        graphs.run(region(7));
        graphs.run(region(7));
        assertEquals(6, issued, "the failed capture issued its operations, then the call ran directly");
        assertEquals(4, issuedDirectly, "outside the capture");
        assertFalse(graphs.enabled());
        graphs.run(region(7));
        assertEquals(8, issued);
        assertEquals(0, driver.launches);
    }

    @Test
    void anOperationAGraphCannotHoldIsRefusedAndTheRecorderRecovers() {
        CudaGraphs<String> graphs = new CudaGraphs<>(recorder, driver, true);
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> graphs.run(() -> recorder.refuse("cuMemAllocAsync")));
        assertTrue(e.getMessage().contains("cuMemAllocAsync") && e.getMessage().contains("recur.cuda.graphs"),
                e.getMessage());
        assertFalse(recorder.recording());
        graphs.run(region(7));
        assertEquals(2, issued, "the next region runs as usual");
        recorder.refuse("cuMemAllocAsync"); // outside a region: allowed
    }

    @Test
    void regionsDoNotNest() {
        CudaGraphs<String> graphs = new CudaGraphs<>(recorder, driver, true);
        assertThrows(IllegalStateException.class, () -> graphs.run(() -> graphs.run(region(1))));
        assertFalse(recorder.recording());
    }

    @Test
    void theRecorderKeepsEveryValueInOrder() {
        recorder.beginRecording();
        for (int i = 0; i < 3000; i++) {
            recorder.add(i);
        }
        recorder.add(1.5f).add(true);
        long[] sig = recorder.endRecording();
        assertEquals(3002, sig.length);
        assertEquals(2999, sig[2999]);
        assertEquals(Float.floatToRawIntBits(1.5f), sig[3000]);
        assertEquals(1, sig[3001]);
        recorder.beginRecording();
        assertArrayEquals(new long[0], recorder.endRecording(), "a new recording starts empty");
    }
}
