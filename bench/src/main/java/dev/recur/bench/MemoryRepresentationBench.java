package dev.recur.bench;

import static org.bytedeco.openblas.global.openblas_nolapack.CblasNoTrans;
import static org.bytedeco.openblas.global.openblas_nolapack.CblasRowMajor;
import static org.bytedeco.openblas.global.openblas_nolapack.CblasTrans;
import static org.bytedeco.openblas.global.openblas_nolapack.cblas_sgemm;

import dev.recur.backend.Backends;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.concurrent.TimeUnit;
import org.bytedeco.javacpp.FloatPointer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The measurement behind "cpu tensors live off-heap": the same {@code cblas_sgemm} (JavaCPP's
 * {@code openblas_nolapack}) at the S2 step shape {@code [32, 256] x [256, 1024]}, laid out as the LSTM
 * does ({@code c [32, 1024] = a [32, 256] w^T}, {@code w [1024, 256]}), with the operands handed over as
 * <ul>
 *   <li>{@code heapArray}: {@code float[]} — JavaCPP's JNI wrapper pins or copies each array
 *       ({@code Get/ReleaseFloatArrayElements}), 1.2 MB per call here, and copies back;</li>
 *   <li>{@code floatPointer}: {@link FloatPointer} off-heap memory — the address goes straight to C;</li>
 *   <li>{@code directBuffer}: direct {@link FloatBuffer} — the buffer's address goes straight to C.</li>
 * </ul>
 * Heap {@code FloatBuffer}s are left out on purpose: a sliced, offset heap buffer
 * ({@code FloatBuffer.wrap(arr, off, len).slice()}) crashed JavaCPP with "free(): invalid pointer" in a probe.
 * OpenBLAS threads are set by creating the cpu backend (recur.cpu.threads, default: all processors), so the
 * numbers compare with {@link SgemmBench}'s {@code step_S2}. FLOPs {@code 2 M N K} = 16.8 M.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = "--add-modules=jdk.incubator.vector")
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class MemoryRepresentationBench {
    static final int M = 32;
    static final int N = 1024;
    static final int K = 256;

    private float[] aArr;
    private float[] wArr;
    private float[] cArr;
    private FloatPointer aPtr;
    private FloatPointer wPtr;
    private FloatPointer cPtr;
    private FloatBuffer aBuf;
    private FloatBuffer wBuf;
    private FloatBuffer cBuf;

    @Setup(Level.Trial)
    public void setup() {
        Backends.get("cpu"); // loads OpenBLAS and sets its thread count, as for every other benchmark
        aArr = BenchShapes.uniform(1, M * K);
        wArr = BenchShapes.uniform(2, N * K);
        cArr = new float[M * N];
        aPtr = new FloatPointer(aArr);
        wPtr = new FloatPointer(wArr);
        cPtr = new FloatPointer((long) M * N);
        aBuf = direct(aArr);
        wBuf = direct(wArr);
        cBuf = direct(cArr);
    }

    private static FloatBuffer direct(float[] values) {
        FloatBuffer b = ByteBuffer.allocateDirect(values.length * Float.BYTES).order(ByteOrder.nativeOrder())
                .asFloatBuffer();
        b.put(values).flip();
        return b;
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        aPtr.close();
        wPtr.close();
        cPtr.close();
    }

    @Benchmark
    public float[] heapArray() {
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, M, N, K, 1f, aArr, K, wArr, K, 0f, cArr, N);
        return cArr;
    }

    @Benchmark
    public FloatPointer floatPointer() {
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, M, N, K, 1f, aPtr, K, wPtr, K, 0f, cPtr, N);
        return cPtr;
    }

    @Benchmark
    public FloatBuffer directBuffer() {
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, M, N, K, 1f, aBuf, K, wBuf, K, 0f, cBuf, N);
        return cBuf;
    }
}
