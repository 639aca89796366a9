package dev.recur.cuda;

import dev.recur.backend.BatchOrder;
import dev.recur.backend.RnnContext;
import dev.recur.backend.RnnMode;
import dev.recur.backend.RnnSpec;
import dev.recur.backend.RnnWeights;
import dev.recur.backend.RnnWeights.Kind;
import java.util.ArrayList;
import java.util.List;

/**
 * The sequence-level recurrent op on the device, Recur's fused path (the same algorithm and saved state as the
 * cpu backend's CpuRnn): per layer and direction, one cuBLAS GEMM projects the inputs of all steps
 * ({@code [T*B, I] x W_ih^T -> [T*B, G*H]}) and one kernel adds the biases; then per step one recurrent GEMM on
 * the rows still running ({@code [bs, Hout] x W_hh^T}) and one fused cell kernel ({@code lstm_fwd},
 * {@code gru_fwd}, {@code rnn_fwd}) that also writes the layer output and carries the state of the rows that
 * have finished. Backward runs the steps in reverse (cell backward kernel + one GEMM for dh per step) and
 * accumulates the weight gradients as single large GEMMs after the loop.
 *
 * <p>Layout of the saved state (as CpuRnn): {@code hs [T+1, B, Hout]}, {@code cs [T+1, B, H]} indexed by step
 * boundary (forward goes from slot t to t+1, reverse from t+1 to t); without backward, two slots used in turn.
 * {@code gates [T, B, G*H]}: the input projection, then the activated gates (RNN: h itself); GRU saves
 * r, z, n, gh_n in {@code gru [T, B, 4H]}; a projecting LSTM saves {@code m = o*tanh(c)} in {@code ms}.
 * Variable lengths: the batch is sorted by length ({@link BatchOrder}), rows past their end drop out of the
 * GEMMs, outputs past a sequence's end are 0. Callers hold the backend's lock.
 */
final class CudaRnn {
    private final CudaBackend be;

    CudaRnn(CudaBackend be) {
        this.be = be;
    }

    /** Saved activations of one layer and direction. */
    private static final class Direction {
        CudaTensor gates;
        CudaTensor hs;
        CudaTensor cs;
        CudaTensor ms;
        CudaTensor gru;

        void close() {
            for (CudaTensor t : new CudaTensor[] {gates, hs, cs, ms, gru}) {
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
        final CudaTensor input;          // layer 0 input in sorted order [T, B, I]
        final boolean ownsInput;
        final CudaTensor perm;           // device copy of order.perm (null when identity)
        final List<CudaTensor> outputs;  // output of layer l (input of l+1), sorted [T, B, D*Hout]
        final Direction[][] dirs;
        boolean closed;

        Context(RnnSpec spec, RnnWeights w, BatchOrder order, int steps, int batch, CudaTensor input,
                boolean ownsInput, CudaTensor perm) {
            this.spec = spec;
            this.w = w;
            this.order = order;
            this.steps = steps;
            this.batch = batch;
            this.input = input;
            this.ownsInput = ownsInput;
            this.perm = perm;
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
            if (perm != null) {
                perm.close();
            }
            outputs.forEach(CudaTensor::close);
            for (Direction[] layer : dirs) {
                for (Direction d : layer) {
                    if (d != null) {
                        d.close();
                    }
                }
            }
        }
    }

    // ------------------------------------------------------------------ forward

    RnnContext forward(RnnWeights w, CudaTensor x, CudaTensor h0, CudaTensor c0, int[] lengths, CudaTensor y,
                       CudaTensor hn, CudaTensor cn, boolean keep) {
        RnnSpec spec = w.spec();
        int steps = x.dim(0);
        int batch = x.dim(1);
        int dirs = spec.directions();
        int hout = spec.outputSize();
        BatchOrder order = BatchOrder.of(lengths, steps, batch);
        CudaTensor perm = order.identity() ? null : be.ints(order.perm());
        CudaTensor xs = order.identity() ? x : gather(x, perm);
        Context ctx = new Context(spec, w, order, steps, batch, xs, !order.identity(), perm);
        List<CudaTensor> temps = new ArrayList<>();
        try {
            CudaTensor h0s = h0 == null || order.identity() ? h0 : track(gather(h0, perm), temps);
            CudaTensor c0s = c0 == null || order.identity() ? c0 : track(gather(c0, perm), temps);
            CudaTensor hnS = order.identity() ? hn : track(be.zerosF(hn.shape()), temps);
            CudaTensor cnS = cn == null || order.identity() ? cn : track(be.zerosF(cn.shape()), temps);
            CudaTensor in = xs;
            for (int l = 0; l < spec.numLayers(); l++) {
                boolean top = l + 1 == spec.numLayers();
                CudaTensor out;
                if (top && order.identity()) {
                    out = y;
                    be.device().memset32(y.address(), 0, y.numel());
                } else {
                    out = be.zerosF(steps, batch, dirs * hout);
                }
                for (int d = 0; d < dirs; d++) {
                    ctx.dirs[l][d] = forwardDirection(w, l, d, in, h0s, c0s, l * dirs + d, order, out, hnS, cnS, keep);
                }
                if (!top) {
                    ctx.outputs.add(out);
                } else if (!order.identity()) {
                    scatter(out, y, perm);
                    out.close();
                }
                in = out;
            }
            if (!order.identity()) {
                scatter(hnS, hn, perm);
                if (cn != null) {
                    scatter(cnS, cn, perm);
                }
            }
        } catch (RuntimeException | Error e) {
            ctx.close();
            throw e;
        } finally {
            temps.forEach(CudaTensor::close);
            if (!keep) {
                ctx.close();
            }
        }
        return keep ? ctx : null;
    }

    /** Slot of step boundary {@code t} in {@code hs}/{@code cs}: all T+1 kept, or two used in turn. */
    private static int slot(int t, boolean keep) {
        return keep ? t : t & 1;
    }

    private Direction forwardDirection(RnnWeights w, int layer, int d, CudaTensor in, CudaTensor h0s, CudaTensor c0s,
                                       int stateIndex, BatchOrder order, CudaTensor out, CudaTensor hnS,
                                       CudaTensor cnS, boolean keep) {
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
        long wIh = addr(w, Kind.WEIGHT_IH, layer, d);
        long wHh = addr(w, Kind.WEIGHT_HH, layer, d);
        long bIh = addr(w, Kind.BIAS_IH, layer, d);
        long bHh = addr(w, Kind.BIAS_HH, layer, d);
        long wHr = addr(w, Kind.WEIGHT_HR, layer, d);
        CudaDevice dev = be.device();
        KernelLauncher k = be.kernels();
        CudaBlas blas = be.blas();

        Direction dir = new Direction();
        CudaTensor ghStep = null;
        try {
            dir.gates = be.uninitialized(dev32(), steps, batch, gh);
            dir.hs = be.zerosF(keep ? steps + 1 : 2, batch, hout);
            if (mode == RnnMode.LSTM) {
                dir.cs = be.zerosF(keep ? steps + 1 : 2, batch, hidden);
            }
            if (proj > 0) {
                dir.ms = be.zerosF(keep ? steps : 1, batch, hidden);
            }
            if (mode == RnnMode.GRU) {
                if (keep) {
                    dir.gru = be.zerosF(steps, batch, 4 * hidden);
                }
                ghStep = be.uninitialized(dev32(), batch, gh);
            }
            // Everything from the input projection to the final state is stream work on buffers allocated above:
            // one region, replayed as a CUDA graph when the same call repeats (-Drecur.cuda.graphs=true).
            CudaTensor ghS = ghStep;
            be.graphs().run(() -> {
                long rows = (long) steps * batch;
                // gates [T*B, G*H] = in [T*B, I] W_ih^T + b_ih (+ b_hh, except GRU: there b_hh stays on the
                // hidden side)
                blas.gemm(false, true, Math.toIntExact(rows), gh, inSize, 1f, in.address(), inSize, wIh, inSize, 0f,
                        dir.gates.address(), gh);
                if (bIh != 0) {
                    k.kernel(Kernel.ADD_BIAS2).ptr(dir.gates).ptr(bIh).ptr(mode == RnnMode.GRU ? 0L : bHh).l(rows).i(gh)
                            .run1d(rows * gh);
                }
                int first = d == 0 ? 0 : steps;
                int last = d == 0 ? steps : 0;
                long bhBytes = 4L * batch * hout;
                long bcBytes = 4L * batch * hidden;
                if (h0s != null) {
                    dev.copy(dir.hs.address() + slot(first, keep) * bhBytes, h0s.address() + stateIndex * bhBytes,
                            bhBytes);
                }
                if (dir.cs != null && c0s != null) {
                    dev.copy(dir.cs.address() + slot(first, keep) * bcBytes, c0s.address() + stateIndex * bcBytes,
                            bcBytes);
                }
                long gBase = dir.gates.address();
                long hsBase = dir.hs.address();
                for (int kk = 0; kk < steps; kk++) {
                    int t = d == 0 ? kk : steps - 1 - kk;
                    int prev = d == 0 ? t : t + 1;
                    int next = d == 0 ? t + 1 : t;
                    int bs = order.batchSizes()[t];
                    long g = gBase + 4L * t * batch * gh;
                    long hPrev = hsBase + slot(prev, keep) * bhBytes;
                    long hNext = hsBase + slot(next, keep) * bhBytes;
                    long outT = out.address() + 4L * ((long) t * batch * outWidth + (long) d * hout);
                    switch (mode) {
                        case LSTM -> {
                            // gates[t, 0:bs] += h_prev[0:bs] W_hh^T
                            blas.gemm(false, true, bs, gh, hout, 1f, hPrev, hout, wHh, hout, 1f, g, gh);
                            long cPrev = dir.cs.address() + slot(prev, keep) * bcBytes;
                            long cNext = dir.cs.address() + slot(next, keep) * bcBytes;
                            if (proj == 0) {
                                k.kernel(Kernel.LSTM_FWD).ptr(g).ptr(cPrev).ptr(cNext).ptr(hNext).i(hout).ptr(outT)
                                        .i(outWidth).ptr(hPrev).ptr(hNext).i(bs).i(batch).i(hidden).i(keep ? 1 : 0)
                                        .run1d((long) batch * hidden);
                            } else {
                                long m = dir.ms.address() + (keep ? (long) t * bcBytes : 0L);
                                k.kernel(Kernel.LSTM_FWD).ptr(g).ptr(cPrev).ptr(cNext).ptr(m).i(hidden).ptr(0L).i(0)
                                        .ptr(0L).ptr(0L).i(bs).i(batch).i(hidden).i(keep ? 1 : 0)
                                        .run1d((long) batch * hidden);
                                // h[0:bs] = m W_hr^T; rows that finished carry h; y[t] = h
                                blas.gemm(false, true, bs, proj, hidden, 1f, m, hidden, wHr, hidden, 0f, hNext, proj);
                                copyRows(hPrev + 4L * bs * hout, hout, hNext + 4L * bs * hout, hout, batch - bs, hout);
                                copyRows(hNext, hout, outT, outWidth, bs, hout);
                            }
                        }
                        case GRU -> {
                            // gh[0:bs] = h_prev[0:bs] W_hh^T (b_hh added in the kernel)
                            blas.gemm(false, true, bs, gh, hout, 1f, hPrev, hout, wHh, hout, 0f, ghS.address(), gh);
                            long saved = keep ? dir.gru.address() + 4L * t * batch * 4 * hidden : 0L;
                            k.kernel(Kernel.GRU_FWD).ptr(g).ptr(ghS).ptr(bHh).ptr(hPrev).ptr(hNext).ptr(saved)
                                    .ptr(outT).i(outWidth).i(bs).i(batch).i(hidden).run1d((long) batch * hidden);
                        }
                        case RNN_TANH, RNN_RELU -> {
                            blas.gemm(false, true, bs, gh, hout, 1f, hPrev, hout, wHh, hout, 1f, g, gh);
                            k.kernel(Kernel.RNN_FWD).ptr(g).ptr(hPrev).ptr(hNext).ptr(outT).i(outWidth).i(bs).i(batch)
                                    .i(hidden).i(mode == RnnMode.RNN_RELU ? 1 : 0).i(keep ? 1 : 0)
                                    .run1d((long) batch * hidden);
                        }
                    }
                }
                dev.copy(hnS.address() + stateIndex * bhBytes, hsBase + slot(last, keep) * bhBytes, bhBytes);
                if (cnS != null) {
                    dev.copy(cnS.address() + stateIndex * bcBytes, dir.cs.address() + slot(last, keep) * bcBytes,
                            bcBytes);
                }
            });
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

    // ------------------------------------------------------------------ backward

    void backward(RnnContext context, CudaTensor dy, CudaTensor dhn, CudaTensor dcn, CudaTensor dx, CudaTensor dh0,
                  CudaTensor dc0, RnnWeights grads) {
        if (!(context instanceof Context ctx)) {
            throw new IllegalArgumentException("cuda rnnBackward: expected a context from this backend's rnnForward, "
                    + "got " + (context == null ? "null" : context.getClass().getName()));
        }
        if (ctx.closed) {
            throw new IllegalStateException(ctx.spec.mode().opName() + ": backward needs the saved activations, "
                    + "got a closed context");
        }
        RnnSpec spec = ctx.spec;
        BatchOrder order = ctx.order;
        int dirs = spec.directions();
        CudaTensor perm = ctx.perm;
        List<CudaTensor> temps = new ArrayList<>();
        try {
            // d loss / d output of the top layer, sorted; the kernels read only the rows of steps that ran.
            CudaTensor dOut = dy == null || order.identity() ? dy : track(gather(dy, perm), temps);
            CudaTensor dhnS = dhn == null || order.identity() ? dhn : track(gather(dhn, perm), temps);
            CudaTensor dcnS = dcn == null || order.identity() ? dcn : track(gather(dcn, perm), temps);
            CudaTensor dh0S = order.identity() ? dh0 : track(be.zerosF(dh0.shape()), temps);
            CudaTensor dc0S = dc0 == null || order.identity() ? dc0 : track(be.zerosF(dc0.shape()), temps);
            for (int l = spec.numLayers() - 1; l >= 0; l--) {
                CudaTensor in = l == 0 ? ctx.input : ctx.outputs.get(l - 1);
                CudaTensor dIn;
                if (l == 0 && order.identity()) {
                    dIn = dx;
                    be.device().memset32(dx.address(), 0, dx.numel());
                } else {
                    dIn = track(be.zerosF(in.shape()), temps);
                }
                for (int d = 0; d < dirs; d++) {
                    backwardDirection(ctx, l, d, in, dOut, dhnS, dcnS, dh0S, dc0S, dIn, grads);
                }
                dOut = dIn;
            }
            if (!order.identity()) {
                scatter(dOut, dx, perm);
                scatter(dh0S, dh0, perm);
                if (dc0 != null) {
                    scatter(dc0S, dc0, perm);
                }
            }
        } finally {
            temps.forEach(CudaTensor::close);
        }
    }

    private void backwardDirection(Context ctx, int layer, int d, CudaTensor in, CudaTensor dOut, CudaTensor dhnS,
                                   CudaTensor dcnS, CudaTensor dh0S, CudaTensor dc0S, CudaTensor dIn,
                                   RnnWeights grads) {
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
        int width = spec.directions() * hout;
        int s = layer * spec.directions() + d;
        long bhBytes = 4L * batch * hout;
        long bcBytes = 4L * batch * hidden;
        long wIh = addr(w, Kind.WEIGHT_IH, layer, d);
        long wHh = addr(w, Kind.WEIGHT_HH, layer, d);
        long wHr = addr(w, Kind.WEIGHT_HR, layer, d);
        CudaDevice dev = be.device();
        KernelLauncher k = be.kernels();
        CudaBlas blas = be.blas();
        List<CudaTensor> temps = new ArrayList<>();
        try {
            // dG: d loss / d pre-activation per step [T, B, G*H] (GRU: input side; dGh the hidden side)
            CudaTensor dG = track(be.zerosF(steps, batch, gh), temps);
            CudaTensor dGh = mode == RnnMode.GRU ? track(be.zerosF(steps, batch, gh), temps) : dG;
            CudaTensor dh = track(be.zerosF(batch, hout), temps);
            CudaTensor dhAll = proj > 0 ? track(be.zerosF(steps, batch, proj), temps) : null;
            CudaTensor dm = proj > 0 ? track(be.zerosF(batch, hidden), temps) : null;
            CudaTensor dc = mode == RnnMode.LSTM ? track(be.zerosF(batch, hidden), temps) : null;
            // The step loop with the state's copies in and out: one region (forwardDirection).
            be.graphs().run(() -> {
                if (dhnS != null) {
                    dev.copy(dh.address(), dhnS.address() + s * bhBytes, bhBytes);
                }
                if (dc != null && dcnS != null) {
                    dev.copy(dc.address(), dcnS.address() + s * bcBytes, bcBytes);
                }
                for (int kk = steps - 1; kk >= 0; kk--) {
                    int t = d == 0 ? kk : steps - 1 - kk;
                    int prev = d == 0 ? t : t + 1;
                    int next = d == 0 ? t + 1 : t;
                    int bs = ctx.order.batchSizes()[t];
                    if (bs == 0) {
                        continue;
                    }
                    long gOff = 4L * t * batch * gh;
                    long dOutT = dOut == null ? 0L : dOut.address() + 4L * ((long) t * batch * width + (long) d * hout);
                    switch (mode) {
                        case LSTM -> {
                            long cPrev = dir.cs.address() + prev * bcBytes;
                            long cNext = dir.cs.address() + next * bcBytes;
                            if (proj > 0) {
                                // h = m W_hr^T: dhAll[t] = dh + dOut[t]; dm = dhAll[t] W_hr (dW_hr after the loop)
                                long dhT = dhAll.address() + 4L * t * batch * proj;
                                k.kernel(Kernel.ADD_ROWS).ptr(dh).i(hout).ptr(dOutT).i(width).ptr(dhT).i(proj).i(bs)
                                        .i(proj).run1d((long) bs * proj);
                                blas.gemm(false, false, bs, hidden, proj, 1f, dhT, proj, wHr, hidden, 0f, dm.address(),
                                        hidden);
                                k.kernel(Kernel.LSTM_BWD).ptr(dir.gates.address() + gOff).ptr(cPrev).ptr(cNext).ptr(dm)
                                        .i(hidden).ptr(0L).i(0).ptr(dc).ptr(dG.address() + gOff).i(bs).i(hidden)
                                        .run1d((long) bs * hidden);
                            } else {
                                k.kernel(Kernel.LSTM_BWD).ptr(dir.gates.address() + gOff).ptr(cPrev).ptr(cNext).ptr(dh)
                                        .i(hout).ptr(dOutT).i(width).ptr(dc).ptr(dG.address() + gOff).i(bs).i(hidden)
                                        .run1d((long) bs * hidden);
                            }
                            // h_prev feeds the gates through W_hh: dh[0:bs] = dG[t] W_hh
                            blas.gemm(false, false, bs, hout, gh, 1f, dG.address() + gOff, gh, wHh, hout, 0f,
                                    dh.address(), hout);
                        }
                        case GRU -> {
                            long saved = dir.gru.address() + 4L * t * batch * 4 * hidden;
                            long hPrev = dir.hs.address() + prev * bhBytes;
                            k.kernel(Kernel.GRU_BWD).ptr(saved).ptr(hPrev).ptr(dh).ptr(dOutT).i(width)
                                    .ptr(dG.address() + gOff).ptr(dGh.address() + gOff).i(bs).i(hidden)
                                    .run1d((long) bs * hidden);
                            // dh[0:bs] = z * d + dGh[t] W_hh
                            blas.gemm(false, false, bs, hout, gh, 1f, dGh.address() + gOff, gh, wHh, hout, 1f,
                                    dh.address(), hout);
                        }
                        case RNN_TANH, RNN_RELU -> {
                            k.kernel(Kernel.RNN_BWD).ptr(dir.gates.address() + gOff).ptr(dh).ptr(dOutT).i(width)
                                    .ptr(dG.address() + gOff).i(bs).i(hidden).i(mode == RnnMode.RNN_RELU ? 1 : 0)
                                    .run1d((long) bs * hidden);
                            blas.gemm(false, false, bs, hout, gh, 1f, dG.address() + gOff, gh, wHh, hout, 0f,
                                    dh.address(), hout);
                        }
                    }
                }
                dev.copy(dh0S.address() + s * bhBytes, dh.address(), bhBytes);
                if (dc0S != null && dc != null) {
                    dev.copy(dc0S.address() + s * bcBytes, dc.address(), bcBytes);
                }
            });
            // Weight gradients over all steps at once; rows of steps that did not run are 0 in dG.
            int rows = Math.toIntExact((long) steps * batch);
            blas.gemm(true, false, gh, inSize, rows, 1f, dG.address(), gh, in.address(), inSize, 1f,
                    addr(grads, Kind.WEIGHT_IH, layer, d), inSize);
            long firstPrev = d == 0 ? 0L : bhBytes;
            blas.gemm(true, false, gh, hout, rows, 1f, dGh.address(), gh, dir.hs.address() + firstPrev, hout, 1f,
                    addr(grads, Kind.WEIGHT_HH, layer, d), hout);
            if (spec.bias()) {
                be.sumRows(dG.address(), rows, gh, addr(grads, Kind.BIAS_IH, layer, d));
                be.sumRows(dGh.address(), rows, gh, addr(grads, Kind.BIAS_HH, layer, d));
            }
            if (proj > 0) {
                blas.gemm(true, false, proj, hidden, rows, 1f, dhAll.address(), proj, dir.ms.address(), hidden, 1f,
                        addr(grads, Kind.WEIGHT_HR, layer, d), hidden);
            }
            // d loss / d layer input, summed over directions
            blas.gemm(false, false, rows, inSize, gh, 1f, dG.address(), gh, wIh, inSize, 1f, dIn.address(), inSize);
        } finally {
            temps.forEach(CudaTensor::close);
        }
    }

    // ------------------------------------------------------------------ helpers

    private static dev.recur.tensor.DType dev32() {
        return dev.recur.tensor.DType.F32;
    }

    /** Device address of a weight (or gradient) tensor, 0 when the kind is absent. */
    private long addr(RnnWeights w, Kind kind, int layer, int d) {
        return w.get(kind, layer, d) == null ? 0L : be.cuda(w.get(kind, layer, d)).address();
    }

    private void copyRows(long src, int lds, long dst, int ldd, int rows, int cols) {
        if (rows > 0 && cols > 0) {
            be.kernels().kernel(Kernel.COPY_ROWS).ptr(src).i(lds).ptr(dst).i(ldd).i(rows).i(cols)
                    .run1d((long) rows * cols);
        }
    }

    /** A new {@code [A, B, F]} tensor with dimension 1 in sorted order: {@code out[a, i] = t[a, perm[i]]}. */
    private CudaTensor gather(CudaTensor t, CudaTensor perm) {
        CudaTensor out = be.uninitialized(dev32(), t.shape());
        be.kernels().kernel(Kernel.GATHER_BATCH).ptr(t).ptr(out).ptr(perm).i(t.dim(0)).i(t.dim(1)).i(t.dim(2))
                .run1d(t.numel());
        return out;
    }

    /** {@code out[a, perm[i]] = sorted[a, i]}: back to the caller's order. */
    private void scatter(CudaTensor sorted, CudaTensor out, CudaTensor perm) {
        be.kernels().kernel(Kernel.SCATTER_BATCH).ptr(sorted).ptr(out).ptr(perm).i(sorted.dim(0)).i(sorted.dim(1))
                .i(sorted.dim(2)).run1d(sorted.numel());
    }

    private static CudaTensor track(CudaTensor t, List<CudaTensor> temps) {
        temps.add(t);
        return t;
    }
}
