package dev.recur.cpu.internal;

import dev.recur.backend.GruGates;
import dev.recur.backend.LstmGates;
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
 * state is at slot T (forward) or 0 (reverse), and in backward gradients carry back the same way. Inference
 * (nothing kept for backward) uses two {@code hs} slots in turn, no {@code cs}, and saves no gates.
 *
 * <p>The pointwise work of a step runs on heap arrays ({@link CellKernels}'s {@code ...Arrays} kernels): the
 * step's rows are copied in and out with bulk {@code FloatBuffer} copies, and the LSTM cell state (and, in
 * backward, its gradient) stays in a heap array across the steps. The scratch arrays are allocated once per
 * call and direction, never per step.
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
                    ctx.dirs[l][d] = forwardDirection(be, w, l, d, in, h0s, c0s, l * dirs + d, order, out, hnS, cnS,
                            keep);
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

    /**
     * One layer and direction. With {@code keep} the states of every step boundary are saved ({@code hs},
     * {@code cs} with T+1 slots) with the activated gates, for backward; without it {@code hs} has two slots
     * used in turn, there is no {@code cs} (the cell state lives in a heap array), and nothing else is written
     * back. Writes the final states into {@code hnS[stateIndex]}, {@code cnS[stateIndex]}.
     */
    private static Direction forwardDirection(CpuBackend be, RnnWeights w, int layer, int d, CpuTensor in,
                                              CpuTensor h0s, CpuTensor c0s, int stateIndex, BatchOrder order,
                                              CpuTensor out, CpuTensor hnS, CpuTensor cnS, boolean keep) {
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
        dir.hs = zeros(be, keep ? steps + 1 : 2, batch, hout);
        if (mode == RnnMode.LSTM && keep) {
            dir.cs = zeros(be, steps + 1, batch, hidden);
        }
        if (proj > 0) {
            dir.ms = zeros(be, keep ? steps : 1, batch, hidden);
        }
        CpuTensor ghStep = null;
        if (mode == RnnMode.GRU) {
            if (keep) {
                dir.gru = zeros(be, steps, batch, 4 * hidden);
            }
            ghStep = zeros(be, batch, gh);
        }
        // Heap scratch for the pointwise work, per call (never per step): one array per gate, rows r < bs at
        // r * H; c holds the LSTM cell state of all rows across the steps.
        int bh = batch * hidden;
        float[] a0 = new float[bh];
        float[] a1 = mode == RnnMode.LSTM || mode == RnnMode.GRU ? new float[bh] : null;
        float[] a2 = a1 == null ? null : new float[bh];
        float[] a3 = mode == RnnMode.LSTM ? new float[bh] : null;
        float[] c = mode == RnnMode.LSTM ? new float[bh] : null;
        float[] hArr = new float[batch * Math.max(hidden, hout)];
        float[][] gru = mode == RnnMode.GRU ? new float[][] {new float[bh], new float[bh], new float[bh]} : null;
        float[][] bhh = null;
        try {
            // gates [T*B, G*H] = in [T*B, I] W_ih^T + bias (GRU: b_ih only; b_hh stays on the hidden side).
            gemm(false, true, steps * batch, gh, inSize, 1f, in, 0, inSize, wIh, 0, inSize, 0f, dir.gates, 0, gh);
            if (bIh != null) {
                addBias(dir.gates, steps * batch, gh, bIh, mode == RnnMode.GRU ? null : bHh);
                if (mode == RnnMode.GRU) {
                    // b_hh per gate, repeated for every row so that adding it is a same-index loop.
                    bhh = new float[3][bh];
                    FloatBuffer bf = bHh.floats();
                    for (int q = 0; q < 3; q++) {
                        bf.get(bHh.offset() + q * hidden, bhh[q], 0, hidden);
                        for (int r = 1; r < batch; r++) {
                            System.arraycopy(bhh[q], 0, bhh[q], r * hidden, hidden);
                        }
                    }
                }
            }
            int first = d == 0 ? 0 : steps;
            int last = d == 0 ? steps : 0;
            if (h0s != null) {
                copy(h0s, stateIndex * batch * hout, dir.hs, slot(first, keep) * batch * hout, batch * hout);
            }
            if (c != null && c0s != null) {
                c0s.floats().get(c0s.offset() + stateIndex * bh, c, 0, bh);
                if (keep) {
                    copy(c0s, stateIndex * bh, dir.cs, first * bh, bh);
                }
            }
            FloatBuffer g = dir.gates.floats();
            int gBase = dir.gates.offset();
            FloatBuffer hs = dir.hs.floats();
            int hsBase = dir.hs.offset();
            for (int k = 0; k < steps; k++) {
                int t = d == 0 ? k : steps - 1 - k;
                int prev = d == 0 ? t : t + 1;
                int next = d == 0 ? t + 1 : t;
                int bs = order.batchSizes()[t];
                int n = bs * hidden;
                int gOff = t * batch * gh;
                int hPrev = slot(prev, keep) * batch * hout;
                int hNext = slot(next, keep) * batch * hout;
                switch (mode) {
                    case LSTM -> {
                        gemm(false, true, bs, gh, hout, 1f, dir.hs, hPrev, hout, wHh, 0, hout, 1f, dir.gates, gOff, gh);
                        gatherGates(g, gBase + gOff, gh, hidden, bs, LstmGates.I, a0, LstmGates.F, a1, LstmGates.G, a2,
                                LstmGates.O, a3);
                        CellKernels.lstmForwardArrays(a0, a1, a2, a3, c, hArr, n);
                        if (keep) {
                            scatterGates(g, gBase + gOff, gh, hidden, bs, LstmGates.I, a0, LstmGates.F, a1,
                                    LstmGates.G, a2, LstmGates.O, a3);
                            // All rows: those not running carry their cell state across the step.
                            dir.cs.floats().put(dir.cs.offset() + next * bh, c, 0, bh);
                        }
                        if (proj > 0) {
                            int mOff = keep ? t * bh : 0;
                            dir.ms.floats().put(dir.ms.offset() + mOff, hArr, 0, n);
                            gemm(false, true, bs, proj, hidden, 1f, dir.ms, mOff, hidden, wHr, 0, hidden, 0f, dir.hs,
                                    hNext, proj);
                        } else {
                            hs.put(hsBase + hNext, hArr, 0, n);
                        }
                    }
                    case GRU -> {
                        gemm(false, true, bs, gh, hout, 1f, dir.hs, hPrev, hout, wHh, 0, hout, 0f, ghStep, 0, gh);
                        gatherGates(g, gBase + gOff, gh, hidden, bs, GruGates.R, a0, GruGates.Z, a1, GruGates.N, a2,
                                -1, null);
                        gatherGates(ghStep.floats(), ghStep.offset(), gh, hidden, bs, GruGates.R, gru[0], GruGates.Z,
                                gru[1], GruGates.N, gru[2], -1, null);
                        if (bhh != null) {
                            for (int q = 0; q < 3; q++) {
                                CellKernels.addInPlace(gru[q], bhh[q], n);
                            }
                        }
                        hs.get(hsBase + hPrev, hArr, 0, n);
                        CellKernels.gruForwardArrays(a0, a1, a2, gru[0], gru[1], gru[2], hArr, n);
                        hs.put(hsBase + hNext, hArr, 0, n);
                        if (keep) {
                            scatterGates(dir.gru.floats(), dir.gru.offset() + t * batch * 4 * hidden, 4 * hidden,
                                    hidden, bs, GruGates.R, a0, GruGates.Z, a1, GruGates.N, a2, GruGates.SAVED_GH_N,
                                    gru[2]);
                        }
                    }
                    case RNN_TANH, RNN_RELU -> {
                        gemm(false, true, bs, gh, hout, 1f, dir.hs, hPrev, hout, wHh, 0, hout, 1f, dir.gates, gOff, gh);
                        g.get(gBase + gOff, a0, 0, n);
                        CellKernels.activateArrays(mode.activation(), a0, n);
                        if (keep) {
                            g.put(gBase + gOff, a0, 0, n);
                        }
                        hs.put(hsBase + hNext, a0, 0, n);
                    }
                }
                // Sequences that are not running at step t carry their state across it.
                copy(dir.hs, hPrev + bs * hout, dir.hs, hNext + bs * hout, (batch - bs) * hout);
                if (outWidth == hout) {
                    copy(dir.hs, hNext, out, t * batch * outWidth, bs * hout);
                } else {
                    for (int b = 0; b < bs; b++) {
                        copy(dir.hs, hNext + b * hout, out, (t * batch + b) * outWidth + d * hout, hout);
                    }
                }
            }
            copy(dir.hs, slot(last, keep) * batch * hout, hnS, stateIndex * batch * hout, batch * hout);
            if (cnS != null) {
                cnS.floats().put(cnS.offset() + stateIndex * bh, c, 0, bh);
            }
        } catch (RuntimeException | Error e) {
            dir.close();
            throw e;
        } finally {
            if (ghStep != null) {
                ghStep.close();
            }
        }
        return dir;
    }

    /** Slot of step boundary {@code t} in {@code hs}: all T+1 kept, or two used in turn. */
    private static int slot(int t, boolean keep) {
        return keep ? t : t & 1;
    }

    /**
     * Copies gate blocks of rows {@code 0..rows} of a {@code [rows, width]} block at {@code base} into arrays:
     * gate {@code gA} (its index in the row, in units of H) into {@code a}, and so on; a gate index of -1 is
     * skipped. Element {@code r * H + j} of each array is unit j of row r.
     */
    private static void gatherGates(FloatBuffer src, int base, int width, int hidden, int rows, int gA, float[] a,
                                    int gB, float[] b, int gC, float[] c, int gD, float[] e) {
        for (int r = 0; r < rows; r++) {
            int row = base + r * width;
            int dst = r * hidden;
            src.get(row + gA * hidden, a, dst, hidden);
            src.get(row + gB * hidden, b, dst, hidden);
            src.get(row + gC * hidden, c, dst, hidden);
            if (gD >= 0) {
                src.get(row + gD * hidden, e, dst, hidden);
            }
        }
    }

    /** The inverse of {@link #gatherGates}: arrays into the gate blocks of rows {@code 0..rows}. */
    private static void scatterGates(FloatBuffer dst, int base, int width, int hidden, int rows, int gA, float[] a,
                                     int gB, float[] b, int gC, float[] c, int gD, float[] e) {
        for (int r = 0; r < rows; r++) {
            int row = base + r * width;
            int src = r * hidden;
            dst.put(row + gA * hidden, a, src, hidden);
            dst.put(row + gB * hidden, b, src, hidden);
            dst.put(row + gC * hidden, c, src, hidden);
            if (gD >= 0) {
                dst.put(row + gD * hidden, e, src, hidden);
            }
        }
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
                float[] zero = new float[batch * width];
                for (int t = 0; t < steps; t++) {
                    int bs = order.batchSizes()[t];
                    f.put(dOut.offset() + (t * batch + bs) * width, zero, 0, (batch - bs) * width);
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
        int bh = batch * hidden;
        CpuTensor wIh = (CpuTensor) w.get(Kind.WEIGHT_IH, layer, d);
        CpuTensor wHh = (CpuTensor) w.get(Kind.WEIGHT_HH, layer, d);
        CpuTensor wHr = (CpuTensor) w.get(Kind.WEIGHT_HR, layer, d);
        List<CpuTensor> temps = new ArrayList<>();
        try {
            // dG: d loss / d pre-activation per step [T, B, G*H] (GRU: input side; dGh is the hidden side).
            CpuTensor dG = track(zeros(be, steps, batch, gh), temps);
            CpuTensor dGh = mode == RnnMode.GRU ? track(zeros(be, steps, batch, gh), temps) : dG;
            CpuTensor dh = track(zeros(be, batch, hout), temps);
            CpuTensor dhAll = proj > 0 ? track(zeros(be, steps, batch, proj), temps) : null;
            CpuTensor dm = proj > 0 ? track(zeros(be, batch, hidden), temps) : null;
            if (dhnS != null) {
                copy(dhnS, s * batch * hout, dh, 0, batch * hout);
            }
            // Heap scratch, per call: gate arrays as in forward, dc the LSTM cell gradient of all rows.
            float[] a0 = new float[bh];
            float[] a1 = mode == RnnMode.RNN_TANH || mode == RnnMode.RNN_RELU ? null : new float[bh];
            float[] a2 = a1 == null ? null : new float[bh];
            float[] a3 = a1 == null ? null : new float[bh];
            float[] x0 = a1 == null ? null : new float[bh];
            float[] x1 = mode == RnnMode.LSTM ? new float[bh] : null;
            float[] x2 = mode == RnnMode.LSTM ? new float[bh] : null;
            float[] dc = mode == RnnMode.LSTM ? new float[bh] : null;
            float[] dhArr = new float[batch * Math.max(hout, hidden)];
            float[] dOutRows = new float[batch * hout];
            if (dc != null && dcnS != null) {
                dcnS.floats().get(dcnS.offset() + s * bh, dc, 0, bh);
            }
            FloatBuffer dhf = dh.floats();
            int dhBase = dh.offset();
            FloatBuffer dof = dOut.floats();
            FloatBuffer gates = dir.gates.floats();
            int gBase = dir.gates.offset();
            FloatBuffer dgf = dG.floats();
            int dgBase = dG.offset();
            for (int k = steps - 1; k >= 0; k--) {
                int t = d == 0 ? k : steps - 1 - k;
                int prev = d == 0 ? t : t + 1;
                int next = d == 0 ? t + 1 : t;
                int bs = ctx.order.batchSizes()[t];
                int n = bs * hidden;
                int gOff = t * batch * gh;
                // dh[0:bs] += dOut[t, 0:bs, d*Hout : (d+1)*Hout], into dhArr.
                int nh = bs * hout;
                dhf.get(dhBase, dhArr, 0, nh);
                int src = dOut.offset() + t * batch * width + d * hout;
                if (width == hout) {
                    dof.get(src, dOutRows, 0, nh);
                } else {
                    for (int b = 0; b < bs; b++) {
                        dof.get(src + b * width, dOutRows, b * hout, hout);
                    }
                }
                CellKernels.addInPlace(dhArr, dOutRows, nh);
                switch (mode) {
                    case LSTM -> {
                        float[] dmArr = dhArr;
                        if (proj > 0) {
                            // h = m W_hr^T: dm = dh W_hr; dW_hr gets dh^T m after the loop.
                            dhAll.floats().put(dhAll.offset() + t * batch * proj, dhArr, 0, nh);
                            gemm(false, false, bs, hidden, proj, 1f, dhAll, t * batch * proj, proj, wHr, 0, hidden, 0f,
                                    dm, 0, hidden);
                            dm.floats().get(dm.offset(), x1, 0, n);
                            dmArr = x1;
                        }
                        gatherGates(gates, gBase + gOff, gh, hidden, bs, LstmGates.I, a0, LstmGates.F, a1, LstmGates.G,
                                a2, LstmGates.O, a3);
                        FloatBuffer cs = dir.cs.floats();
                        cs.get(dir.cs.offset() + prev * bh, x0, 0, n);
                        cs.get(dir.cs.offset() + next * bh, x2, 0, n);
                        CellKernels.lstmBackwardArrays(a0, a1, a2, a3, x0, x2, dmArr, dc, n);
                        scatterGates(dgf, dgBase + gOff, gh, hidden, bs, LstmGates.I, a0, LstmGates.F, a1,
                                LstmGates.G, a2, LstmGates.O, a3);
                        // h_prev feeds the gates through W_hh: dh_prev[0:bs] = dG W_hh.
                        gemm(false, false, bs, hout, gh, 1f, dG, gOff, gh, wHh, 0, hout, 0f, dh, 0, hout);
                    }
                    case GRU -> {
                        FloatBuffer saved = dir.gru.floats();
                        int sOff = dir.gru.offset() + t * batch * 4 * hidden;
                        gatherGates(saved, sOff, 4 * hidden, hidden, bs, GruGates.R, a0, GruGates.Z, a1, GruGates.N,
                                a2, GruGates.SAVED_GH_N, a3);
                        dir.hs.floats().get(dir.hs.offset() + prev * batch * hout, x0, 0, n);
                        CellKernels.gruBackwardArrays(a0, a1, a2, a3, x0, dhArr, n);
                        dhf.put(dhBase, dhArr, 0, n);
                        scatterGates(dgf, dgBase + gOff, gh, hidden, bs, GruGates.R, a0, GruGates.Z, a1, GruGates.N, a2,
                                -1, null);
                        scatterGates(dGh.floats(), dGh.offset() + gOff, gh, hidden, bs, GruGates.R, a0, GruGates.Z,
                                a1, GruGates.N, a3, -1, null);
                        gemm(false, false, bs, hout, gh, 1f, dGh, gOff, gh, wHh, 0, hout, 1f, dh, 0, hout);
                    }
                    case RNN_TANH, RNN_RELU -> {
                        gates.get(gBase + gOff, a0, 0, n);
                        CellKernels.activateBackwardArrays(mode.activation(), a0, dhArr, n);
                        dgf.put(dgBase + gOff, dhArr, 0, n);
                        gemm(false, false, bs, hout, gh, 1f, dG, gOff, gh, wHh, 0, hout, 0f, dh, 0, hout);
                    }
                }
            }
            copy(dh, 0, dh0S, s * batch * hout, batch * hout);
            if (dc0S != null) {
                dc0S.floats().put(dc0S.offset() + s * bh, dc, 0, bh);
            }
            // Weight gradients over all steps at once; rows of steps that did not run are 0 in dG.
            int rows = steps * batch;
            gemm(true, false, gh, inSize, rows, 1f, dG, 0, gh, in, 0, inSize, 1f,
                    (CpuTensor) grads.get(Kind.WEIGHT_IH, layer, d), 0, inSize);
            int firstPrev = d == 0 ? 0 : batch * hout;
            gemm(true, false, gh, hout, rows, 1f, dGh, 0, gh, dir.hs, firstPrev, hout, 1f,
                    (CpuTensor) grads.get(Kind.WEIGHT_HH, layer, d), 0, hout);
            if (spec.bias()) {
                CpuTensor gIh = (CpuTensor) grads.get(Kind.BIAS_IH, layer, d);
                CpuTensor gHh = (CpuTensor) grads.get(Kind.BIAS_HH, layer, d);
                if (dGh == dG) {
                    // Both biases enter the same pre-activation: one column sum serves both.
                    float[] sum = columnSums(dG, rows, gh);
                    addInto(gIh, sum);
                    addInto(gHh, sum);
                } else {
                    sumRows(dG, rows, gh, gIh);
                    sumRows(dGh, rows, gh, gHh);
                }
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
        // Row by row through a heap array: bulk copies and a same-index loop, which C2 vectorizes (a loop
        // over a block of rows reads the block at an offset and stays scalar on JDK 17).
        float[] row = new float[cols];
        FloatBuffer f = y.floats();
        int base = y.offset();
        for (int r = 0; r < rows; r++) {
            int at = base + r * cols;
            f.get(at, row, 0, cols);
            CellKernels.addInPlace(row, bias, cols);
            f.put(at, row, 0, cols);
        }
    }

    /** {@code out[j] += sum_r x[r, j]}. */
    public static void sumRows(CpuTensor x, int rows, int cols, CpuTensor out) {
        addInto(out, columnSums(x, rows, cols));
    }

    /** {@code sum_r x[r, j]}, summed in row order (the same rounding as a plain loop over rows). */
    private static float[] columnSums(CpuTensor x, int rows, int cols) {
        float[] acc = new float[cols];
        float[] row = new float[cols];
        FloatBuffer f = x.floats();
        int base = x.offset();
        for (int r = 0; r < rows; r++) {
            f.get(base + r * cols, row, 0, cols);
            CellKernels.addInPlace(acc, row, cols);
        }
        return acc;
    }

    /** {@code out[j] += v[j]} over the whole of {@code out}. */
    private static void addInto(CpuTensor out, float[] v) {
        float[] o = new float[v.length];
        FloatBuffer f = out.floats();
        f.get(out.offset(), o, 0, v.length);
        CellKernels.addInPlace(o, v, v.length);
        f.put(out.offset(), o, 0, v.length);
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
