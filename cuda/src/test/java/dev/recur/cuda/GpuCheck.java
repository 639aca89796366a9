package dev.recur.cuda;

import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import java.io.PrintWriter;
import java.util.Locale;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.launcher.Launcher;
import org.junit.platform.launcher.LauncherDiscoveryRequest;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;
import org.junit.platform.launcher.listeners.SummaryGeneratingListener;
import org.junit.platform.launcher.listeners.TestExecutionSummary;

/**
 * The GPU checks of this module in one JVM, without Maven, for a short session on a GPU machine: the provider
 * test (opens the device, prints describe()), the conformance suite (cuda against cpu, both RNN paths), the golden
 * suite on the fused and on the cuDNN RNN path, then
 * {@link CudaLstmBench}. Prints one line per failed or skipped test with its reason and a summary; exits 1 when a
 * test failed. Pass {@code -Dgolden.dir} for the golden cases and {@code --no-bench} to skip the timing.
 * See {@code cuda/gpu-check/README.md}.
 */
public final class GpuCheck {
    private GpuCheck() {
    }

    /**
     * Runs the checks.
     *
     * @param args {@code --no-bench} to skip the LSTM timing; other arguments go to {@link CudaLstmBench}
     */
    public static void main(String[] args) {
        boolean bench = args.length == 0 || !args[0].equals("--no-bench");
        LauncherDiscoveryRequest request = LauncherDiscoveryRequestBuilder.request()
                .selectors(selectClass(CudaBackendProviderTest.class), selectClass(CudaConformanceTest.class),
                        selectClass(CudaGoldenTest.class), selectClass(CudaCudnnGoldenTest.class))
                .build();
        Launcher launcher = LauncherFactory.create();
        SummaryGeneratingListener summary = new SummaryGeneratingListener();
        java.util.Set<String> reasons = new java.util.HashSet<>();
        TestExecutionListener lines = new TestExecutionListener() {
            @Override
            public void executionSkipped(TestIdentifier id, String reason) {
                System.out.println("SKIPPED " + id.getDisplayName() + ": " + reason);
            }

            @Override
            public void executionFinished(TestIdentifier id, TestExecutionResult result) {
                if (result.getStatus() == TestExecutionResult.Status.SUCCESSFUL || !id.isTest()) {
                    return;
                }
                String why = result.getThrowable().map(Throwable::getMessage).orElse("");
                // Failures always; each distinct skip reason once (without a GPU every GPU test has the same one).
                if (result.getStatus() == TestExecutionResult.Status.FAILED || reasons.add(why)) {
                    System.out.println(result.getStatus() + " " + id.getDisplayName() + ": " + why);
                }
            }
        };
        launcher.execute(request, summary, lines);
        TestExecutionSummary s = summary.getSummary();
        s.printTo(new PrintWriter(System.out, true));
        s.printFailuresTo(new PrintWriter(System.out, true), 30);
        System.out.printf(Locale.ROOT, "GPU CHECK: %d passed, %d failed, %d skipped (aborted)%n",
                s.getTestsSucceededCount(), s.getTestsFailedCount(), s.getTestsAbortedCount() + s.getTestsSkippedCount());
        if (bench && s.getTestsFailedCount() == 0 && CudaProbe.probe().usable()) {
            String[] rest = args.length > 0 && args[0].equals("--no-bench") ? new String[0] : args;
            CudaLstmBench.main(rest);
        }
        System.exit(s.getTotalFailureCount() > 0 ? 1 : 0);
    }
}
