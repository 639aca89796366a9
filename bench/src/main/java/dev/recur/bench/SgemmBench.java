package dev.recur.bench;

import dev.recur.backend.Backend;
import dev.recur.backend.Backends;
import dev.recur.tensor.DType;
import dev.recur.tensor.Tensor;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The OpenBLAS ceiling for the LSTM's two GEMMs, through the cpu backend's {@link Backend#gemm} exactly as
 * the LSTM calls it: {@code c [M, N] = a [M, K] w^T}, with {@code w [N, K]} stored like {@code weight_hh}
 * / {@code weight_ih} ({@code [4H, H]}, {@code [4H, I]}) and transposed in the call; beta = 0.
 * FLOPs {@code 2 M N K}.
 *
 * <ul>
 *   <li>{@code step_S1}: [1, 128] x [128, 512] — one recurrent step of S1 (a GEMV).</li>
 *   <li>{@code step_S2}: [32, 256] x [256, 1024] — one recurrent step of S2.</li>
 *   <li>{@code inproj_S1}: [128, 128] x [128, 512] — S1's input projection, all T steps at once.</li>
 *   <li>{@code inproj_S2}: [4096, 256] x [256, 1024] — S2's input projection, all T steps at once.</li>
 *   <li>{@code step_S3}, {@code inproj_S3}: [64, 512] x [512, 2048] and [16384, 512] x [512, 2048] (S3).</li>
 *   <li>{@code gru_step_S2}, {@code gru_inproj_S2}: the GRU's (3H) step and input projection at S2.</li>
 *   <li>any {@code MxNxK}, e.g. {@code -p shape=4096x256x1024} (the transformer's second feed-forward GEMM).</li>
 * </ul>
 * {@link GemmCeilingBench} times a whole model forward's GEMMs at once, which is what the report's
 * "percentage of the sgemm ceiling" uses.
 * The same operands are reused every call (they fit in L2/L3 for the step shapes, as in the LSTM loop,
 * where {@code weight_hh} is read again every step).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = "--add-modules=jdk.incubator.vector")
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class SgemmBench {
    @Param({"step_S1", "step_S2", "inproj_S1", "inproj_S2"})
    public String shape;

    private Backend be;
    private Tensor a;
    private Tensor w;
    private Tensor c;

    /** {M, N, K} of a named case. */
    static int[] mnk(String name) {
        return switch (name) {
            case "step_S1" -> new int[] {1, 512, 128};
            case "step_S2" -> new int[] {32, 1024, 256};
            case "inproj_S1" -> new int[] {128, 512, 128};
            case "inproj_S2" -> new int[] {4096, 1024, 256};
            case "step_S3" -> new int[] {64, 2048, 512};
            case "inproj_S3" -> new int[] {16384, 2048, 512};
            case "gru_step_S2" -> new int[] {32, 768, 256};
            case "gru_inproj_S2" -> new int[] {4096, 768, 256};
            default -> {
                String[] p = name.split("x");
                if (p.length != 3) {
                    throw new IllegalArgumentException("unknown sgemm shape " + name
                            + ", expected a named case or MxNxK");
                }
                yield new int[] {Integer.parseInt(p[0]), Integer.parseInt(p[1]), Integer.parseInt(p[2])};
            }
        };
    }

    @Setup(Level.Trial)
    public void setup() {
        int[] s = mnk(shape);
        int m = s[0];
        int n = s[1];
        int k = s[2];
        be = Backends.get("cpu");
        a = be.fromFloats(BenchShapes.uniform(1, m * k), m, k);
        w = be.fromFloats(BenchShapes.uniform(2, n * k), n, k);
        c = be.zeros(DType.F32, m, n);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        a.close();
        w.close();
        c.close();
    }

    /** {@code c = a w^T}; returns c so the call cannot be elided. */
    @Benchmark
    public Tensor gemm() {
        be.gemm(false, true, 1f, a, w, 0f, c);
        return c;
    }
}
