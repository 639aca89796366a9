package dev.recur.cpu.internal;

import dev.recur.backend.RnnContext;
import dev.recur.backend.RnnMode;
import dev.recur.backend.RnnSpec;
import dev.recur.backend.RnnWeights;
import dev.recur.backend.RnnWeights.Kind;
import dev.recur.cpu.CpuBackend;
import dev.recur.cpu.CpuTensor;
import dev.recur.tensor.DType;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * The sequence-level recurrent op on the CPU: per layer and direction, one GEMM projects the inputs of all
 * steps ({@code [T*B, I] x [I, G*H]}); then each step runs one recurrent GEMM on the rows still running
 * and one fused pointwise pass ({@link CellKernels}). Backward runs the steps in reverse with one GEMM per
 * step for {@code dh}, and accumulates the weight gradients as single large GEMMs after the loop.
 *
 * <p>States live in {@code hs [T+1, B, Hout]} (and {@code cs [T+1, B, H]}) indexed by the boundary between
 * steps: the forward direction goes from slot {@code t} to {@code t+1}, the reverse from {@code t+1} to
 * {@code t}. Rows that are not running at a step carry their state across it unchanged, so each row's final
 * state is at slot T (forward) or 0 (reverse), and in backward gradients carry back the same way.
 */
public final class CpuRnn {
    private CpuRnn() {
    }

    /** Saved activations of one layer and direction. */
    private static final class Direction {
        CpuTensor gates; // [T, B, G*H]: input projection, then activated gates (RNN: h itself)
        CpuTensor hs;    // [T+1, B, Hout]
        CpuTensor cs;    // [T+1, B, H] (LSTM)
        CpuTensor ms;    // [T, B, H] o * tanh(c) before projection (LSTM with P > 0)
        CpuTensor gru;   // [T, B, 4H] r, z, n, gh_n (GRU)

        void close() {
            for (CpuTensor t : new CpuTensor[] {gates, hs, cs, ms, gru}) {
                if (t != null) {
                    t.close();
                }
            }
        }
    }

    /** What forward keeps for backward. */
    private static final class Context implements RnnContext {
        final RnnSpec spec;
        final RnnWeights w;
        final BatchOrder order;
        final int steps;
        final int batch;
        final CpuTensor input;         // layer 0 input in sorted order [T, B, I]
        final boolean ownsInput;
        final List<CpuTensor> outputs; // output of layer l (input of l+1) in sorted order [T, B, D*Hout]
        final Direction[][] dirs;      // [layer][direction]
        boolean closed;

        Context(RnnSpec spec, RnnWeights w, BatchOrder order, int steps, int batch, CpuTensor input,
                boolean ownsInput) {
            this.spec = spec;
            this.w = w;
            this.order = order;
            this.steps = steps;
            this.batch = batch;
            this.input = input;
            this.ownsInput = ownsInput;
            this.outputs = new ArrayList<>();
            this.dirs = new Direction[spec.numLayers()][spec.directions()];
        }

        @Override
        public RnnSpec spec() {
            return spec;
        }

        @Override
        public void close() {
            if (closed) {
                return;
            }
            closed = true;
            if (ownsInput) {
                input.close();
            }
            outputs.forEach(CpuTensor::close);
            for (Direction[] layer : dirs) {
                for (Direction d : layer) {
                    if (d != null) {
                        d.close();
                    }
                }
            }
        }
    }

    /** See {@link dev.recur.backend.Backend#rnnForward}. */
    public static RnnContext forward(CpuBackend be, RnnWeights w, CpuTensor x, CpuTensor h0, CpuTensor c0,
                                     int[] lengths, CpuTensor y, CpuTensor hn, CpuTensor cn, boolean keep) {
        RnnSpec spec = w.spec();
        int steps = x.dim(0);
        int batch = x.dim(1);
        int dirs = spec.directions();
        int hidden = spec.hiddenSize();
        int hout = spec.outputSize();
        BatchOrder order = BatchOrder.of(lengths, steps, batch);
        CpuTensor xs = order.identity() ? x : gatherRows(be, x, order);
        Context ctx = new Context(spec, w, order, steps, batch, xs, !order.identity());
        CpuTensor h0s = h0 == null ? null : order.identity() ? h0 : gatherRows(be, h0, order);
        CpuTensor c0s = c0 == null ? null : order.identity() ? c0 : gatherRows(be, c0, order);
        CpuTensor hnS = order.identity() ? hn : zeros(be, hn.shape());
        CpuTensor cnS = cn == null || order.identity() ? cn : zeros(be, cn.shape());
        CpuTensor in = xs;
        try {
            for (int l = 0; l < spec.numLayers(); l++) {
                CpuTensor out = zeros(be, steps, batch, dirs * hout);
                for (int d = 0; d < dirs; d++) {
                    int s = l * dirs + d;
                    Direction dir = forwardDirection(be, w, l, d, in, h0s, c0s, s, order, out);
                    int last = d == 0 ? steps : 0;
                    copy(dir.hs, last * batch * hout, hnS, s * batch * hout, batch * hout);
                    if (cnS != null) {
                        copy(dir.cs, last * batch * hidden, cnS, s * batch * hidden, batch * hidden);
                    }
                    ctx.dirs[l][d] = dir;
                }
                if (l + 1 < spec.numLayers()) {
                    ctx.outputs.add(out);
                } else {
                    scatterRows(out, y, order);
                    out.close();
                }
                in = out;
            }
            if (!order.identity()) {
                scatterRows(hnS, hn, order);
                if (cn != null) {
                    scatterRows(cnS, cn, order);
                }
            }
        } finally {
            if (!order.identity()) {
                closeAll(h0s, c0s, hnS, cnS);
            }
            if (!keep) {
                ctx.close();
            }
        }
        return keep ? ctx : null;
    }

    private static Direction forwardDirection(CpuBackend be, RnnWeights w, int layer, int d, CpuTensor in,
                                              CpuTensor h0s, CpuTensor c0s, int stateIndex, BatchOrder order,
                                              CpuTensor out) {
        RnnSpec spec = w.spec();
        RnnMode mode = spec.mode();
        int steps = in.dim(0);
        int batch = in.dim(1);
        int inSize = in.dim(2);
        int hidden = spec.hiddenSize();
        int hout = spec.outputSize();
        int proj = spec.projSize();
        int gh = spec.gateRows();
        int outWidth = out.dim(2);
        CpuTensor wIh = (CpuTensor) w.get(Kind.WEIGHT_IH, layer, d);
        CpuTensor wHh = (CpuTensor) w.get(Kind.WEIGHT_HH, layer, d);
        CpuTensor bIh = (CpuTensor) w.get(Kind.BIAS_IH, layer, d);
        CpuTensor bHh = (CpuTensor) w.get(Kind.BIAS_HH, layer, d);
        CpuTensor wHr = (CpuTensor) w.get(Kind.WEIGHT_HR, layer, d);

        Direction dir = new Direction();
        dir.gates = zeros(be, steps, batch, gh);
        dir.hs = zeros(be, steps + 1, batch, hout);
        if (mode == RnnMode.LSTM) {
            dir.cs = zeros(be, steps + 1, batch, hidden);
        }
        if (proj > 0) {
            dir.ms = zeros(be, steps, batch, hidden);
        }
        CpuTensor ghStep = null;
        if (mode == RnnMode.GRU) {
            dir.gru = zeros(be, steps, batch, 4 * hidden);
            ghStep = zeros(be, batch, gh);
        }
        try {
            // gates [T*B, G*H] = in [T*B, I] W_ih^T + bias (GRU: b_ih only; b_hh stays on the hidden side).
            gemm(false, true, steps * batch, gh, inSize, 1f, in, 0, inSize, wIh, 0, inSize, 0f, dir.gates, 0, gh);
            if (bIh != null) {
                addBias(dir.gates, steps * batch, gh, bIh, mode == RnnMode.GRU ? null : bHh);
            }
            int first = d == 0 ? 0 : steps;
            if (h0s != null) {
                copy(h0s, stateIndex * batch * hout, dir.hs, first * batch * hout, batch * hout);
            }
            if (c0s != null) {
                copy(c0s, stateIndex * batch * hidden, dir.cs, first * batch * hidden, batch * hidden);
            }
            FloatBuffer g = dir.gates.floats();
            FloatBuffer hs = dir.hs.floats();
            for (int k = 0; k < steps; k++) {
                int t = d == 0 ? k : steps - 1 - k;
                int prev = d == 0 ? t : t + 1;
                int next = d == 0 ? t + 1 : t;
                int bs = order.batchSizes()[t];
                int gOff = t * batch * gh;
                int hPrev = prev * batch * hout;
                int hNext = next * batch * hout;
                switch (mode) {
                    case LSTM -> {
                        gemm(false, true, bs, gh, hout, 1f, dir.hs, hPrev, hout, wHh, 0, hout, 1f, dir.gates, gOff, gh);
                        FloatBuffer cs = dir.cs.floats();
                        if (proj > 0) {
                            CellKernels.lstmForward(g, gOff, cs, prev * batch * hidden, cs, next * batch * hidden,
                                    dir.ms.floats(), t * batch * hidden, bs, hidden);
                            gemm(false, true, bs, proj, hidden, 1f, dir.ms, t * batch * hidden, hidden, wHr, 0, hidden,
                                    0f, dir.hs, hNext, proj);
                        } else {
                            CellKernels.lstmForward(g, gOff, cs, prev * batch * hidden, cs, next * batch * hidden,
                                    hs, hNext, bs, hidden);
                        }
                        copy(dir.cs, prev * batch * hidden + bs * hidden, dir.cs, next * batch * hidden + bs * hidden,
                                (batch - bs) * hidden);
                    }
                    case GRU -> {
                        gemm(false, true, bs, gh, hout, 1f, dir.hs, hPrev, hout, wHh, 0, hout, 0f, ghStep, 0, gh);
                        CellKernels.gruForward(g, gOff, ghStep.floats(), ghStep.offset(),
                                bHh == null ? null : bHh.floats(), bHh == null ? 0 : bHh.offset(), hs, hPrev, hs, hNext,
                                dir.gru.floats(), t * batch * 4 * hidden, bs, hidden);
                    }
                    case RNN_TANH, RNN_RELU -> {
                        gemm(false, true, bs, gh, hout, 1f, dir.hs, hPrev, hout, wHh, 0, hout, 1f, dir.gates, gOff, gh);
                        CellKernels.activate(mode.activation(), g, gOff, g, gOff, bs * hidden);
                        copy(dir.gates, gOff, dir.hs, hNext, bs * hidden);
                    }
                }
                // Sequences that are not running at step t carry their state across it.
                copy(dir.hs, hPrev + bs * hout, dir.hs, hNext + bs * hout, (batch - bs) * hout);
                for (int b = 0; b < bs; b++) {
                    copy(dir.hs, hNext + b * hout, out, (t * batch + b) * outWidth + d * hout, hout);
                }
            }
        } finally {
            if (ghStep != null) {
                ghStep.close();
            }
        }
        return dir;
    }

    /** See {@link dev.recur.backend.Backend#rnnBackward}. */
    public static void backward(CpuBackend be, RnnContext context, CpuTensor dy, CpuTensor dhn, CpuTensor dcn,
                                CpuTensor dx, CpuTensor dh0, CpuTensor dc0, RnnWeights grads) {
        Context ctx = (Context) context;
        if (ctx.closed) {
            throw new IllegalStateException(ctx.spec.mode().opName() + ": backward needs the saved activations, "
                    + "got a closed context");
        }
        RnnSpec spec = ctx.spec;
        BatchOrder order = ctx.order;
        int steps = ctx.steps;
        int batch = ctx.batch;
        int dirs = spec.directions();
        int hout = spec.outputSize();
        int width = dirs * hout;
        List<CpuTensor> temps = new ArrayList<>();
        try {
            // d loss / d output of the top layer, sorted, with padded steps zeroed: they must have no effect.
            CpuTensor dOut = zeros(be, steps, batch, width);
            temps.add(dOut);
            if (dy != null) {
                gatherRowsInto(dy, dOut, order);
                FloatBuffer f = dOut.floats();
                for (int t = 0; t < steps; t++) {
                    int bs = order.batchSizes()[t];
                    for (int i = (t * batch + bs) * width; i < (t + 1) * batch * width; i++) {
                        f.put(i, 0f);
                    }
                }
            }
            CpuTensor dhnS = sortedOrNull(be, dhn, order, temps);
            CpuTensor dcnS = sortedOrNull(be, dcn, order, temps);
            CpuTensor dh0S = order.identity() ? dh0 : track(zeros(be, dh0.shape()), temps);
            CpuTensor dc0S = dc0 == null || order.identity() ? dc0 : track(zeros(be, dc0.shape()), temps);
            for (int l = spec.numLayers() - 1; l >= 0; l--) {
                CpuTensor in = l == 0 ? ctx.input : ctx.outputs.get(l - 1);
                CpuTensor dIn = l == 0 && order.identity() ? dx : track(zeros(be, in.shape()), temps);
                for (int d = 0; d < dirs; d++) {
                    backwardDirection(be, ctx, l, d, in, dOut, dhnS, dcnS, dh0S, dc0S, dIn, grads);
                }
                dOut = dIn;
            }
            if (!order.identity()) {
                scatterRows(dOut, dx, order);
                scatterRows(dh0S, dh0, order);
                if (dc0 != null) {
                    scatterRows(dc0S, dc0, order);
                }
            }
        } finally {
            temps.forEach(CpuTensor::close);
        }
    }

    private static void backwardDirection(CpuBackend be, Context ctx, int layer, int d, CpuTensor in, CpuTensor dOut,
                                          CpuTensor dhnS, CpuTensor dcnS, CpuTensor dh0S, CpuTensor dc0S,
                                          CpuTensor dIn, RnnWeights grads) {
        RnnSpec spec = ctx.spec;
        RnnMode mode = spec.mode();
        RnnWeights w = ctx.w;
        Direction dir = ctx.dirs[layer][d];
        int steps = ctx.steps;
        int batch = ctx.batch;
        int inSize = in.dim(2);
        int hidden = spec.hiddenSize();
        int hout = spec.outputSize();
        int proj = spec.projSize();
        int gh = spec.gateRows();
        int width = dOut.dim(2);
        int s = layer * spec.directions() + d;
        CpuTensor wIh = (CpuTensor) w.get(Kind.WEIGHT_IH, layer, d);
        CpuTensor wHh = (CpuTensor) w.get(Kind.WEIGHT_HH, layer, d);
        CpuTensor wHr = (CpuTensor) w.get(Kind.WEIGHT_HR, layer, d);
        List<CpuTensor> temps = new ArrayList<>();
        try {
            // dG: d loss / d pre-activation per step [T, B, G*H] (GRU: input side; dGh is the hidden side).
            CpuTensor dG = track(zeros(be, steps, batch, gh), temps);
            CpuTensor dGh = mode == RnnMode.GRU ? track(zeros(be, steps, batch, gh), temps) : dG;
            CpuTensor dh = track(zeros(be, batch, hout), temps);
            CpuTensor dc = mode == RnnMode.LSTM ? track(zeros(be, batch, hidden), temps) : null;
            CpuTensor dhAll = proj > 0 ? track(zeros(be, steps, batch, proj), temps) : null;
            CpuTensor dm = proj > 0 ? track(zeros(be, batch, hidden), temps) : dh;
            if (dhnS != null) {
                copy(dhnS, s * batch * hout, dh, 0, batch * hout);
            }
            if (dcnS != null) {
                copy(dcnS, s * batch * hidden, dc, 0, batch * hidden);
            }
            FloatBuffer dhf = dh.floats();
            FloatBuffer dof = dOut.floats();
            for (int k = steps - 1; k >= 0; k--) {
                int t = d == 0 ? k : steps - 1 - k;
                int prev = d == 0 ? t : t + 1;
                int next = d == 0 ? t + 1 : t;
                int bs = ctx.order.batchSizes()[t];
                int gOff = t * batch * gh;
                // dh[0:bs] += dOut[t, 0:bs, d*Hout : (d+1)*Hout]
                for (int b = 0; b < bs; b++) {
                    int src = (t * batch + b) * width + d * hout;
                    for (int j = 0; j < hout; j++) {
                        dhf.put(b * hout + j, dhf.get(b * hout + j) + dof.get(src + j));
                    }
                }
                switch (mode) {
                    case LSTM -> {
                        if (proj > 0) {
                            // h = m W_hr^T: dm = dh W_hr; dW_hr gets dh^T m after the loop.
                            copy(dh, 0, dhAll, t * batch * proj, bs * proj);
                            gemm(false, false, bs, hidden, proj, 1f, dh, 0, proj, wHr, 0, hidden, 0f, dm, 0, hidden);
                        }
                        FloatBuffer cs = dir.cs.floats();
                        CellKernels.lstmBackward(dir.gates.floats(), gOff, cs, prev * batch * hidden, cs,
                                next * batch * hidden, dm.floats(), 0, dc.floats(), 0, dG.floats(), gOff, bs, hidden);
                        // h_prev feeds the gates through W_hh: dh_prev[0:bs] = dG W_hh.
                        gemm(false, false, bs, hout, gh, 1f, dG, gOff, gh, wHh, 0, hout, 0f, dh, 0, hout);
                    }
                    case GRU -> {
                        CellKernels.gruBackward(dir.gru.floats(), t * batch * 4 * hidden, dir.hs.floats(),
                                prev * batch * hout, dhf, 0, dG.floats(), gOff, dGh.floats(), gOff, bs, hidden);
                        gemm(false, false, bs, hout, gh, 1f, dGh, gOff, gh, wHh, 0, hout, 1f, dh, 0, hout);
                    }
                    case RNN_TANH, RNN_RELU -> {
                        CellKernels.activateBackward(mode.activation(), null, 0, dir.gates.floats(), gOff, dhf, 0,
                                dG.floats(), gOff, bs * hidden);
                        gemm(false, false, bs, hout, gh, 1f, dG, gOff, gh, wHh, 0, hout, 0f, dh, 0, hout);
                    }
                }
            }
            copy(dh, 0, dh0S, s * batch * hout, batch * hout);
            if (dc0S != null) {
                copy(dc, 0, dc0S, s * batch * hidden, batch * hidden);
            }
            // Weight gradients over all steps at once; rows of steps that did not run are 0 in dG.
            int rows = steps * batch;
            gemm(true, false, gh, inSize, rows, 1f, dG, 0, gh, in, 0, inSize, 1f,
                    (CpuTensor) grads.get(Kind.WEIGHT_IH, layer, d), 0, inSize);
            int firstPrev = d == 0 ? 0 : batch * hout;
            gemm(true, false, gh, hout, rows, 1f, dGh, 0, gh, dir.hs, firstPrev, hout, 1f,
                    (CpuTensor) grads.get(Kind.WEIGHT_HH, layer, d), 0, hout);
            if (spec.bias()) {
                sumRows(dG, rows, gh, (CpuTensor) grads.get(Kind.BIAS_IH, layer, d));
                sumRows(dGh, rows, gh, (CpuTensor) grads.get(Kind.BIAS_HH, layer, d));
            }
            if (proj > 0) {
                gemm(true, false, proj, hidden, rows, 1f, dhAll, 0, proj, dir.ms, 0, hidden, 1f,
                        (CpuTensor) grads.get(Kind.WEIGHT_HR, layer, d), 0, hidden);
            }
            // d loss / d layer input, summed over directions.
            gemm(false, false, rows, inSize, gh, 1f, dG, 0, gh, wIh, 0, inSize, 1f, dIn, 0, inSize);
        } finally {
            temps.forEach(CpuTensor::close);
        }
    }

    // ------------------------------------------------------------------ helpers on off-heap blocks

    /** GEMM on tensors at element offsets (see {@link Blas#sgemm}). */
    static void gemm(boolean transA, boolean transB, int m, int n, int k, float alpha, CpuTensor a, long aOff, int lda,
                     CpuTensor b, long bOff, int ldb, float beta, CpuTensor c, long cOff, int ldc) {
        Blas.sgemm(transA, transB, m, n, k, alpha, a.address() + 4 * aOff, lda, b.address() + 4 * bOff, ldb, beta,
                c.address() + 4 * cOff, ldc);
    }

    /** {@code y[r, :] += b1 (+ b2)} for rows of width {@code cols}. */
    private static void addBias(CpuTensor y, int rows, int cols, CpuTensor b1, CpuTensor b2) {
        float[] bias = new float[cols];
        b1.floats().get(b1.offset(), bias);
        if (b2 != null) {
            FloatBuffer f2 = b2.floats();
            for (int j = 0; j < cols; j++) {
                bias[j] += f2.get(b2.offset() + j);
            }
        }
        FloatBuffer f = y.floats();
        int base = y.offset();
        for (int r = 0; r < rows; r++) {
            for (int j = 0; j < cols; j++) {
                int i = base + r * cols + j;
                f.put(i, f.get(i) + bias[j]);
            }
        }
    }

    /** {@code out[j] += sum_r x[r, j]}. */
    public static void sumRows(CpuTensor x, int rows, int cols, CpuTensor out) {
        float[] acc = new float[cols];
        FloatBuffer f = x.floats();
        int base = x.offset();
        for (int r = 0; r < rows; r++) {
            for (int j = 0; j < cols; j++) {
                acc[j] += f.get(base + r * cols + j);
            }
        }
        FloatBuffer o = out.floats();
        for (int j = 0; j < cols; j++) {
            o.put(out.offset() + j, o.get(out.offset() + j) + acc[j]);
        }
    }

    /** Copies {@code n} floats between blocks (element offsets relative to each tensor). */
    static void copy(CpuTensor src, int srcOff, CpuTensor dst, int dstOff, int n) {
        if (n > 0) {
            dst.floats().put(dst.offset() + dstOff, src.floats(), src.offset() + srcOff, n);
        }
    }

    private static CpuTensor zeros(CpuBackend be, int... shape) {
        return (CpuTensor) be.zeros(DType.F32, shape);
    }

    private static CpuTensor track(CpuTensor t, List<CpuTensor> temps) {
        temps.add(t);
        return t;
    }

    private static CpuTensor sortedOrNull(CpuBackend be, CpuTensor t, BatchOrder order, List<CpuTensor> temps) {
        if (t == null || order.identity()) {
            return t;
        }
        return track(gatherRows(be, t, order), temps);
    }

    /** A new {@code [A, B, F]} tensor with dimension 1 in sorted order: {@code out[a, i] = t[a, perm[i]]}. */
    private static CpuTensor gatherRows(CpuBackend be, CpuTensor t, BatchOrder order) {
        CpuTensor out = zeros(be, t.shape());
        gatherRowsInto(t, out, order);
        return out;
    }

    private static void gatherRowsInto(CpuTensor t, CpuTensor out, BatchOrder order) {
        int outer = t.dim(0);
        int batch = t.dim(1);
        int f = t.dim(2);
        for (int a = 0; a < outer; a++) {
            for (int i = 0; i < batch; i++) {
                copy(t, (a * batch + order.perm()[i]) * f, out, (a * batch + i) * f, f);
            }
        }
    }

    /** {@code out[a, perm[i]] = sorted[a, i]}: back to the caller's order. */
    private static void scatterRows(CpuTensor sorted, CpuTensor out, BatchOrder order) {
        int outer = sorted.dim(0);
        int batch = sorted.dim(1);
        int f = sorted.dim(2);
        for (int a = 0; a < outer; a++) {
            for (int i = 0; i < batch; i++) {
                copy(sorted, (a * batch + i) * f, out, (a * batch + order.perm()[i]) * f, f);
            }
        }
    }

    private static void closeAll(CpuTensor... ts) {
        for (CpuTensor t : ts) {
            if (t != null) {
                t.close();
            }
        }
    }
}
