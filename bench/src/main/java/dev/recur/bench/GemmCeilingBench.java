package dev.recur.bench;

import dev.recur.backend.Backend;
import dev.recur.tensor.DType;
import dev.recur.tensor.Tensor;
import java.util.List;
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
 * The sgemm ceiling of a whole model forward at a peer case ({@link PeerShapesBench}'s model and shape): one
 * op runs every GEMM of that forward ({@link BenchShapes#gemms}) — same shapes, same count — through the
 * backend's {@link Backend#gemm} ({@code c = a wᵀ}, beta 0; OpenBLAS sgemm on cpu) and nothing else. A model
 * forward can run at most at this speed if it does its matrix work as GEMMs of these shapes; the report
 * divides this time by the model's to give its percentage of the ceiling (training: 3× this time, as FLOPs
 * are counted). The per-step operands are reused, so they stay in cache as the recurrent weights do.
 * {@link SgemmBench} times single shapes.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = "--add-modules=jdk.incubator.vector")
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class GemmCeilingBench {
    @Param({"lstm", "gru", "transformer"})
    public String model;

    @Param({"S1", "S2", "S3"})
    public String shape;

    private Backend be;
    private List<BenchShapes.Gemm> gemms;
    private Tensor[][] operands;

    @Setup(Level.Trial)
    public void setUp() {
        int[] c = BenchShapes.peerCase(model, shape);
        be = BenchShapes.backend();
        gemms = BenchShapes.gemms(model, c[0], c[1], c[2]);
        operands = new Tensor[gemms.size()][];
        for (int i = 0; i < gemms.size(); i++) {
            BenchShapes.Gemm g = gemms.get(i);
            operands[i] = new Tensor[] {
                be.fromFloats(BenchShapes.uniform(1 + i, g.m() * g.k()), g.m(), g.k()),
                be.fromFloats(BenchShapes.uniform(50 + i, g.n() * g.k()), g.n(), g.k()),
                be.zeros(DType.F32, g.m(), g.n())};
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        for (Tensor[] ts : operands) {
            for (Tensor t : ts) {
                t.close();
            }
        }
    }

    /** Every GEMM of the forward, in order; returns the last output. */
    @Benchmark
    public Tensor gemms() {
        Tensor last = null;
        for (int i = 0; i < operands.length; i++) {
            Tensor[] o = operands[i];
            for (int r = gemms.get(i).count(); r > 0; r--) {
                be.gemm(false, true, 1f, o[0], o[1], 0f, o[2]);
            }
            last = o[2];
        }
        return last;
    }
}
