package dev.recur.cuda;

import dev.recur.backend.RnnMode;
import dev.recur.backend.RnnSpec;
import dev.recur.backend.RnnWeights;
import dev.recur.backend.RnnWeights.Kind;
import dev.recur.tensor.DType;
import dev.recur.tensor.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * A quick timing of LSTM forward (inference, no state kept) on the CUDA backend for a GPU session, before the JMH
 * benchmarks cover cuda: B in {1, 32, 64} (or {@code --batch 1,32,64,256}), T = 256, I = H = 512, one layer,
 * with {@code --warmup} (default 10) and {@code --iters} (default 50) runs per size, each ended by a stream
 * synchronize. Prints the median and the spread (min, max) in ms and the useful GFLOP/s,
 * {@code 2 T B 4H (I + H) / time}. Each path of {@code --paths} runs on its own backend, one after the other:
 * {@code fused}, {@code graphs} (fused with {@code -Drecur.cuda.graphs=true}: the step loop replayed as a CUDA
 * graph), {@code cudnn}; default all three (cudnn where cuDNN loaded).
 *
 * <pre>java -cp ... dev.recur.cuda.CudaLstmBench [--batch 1,32,64] [--steps 256] [--size 512] [--iters 50]
 *     [--paths fused,graphs,cudnn]</pre>
 */
public final class CudaLstmBench {
    private CudaLstmBench() {
    }

    /**
     * Runs the timing and prints one line per batch size.
     *
     * @param args {@code --batch}, {@code --steps}, {@code --size} (I = H), {@code --warmup}, {@code --iters},
     *             {@code --paths}
     */
    public static void main(String[] args) {
        int[] batches = {1, 32, 64};
        int steps = 256;
        int size = 512;
        int warmup = 10;
        int iters = 50;
        CudaProbe.Result probe = CudaProbe.probe();
        if (!probe.usable()) {
            System.out.println("CudaLstmBench: no usable GPU: " + probe.failure());
            return;
        }
        List<String> paths = probe.cudnnVersion() != null ? List.of("fused", "graphs", "cudnn")
                : List.of("fused", "graphs");
        for (int i = 0; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--batch" -> batches = Arrays.stream(args[i + 1].split(",")).mapToInt(Integer::parseInt).toArray();
                case "--steps" -> steps = Integer.parseInt(args[i + 1]);
                case "--size" -> size = Integer.parseInt(args[i + 1]);
                case "--warmup" -> warmup = Integer.parseInt(args[i + 1]);
                case "--iters" -> iters = Integer.parseInt(args[i + 1]);
                case "--paths" -> paths = Arrays.stream(args[i + 1].split(",")).map(String::trim).toList();
                default -> throw new IllegalArgumentException("CudaLstmBench: unknown option " + args[i]
                        + "; expected --batch, --steps, --size, --warmup, --iters or --paths");
            }
        }
        CudaOptions options = CudaOptions.fromSystemProperties();
        for (String path : paths) {
            CudaOptions o = path.equals("graphs") ? options.withRnnPath(CudaOptions.RnnPath.FUSED).withGraphs(true)
                    : options.withRnnPath(CudaOptions.parseRnnPath(path)).withGraphs(false);
            run(probe, o, path, batches, steps, size, warmup, iters);
        }
    }

    private static void run(CudaProbe.Result probe, CudaOptions options, String path, int[] batches, int steps,
                            int size, int warmup, int iters) {
        try (CudaBackend be = CudaBackend.open(probe, options)) {
            System.out.print(be.describe());
            RnnSpec spec = new RnnSpec(RnnMode.LSTM, size, size, 0, 1, false, true);
            Random rnd = new Random(42);
            RnnWeights w = new RnnWeights(spec);
            List<Tensor> owned = new ArrayList<>();
            for (Kind k : Kind.values()) {
                if (RnnWeights.exists(spec, k)) {
                    int[] shape = RnnWeights.shape(spec, k, 0);
                    Tensor t = be.fromFloats(random(rnd, shape, 0.05f), shape);
                    owned.add(t);
                    w.set(k, 0, 0, t);
                }
            }
            System.out.printf(Locale.ROOT, "LSTM forward, %s path, T=%d, I=H=%d, 1 layer, fp32, %d warm-up + %d "
                    + "timed runs%n", path, steps, size, warmup, iters);
            for (int batch : batches) {
                try (Tensor x = be.fromFloats(random(rnd, new int[] {steps, batch, size}, 1f), steps, batch, size);
                     Tensor y = be.zeros(DType.F32, steps, batch, size);
                     Tensor hn = be.zeros(DType.F32, 1, batch, size);
                     Tensor cn = be.zeros(DType.F32, 1, batch, size)) {
                    for (int i = 0; i < warmup; i++) {
                        be.rnnForward(w, x, null, null, null, y, hn, cn, false);
                    }
                    be.synchronize();
                    double[] ms = new double[iters];
                    for (int i = 0; i < iters; i++) {
                        long t0 = System.nanoTime();
                        be.rnnForward(w, x, null, null, null, y, hn, cn, false);
                        be.synchronize();
                        ms[i] = (System.nanoTime() - t0) / 1e6;
                    }
                    Arrays.sort(ms);
                    double median = ms[iters / 2];
                    double flops = 2.0 * steps * batch * 4 * size * (size + size);
                    System.out.printf(Locale.ROOT, "%-6s B=%-4d median %8.3f ms (min %.3f, max %.3f)  %7.1f "
                            + "GFLOP/s%n", path, batch, median, ms[0], ms[iters - 1], flops / (median * 1e6));
                }
            }
            owned.forEach(Tensor::close);
            if (options.graphsOn()) {
                CudaGraphs<?> g = be.graphs();
                System.out.printf(Locale.ROOT, "graphs: %d regions run directly, %d captured, %d replays%s%n",
                        g.direct(), g.captured(), g.replayed(), g.enabled() ? "" : " (turned off: a capture failed)");
            }
        }
    }

    private static float[] random(Random rnd, int[] shape, float scale) {
        int n = 1;
        for (int d : shape) {
            n *= d;
        }
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) (rnd.nextGaussian() * scale);
        }
        return a;
    }
}
