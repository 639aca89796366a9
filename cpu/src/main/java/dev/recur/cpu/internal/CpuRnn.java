package dev.recur.cpu.internal;

import dev.recur.backend.BatchOrder;
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
 * <p>Threads: each step's work is split across the backend's {@link StepTeam} by blocks of hidden units, each
 * party computing all gates of its units and meeting the others once per step ({@link #splitParties}); the
 * large GEMMs before and after the step loop are split by rows across the same team ({@link #teamGemm}), so
 * OpenBLAS's own threads are never woken by the sequence op.
 *
 * <p>The recurrent GEMM of each step ({@code h_prev W_hh^T} forward, {@code dG W_hh} backward) runs on {@code W_hh}
 * packed once per call ({@link PackedWeights}) by {@link PackedGemm}, which adds straight into the step's heap
 * gate arrays; {@code h} (forward) and {@code dG} (backward) are mirrored on the heap for it, two steps in turn.
 * Party blocks then start at panel boundaries. {@code -Drecur.cpu.stepGemm=blas} runs OpenBLAS on the tensors
 * instead (as does backward with a projection).
 *
 * <p>Fused steps ({@link FusedProjection}: packed, a batch of 16 rows or more, weights of at most 4 MiB) skip the
 * projection before the loop: each multiplies its own inputs by {@code W_ih}, packed like {@code W_hh}, into the
 * gate arrays that its recurrent GEMM then adds to, so in inference the gates of all steps never pass through
 * memory (training still saves the activated gates that backward reads).
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
        CpuTensor gates; // [T, B, G*H]: input projection, then activated gates (RNN: h itself); compact: [N, G*H]
        int[] gateRow;   // row of gates where step t's rows start: t*B, or compact Σ_{t'<t} bs_t' ([T+1])
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
    public static RnnContext forward(CpuBackend be, StepTeam team, RnnWeights w, CpuTensor x, CpuTensor h0,
                                     CpuTensor c0, int[] lengths, CpuTensor y, CpuTensor hn, CpuTensor cn,
                                     boolean keep) {
        RnnSpec spec = w.spec();
        int steps = x.dim(0);
        int batch = x.dim(1);
        int dirs = spec.directions();
        int hout = spec.outputSize();
        BatchOrder order = BatchOrder.of(lengths, steps, batch);
        // Inference reads x only through layer 0's compact projection, which gathers the real rows straight from
        // the caller's order (xPerm): no sorted copy of x. Training keeps the sorted copy for backward.
        boolean sortX = !order.identity() && keep;
        CpuTensor xs = sortX ? gatherRows(be, x, order) : x;
        int[] xPerm = order.identity() || sortX ? null : order.perm();
        Context ctx = new Context(spec, w, order, steps, batch, xs, sortX);
        CpuTensor h0s = h0 == null ? null : order.identity() ? h0 : gatherRows(be, h0, order);
        CpuTensor c0s = c0 == null ? null : order.identity() ? c0 : gatherRows(be, c0, order);
        CpuTensor hnS = order.identity() ? hn : zeros(be, hn.shape());
        CpuTensor cnS = cn == null || order.identity() ? cn : zeros(be, cn.shape());
        CpuTensor in = xs;
        // The last layer writes y itself, in the caller's order: a dense batch in caller order row for row, else each
        // sorted row i to row perm[i], zeros at padded steps (yPerm; the identity when only the lengths vary).
        boolean dense = order.batchSizes()[steps - 1] == batch;
        int[] yPerm = order.identity() && dense ? null : order.perm();
        try {
            for (int l = 0; l < spec.numLayers(); l++) {
                boolean last = l + 1 == spec.numLayers();
                // The steps write the real rows of a hidden layer's out. Inference reads no others: the next layer
                // projects the real rows only. Training's outputs are read by backward as whole steps, so they start
                // as zeros.
                CpuTensor out = last ? y
                        : keep ? zeros(be, steps, batch, dirs * hout)
                        : CpuTensor.uninitialized(be, steps, batch, dirs * hout);
                int[] inPerm = l == 0 ? xPerm : null;
                for (int d = 0; d < dirs; d++) {
                    ctx.dirs[l][d] = forwardDirection(be, team, w, l, d, in, inPerm, h0s, c0s, l * dirs + d, order,
                            out, last ? yPerm : null, hnS, cnS, keep);
                }
                if (!last) {
                    ctx.outputs.add(out);
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
     * back. Writes the final states into {@code hnS[stateIndex]}, {@code cnS[stateIndex]}, and its outputs into
     * {@code out} in sorted order, or with {@code outPerm} sorted row i of step t into row {@code outPerm[i]}, zeros
     * where step t does not run it.
     */
    private static Direction forwardDirection(CpuBackend be, StepTeam team, RnnWeights w, int layer, int d,
                                              CpuTensor in, int[] inPerm, CpuTensor h0s, CpuTensor c0s, int stateIndex,
                                              BatchOrder order, CpuTensor out, int[] outPerm, CpuTensor hnS,
                                              CpuTensor cnS, boolean keep) {
        RnnSpec spec = w.spec();
        RnnMode mode = spec.mode();
        int steps = in.dim(0);
        int batch = in.dim(1);
        int inSize = in.dim(2);
        int hidden = spec.hiddenSize();
        int hout = spec.outputSize();
        int gh = spec.gateRows();
        CpuTensor wIh = (CpuTensor) w.get(Kind.WEIGHT_IH, layer, d);
        CpuTensor bIh = (CpuTensor) w.get(Kind.BIAS_IH, layer, d);
        CpuTensor bHh = (CpuTensor) w.get(Kind.BIAS_HH, layer, d);

        Direction dir = new Direction();
        CpuTensor ghStep = null;
        try {
            // Every element that is ever read is written first by the input projection (beta = 0): all of them
            // when dense; with variable lengths only the rows of real steps, and the steps (and backward) read
            // no others.
            int[] sizes = order.batchSizes();
            boolean dense = sizes[steps - 1] == batch;
            boolean packedSteps = stepGemm() == StepGemm.PACKED;
            // Fused: each step multiplies its own inputs by W_ih beside h by W_hh, and there is no projection
            // before the loop; gates are then kept only for backward (LSTM, RNN), written by the steps.
            boolean fused = packedSteps && fusedProjection(spec, batch, inSize);
            // Inference on a variable-length batch keeps the gates of real steps only, step after step (compact):
            // one GEMM projects them all and the padded rows cost nothing. Training keeps [T, B, G*H], which
            // backward indexes by step and row.
            boolean compact = !dense && !keep && !fused;
            dir.gateRow = gateRows(sizes, batch, compact);
            int gateRows = dir.gateRow[steps];
            if (!fused || keep && mode != RnnMode.GRU) {
                dir.gates = compact ? CpuTensor.uninitialized(be, gateRows, gh)
                        : CpuTensor.uninitialized(be, steps, batch, gh);
            }
            // States: each step writes every row of its next slot (running rows, and the carried state of the
            // others), so only the first slot needs a value: the initial state, or zeros.
            int firstSlot = slot(d == 0 ? 0 : steps, keep);
            dir.hs = CpuTensor.uninitialized(be, keep ? steps + 1 : 2, batch, hout);
            if (h0s == null) {
                TrainKernels.fill(dir.hs.slice(firstSlot, firstSlot + 1), 0f);
            }
            if (mode == RnnMode.LSTM && keep) {
                dir.cs = CpuTensor.uninitialized(be, steps + 1, batch, hidden);
                if (c0s == null) {
                    TrainKernels.fill(dir.cs.slice(firstSlot, firstSlot + 1), 0f);
                }
            }
            if (spec.projSize() > 0) {
                dir.ms = zeros(be, keep ? steps : 1, batch, hidden);
            }
            if (mode == RnnMode.GRU) {
                if (keep) {
                    dir.gru = zeros(be, steps, batch, 4 * hidden);
                }
                if (!packedSteps) {
                    ghStep = zeros(be, batch, gh); // OpenBLAS's output; packed steps add into heap arrays
                }
            }
            // gates [T*B, G*H] = in [T*B, I] W_ih^T + bias (GRU: b_ih only; b_hh stays on the hidden side).
            if (fused) {
                // the steps do it
            } else if (dense) {
                teamGemm(team, false, true, steps * batch, gh, inSize, 1f, in, 0, inSize, wIh, 0, inSize, 0f,
                        dir.gates, 0, gh);
            } else if (compact) {
                projectCompact(be, team, in, inPerm, sizes, dir.gateRow, wIh, dir.gates);
            } else {
                projectLiveRows(team, order, in, wIh, dir.gates);
            }
            if (bIh != null && !fused) {
                // compact: every row is a real step's (one "step" of gateRows rows)
                addBias(team, dir.gates, compact ? new int[] {gateRows} : sizes, compact ? gateRows : batch, gh,
                        bIh, mode == RnnMode.GRU ? null : bHh);
            }
            if (h0s != null) {
                copy(h0s, stateIndex * batch * hout, dir.hs, firstSlot * batch * hout, batch * hout);
            }
            PackedWeights packed = null;
            PackedWeights packedIh = null;
            float[][] hHeap = null;
            if (packedSteps) {
                CpuTensor wHh = (CpuTensor) w.get(Kind.WEIGHT_HH, layer, d);
                packed = PackedWeights.packCached(wHh, gh / hidden, hidden, hout);
                if (fused) {
                    packedIh = PackedWeights.packCached(wIh, gh / hidden, hidden, inSize);
                }
                hHeap = new float[][] {new float[batch * hout], new float[batch * hout]};
                if (h0s != null) {
                    h0s.floats().get(h0s.offset() + stateIndex * batch * hout, hHeap[0], 0, batch * hout);
                }
            }
            StepLoop loop = new StepLoop(w, layer, d, order, dir, ghStep, out, outPerm, c0s, hnS, cnS, stateIndex,
                    keep, packed, hHeap);
            if (fused) {
                loop.fuse(in, inPerm, packedIh);
            }
            int parties = splitParties(team.parties(), spec, batch);
            runSplit(team, parties, hidden, batch, packed, rowSplit(parties, sizes, batch, bytes(packed)), loop::run);
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

    /** When the work of a recurrent step is split across the backend's threads ({@code -Drecur.cpu.stepSplit}). */
    public enum StepSplit {
        /** Split when a step is large enough ({@link #SPLIT_STEP_FLOPS}, {@link #SPLIT_MIN_UNITS}). */
        AUTO,
        /** Every step on the calling thread. */
        OFF,
        /** Split whenever there are two threads and two hidden units (for tests). */
        ALWAYS
    }

    /** System property choosing {@link StepSplit}: {@code auto} (default), {@code off} or {@code always}. */
    public static final String STEP_SPLIT_PROPERTY = "recur.cpu.stepSplit";
    private static volatile StepSplit stepSplit = null;

    /**
     * Below this many FLOPs in one step's recurrent GEMM, the step runs on one thread: a split step costs a
     * barrier (about a microsecond with both threads running, far more on a busy machine).
     */
    static final double SPLIT_STEP_FLOPS = 1e6;
    /** The fewest hidden units a party of a split step owns. */
    static final int SPLIT_MIN_UNITS = 16;

    /** Sets the step split policy (tests and measurements); null goes back to the system property. */
    public static void setStepSplit(StepSplit split) {
        stepSplit = split;
    }

    /** The step split policy in force. */
    public static StepSplit stepSplit() {
        StepSplit s = stepSplit;
        return s != null ? s : option(STEP_SPLIT_PROPERTY, StepSplit.AUTO, StepSplit.values());
    }

    /**
     * The value of the enum-valued system property {@code name} (case-insensitive), {@code dflt} when unset; an
     * unknown value is an {@link IllegalArgumentException} that names the property, the allowed values and the value.
     */
    static <E extends Enum<E>> E option(String name, E dflt, E[] values) {
        String v = System.getProperty(name, dflt.name());
        for (E option : values) {
            if (option.name().equalsIgnoreCase(v)) {
                return option;
            }
        }
        StringBuilder allowed = new StringBuilder();
        for (int i = 0; i < values.length; i++) {
            allowed.append(i == 0 ? "" : i == values.length - 1 ? " or " : ", ")
                    .append(values[i].name().toLowerCase(java.util.Locale.ROOT));
        }
        throw new IllegalArgumentException(name + " must be " + allowed + ", got \"" + v + "\"");
    }

    /** How the recurrent GEMM of each step is computed ({@code -Drecur.cpu.stepGemm}). */
    public enum StepGemm {
        /** {@link #PACKED} when the native or the Vector API kernel is in use, else {@link #BLAS} (the default). */
        AUTO,
        /**
         * {@link PackedGemm} on {@code W_hh} packed once per call, adding into the step's gate arrays; on the
         * plain-Java kernel when neither the native nor the Vector API kernel is in use.
         */
        PACKED,
        /** OpenBLAS's sgemm on {@code W_hh} as it is (repacked inside every call). */
        BLAS
    }

    /** System property choosing {@link StepGemm}: {@code auto} (default), {@code packed} or {@code blas}. */
    public static final String STEP_GEMM_PROPERTY = "recur.cpu.stepGemm";
    private static volatile StepGemm stepGemm = null;

    /** Sets the step GEMM (tests and measurements); null goes back to the system property. */
    public static void setStepGemm(StepGemm gemm) {
        stepGemm = gemm;
    }

    /** The step GEMM in force, {@link StepGemm#AUTO} resolved: {@link StepGemm#PACKED} or {@link StepGemm#BLAS}. */
    public static StepGemm stepGemm() {
        StepGemm g = stepGemm;
        if (g == null) {
            g = option(STEP_GEMM_PROPERTY, StepGemm.AUTO, StepGemm.values());
        }
        if (g == StepGemm.AUTO) {
            // The plain-Java kernel is several times slower than OpenBLAS: packed only with a SIMD kernel.
            return PackedGemm.kernelInUse() != PackedGemm.Kernel.JAVA ? StepGemm.PACKED : StepGemm.BLAS;
        }
        return g;
    }

    /**
     * A step loop's work for hidden units {@code [u0, u1)} (with packed weights those of panels {@code [p0, p1)})
     * of batch rows {@code [r0, r1)}; {@code barrier} is null when no other party reads what this one writes.
     */
    @FunctionalInterface
    private interface BlockLoop {
        void run(int u0, int u1, int p0, int p1, int r0, int r1, StepTeam.Barrier barrier);
    }

    /**
     * Runs {@code loop} on {@code parties} threads of the team. With {@code rowBounds} (from {@link #rowSplit})
     * party j owns rows {@code [rowBounds[j], rowBounds[j+1])} and all units: a row's recurrence reads only its
     * own state, so the parties never wait for each other. Otherwise each owns a block of the {@code hidden}
     * units and all rows, at panel boundaries with packed weights (at most one party per panel), else evenly,
     * and they meet once per step.
     */
    private static void runSplit(StepTeam team, int parties, int hidden, int batch, PackedWeights packed,
                                 int[] rowBounds, BlockLoop loop) {
        if (rowBounds != null) {
            team.run(rowBounds.length - 1, (party, barrier) -> loop.run(0, hidden, 0, packed.panels,
                    rowBounds[party], rowBounds[party + 1], null));
            return;
        }
        if (packed == null) {
            team.run(parties, (party, barrier) -> loop.run(
                    party * hidden / parties, (party + 1) * hidden / parties, 0, 0, 0, batch, barrier));
            return;
        }
        int n = Math.min(parties, packed.panels);
        team.run(n, (party, barrier) -> loop.run(packed.blockStart(party, n), packed.blockStart(party + 1, n),
                party * packed.panels / n, (party + 1) * packed.panels / n, 0, batch, barrier));
    }

    /** Which dimension a split step divides between the threads ({@code -Drecur.cpu.splitAxis}). */
    public enum SplitAxis {
        /**
         * Rows when the steps run packed, every party gets at least {@link #SPLIT_MIN_ROWS} rows and the packed
         * {@code W_hh} is at least {@link #SPLIT_ROWS_MIN_WEIGHT_BYTES} (each party then streams all of it every
         * step, which costs nothing extra only when a party's share of it would not stay in its core's L2 either).
         */
        AUTO,
        /** Blocks of hidden units, one barrier per step. */
        UNITS,
        /** Blocks of batch rows, no barrier (packed steps only; for tests and measurements). */
        ROWS
    }

    /** System property choosing {@link SplitAxis}: {@code auto} (default), {@code units} or {@code rows}. */
    public static final String SPLIT_AXIS_PROPERTY = "recur.cpu.splitAxis";
    private static volatile SplitAxis splitAxis = null;
    /** The fewest batch rows a party of a row split owns (AUTO). */
    public static final int SPLIT_MIN_ROWS = 8;
    /**
     * The smallest packed {@code W_hh} split by rows (AUTO): 2 MiB. Below it, half of it stays in a core's L2 (1 MB
     * on this machine's EPYC) when split by units; measured at H = 256 (1 MB), a row split ran LSTM variable-length
     * batches 1.3–1.5× slower (NOTES.md, fifth pass).
     */
    public static final long SPLIT_ROWS_MIN_WEIGHT_BYTES = 2L << 20;

    /** Sets the split axis (tests and measurements); null goes back to the system property. */
    public static void setSplitAxis(SplitAxis axis) {
        splitAxis = axis;
    }

    /** The split axis in force. */
    public static SplitAxis splitAxis() {
        SplitAxis a = splitAxis;
        return a != null ? a : option(SPLIT_AXIS_PROPERTY, SplitAxis.AUTO, SplitAxis.values());
    }

    /**
     * Row bounds for {@code parties} parties splitting the sorted batch by rows, or null to split by units;
     * {@code packedBytes} is the size of the packed {@code W_hh}, 0 when the steps do not run packed. Row r of
     * the sorted batch runs for {@code len(r) = #{t : sizes[t] > r}} steps; the bounds share the real steps (sum
     * of lengths) evenly, at even rows where the batch allows (the kernel takes rows in pairs).
     */
    public static int[] rowSplit(int parties, int[] sizes, int batch, long packedBytes) {
        SplitAxis axis = splitAxis();
        boolean rows = switch (axis) {
            case UNITS -> false;
            case ROWS -> batch >= 2;
            case AUTO -> batch >= parties * SPLIT_MIN_ROWS && packedBytes >= SPLIT_ROWS_MIN_WEIGHT_BYTES;
        };
        if (parties < 2 || packedBytes == 0 || !rows) {
            return null;
        }
        int n = Math.min(parties, batch);
        long[] work = new long[batch + 1]; // work[r]: real steps of rows [0, r)
        for (int size : sizes) {
            for (int r = 0; r < size; r++) {
                work[r + 1]++; // step t runs row r: len(r) counted at r + 1
            }
        }
        for (int r = 1; r <= batch; r++) {
            work[r] += work[r - 1];
        }
        int[] bounds = new int[n + 1];
        bounds[n] = batch;
        for (int j = 1; j < n; j++) {
            // The first row where party j's share is reached, with room for one row per party left...
            long target = j * work[batch];
            int lo = bounds[j - 1] + 1;
            int hi = batch - (n - j);
            int r = lo;
            while (r < hi && work[r] * n < target) {
                r++;
            }
            // ... or, when odd, the nearer to the share of its even neighbours.
            if ((r & 1) != 0) {
                boolean below = r - 1 >= lo;
                boolean above = r + 1 <= hi;
                if (below && (!above || target - work[r - 1] * n <= work[r + 1] * n - target)) {
                    r--;
                } else if (above) {
                    r++;
                }
            }
            bounds[j] = r;
        }
        return bounds;
    }

    /** How many threads share each step's work: all of the team's when a step is large enough, else one. */
    public static int splitParties(int team, RnnSpec spec, int batch) {
        StepSplit split = stepSplit();
        if (team == 1 || spec.projSize() > 0 || split == StepSplit.OFF) {
            return 1; // the projection h = m W_hr^T needs all of m: a second barrier per step
        }
        int hidden = spec.hiddenSize();
        if (split == StepSplit.ALWAYS) {
            return Math.min(team, hidden);
        }
        double stepFlops = 2.0 * batch * spec.gateRows() * spec.outputSize();
        int parties = Math.min(team, hidden / SPLIT_MIN_UNITS);
        return stepFlops < SPLIT_STEP_FLOPS ? 1 : Math.max(1, parties);
    }

    /** Whether each step multiplies its own inputs by {@code W_ih} ({@code -Drecur.cpu.fusedProjection}). */
    public enum FusedProjection {
        /**
         * Fused when the steps run packed, the batch has at least {@link #FUSED_MIN_ROWS} rows and {@code W_ih} and
         * {@code W_hh} together take at most {@link #FUSED_MAX_WEIGHT_BYTES}.
         */
        AUTO,
        /** One GEMM projects the inputs of all steps before the loop. */
        OFF,
        /** Fused whenever the steps run packed (for tests). */
        ALWAYS
    }

    /** System property choosing {@link FusedProjection}: {@code auto} (default), {@code off} or {@code always}. */
    public static final String FUSED_PROJECTION_PROPERTY = "recur.cpu.fusedProjection";
    private static volatile FusedProjection fusedProjection = null;
    /**
     * The smallest batch whose steps project their own inputs (AUTO). Below it a step's product is bound by
     * streaming the weights, and fusing would stream {@code W_ih} every step as well.
     */
    public static final int FUSED_MIN_ROWS = 16;
    /**
     * The most bytes of {@code W_ih} and {@code W_hh} together whose steps project their own inputs (AUTO): 4 MiB.
     * Fused steps stream both every step; measured on a 2-vCPU EPYC (NOTES.md, eighth pass), fusing took 0.83–1.00×
     * the time at B = 32, H = 256 (2 MB of LSTM weights) and 0.97–1.39× at B = 64, H = 512 (8 MB), where the
     * weights no longer stay in the cores' caches from one step to the next.
     */
    public static final long FUSED_MAX_WEIGHT_BYTES = 4L << 20;

    /** Sets the fused projection policy (tests and measurements); null goes back to the system property. */
    public static void setFusedProjection(FusedProjection policy) {
        fusedProjection = policy;
    }

    /** The fused projection policy in force. */
    public static FusedProjection fusedProjection() {
        FusedProjection f = fusedProjection;
        return f != null ? f : option(FUSED_PROJECTION_PROPERTY, FusedProjection.AUTO, FusedProjection.values());
    }

    /** Whether the packed steps of {@code spec} over {@code batch} rows of {@code inSize} inputs project them. */
    static boolean fusedProjection(RnnSpec spec, int batch, int inSize) {
        return switch (fusedProjection()) {
            case OFF -> false;
            case ALWAYS -> true;
            case AUTO -> batch >= FUSED_MIN_ROWS
                    && 4L * spec.gateRows() * (inSize + spec.outputSize()) <= FUSED_MAX_WEIGHT_BYTES;
        };
    }

    /**
     * The step loop of one layer and direction, run by each party of a {@link StepTeam} on its own block of
     * hidden units {@code [u0, u1)}: it computes every gate of its units (the recurrent GEMM on its columns of
     * {@code W_hh}, then the pointwise cell), writes its columns of {@code h_t}, and meets the others once per
     * step, since the next step's GEMM reads all of {@code h_t}. With one party the block is the whole layer.
     */
    private static final class StepLoop {
        final RnnMode mode;
        final int steps;
        final int batch;
        final int hidden;
        final int hout;
        final int proj;
        final int gh;
        final int d;
        final int stateIndex;
        final boolean keep;
        final BatchOrder order;
        final Direction dir;
        final CpuTensor wHh;
        final CpuTensor bHh;
        final CpuTensor wHr;
        final CpuTensor ghStep;
        final CpuTensor out;
        /** Null: {@code out} is in sorted order; else sorted row i goes to row {@code outPerm[i]} of {@code out}. */
        final int[] outPerm;
        final CpuTensor c0s;
        final CpuTensor hnS;
        final CpuTensor cnS;
        /** {@code W_hh} packed for {@link PackedGemm}, or null for the OpenBLAS step GEMM. */
        final PackedWeights packed;
        /** With {@code packed}: {@code h} of the step boundaries in turn, on the heap, {@code [B, Hout]} each. */
        final float[][] hHeap;
        /** The cells on {@link NativeKernels} (with the native step GEMM), else on {@link CellKernels}. */
        final boolean nativeCells;
        final CpuTensor bIh;
        /** Fused ({@link #fuse}): the layer's input {@code [T, B, I]}, in the caller's order when {@link #inPerm}. */
        CpuTensor in;
        /** Fused: sorted row i of {@link #in} is row {@code inPerm[i]}; null when {@code in} is sorted. */
        int[] inPerm;
        /** Fused: {@code W_ih} packed like {@code W_hh}; null when the gates come projected before the loop. */
        PackedWeights packedIh;

        StepLoop(RnnWeights w, int layer, int d, BatchOrder order, Direction dir, CpuTensor ghStep, CpuTensor out,
                 int[] outPerm, CpuTensor c0s, CpuTensor hnS, CpuTensor cnS, int stateIndex, boolean keep,
                 PackedWeights packed, float[][] hHeap) {
            RnnSpec spec = w.spec();
            this.mode = spec.mode();
            this.steps = order.batchSizes().length;
            this.batch = dir.hs.dim(1);
            this.hidden = spec.hiddenSize();
            this.hout = spec.outputSize();
            this.proj = spec.projSize();
            this.gh = spec.gateRows();
            this.d = d;
            this.stateIndex = stateIndex;
            this.keep = keep;
            this.order = order;
            this.dir = dir;
            this.wHh = (CpuTensor) w.get(Kind.WEIGHT_HH, layer, d);
            this.bHh = (CpuTensor) w.get(Kind.BIAS_HH, layer, d);
            this.wHr = (CpuTensor) w.get(Kind.WEIGHT_HR, layer, d);
            this.ghStep = ghStep;
            this.out = out;
            this.outPerm = outPerm;
            this.c0s = c0s;
            this.hnS = hnS;
            this.cnS = cnS;
            this.packed = packed;
            this.hHeap = hHeap;
            this.nativeCells = packed != null && packed.kernel == PackedGemm.Kernel.NATIVE;
            this.bIh = (CpuTensor) w.get(Kind.BIAS_IH, layer, d);
        }

        /**
         * Makes each step project its own inputs: {@code gates = bias + x_t W_ih^T + h_prev W_hh^T}, both products on
         * packed weights, instead of reading gates projected before the loop. {@code in [T, B, I]} is sorted, or in
         * the caller's order with {@code inPerm}.
         */
        void fuse(CpuTensor in, int[] inPerm, PackedWeights packedIh) {
            this.in = in;
            this.inPerm = inPerm;
            this.packedIh = packedIh;
        }

        /**
         * Fused: the input side of step t's gates for units {@code [u0, u0+hu)} of rows {@code [r0, r0+bs)},
         * {@code inByGate[q] = bias_q + x_t W_ih[q]^T}; {@code xRows} (at least {@code bs * I}) receives the rows.
         */
        private void projectStep(int t, int r0, int bs, int u0, int hu, int p0, int p1, float[][] bias,
                                 float[][] inByGate, float[] xRows) {
            int n = bs * hu;
            for (int q = 0; q < inByGate.length; q++) {
                if (bias != null) {
                    System.arraycopy(bias[q], 0, inByGate[q], 0, n);
                } else {
                    java.util.Arrays.fill(inByGate[q], 0, n, 0f);
                }
            }
            if (bs == 0) {
                return;
            }
            int inSize = in.dim(2);
            FloatBuffer xf = in.floats();
            int base = in.offset() + t * batch * inSize;
            if (inPerm == null) {
                xf.get(base + r0 * inSize, xRows, 0, bs * inSize);
            } else {
                for (int i = 0; i < bs; i++) {
                    xf.get(base + inPerm[r0 + i] * inSize, xRows, i * inSize, inSize);
                }
            }
            PackedGemm.multiplyAdd(xRows, 0, inSize, bs, packedIh, p0, p1, inByGate, hu, u0);
        }

        /**
         * Gate pre-activations of units {@code [u0, u1)} for rows {@code [0, bs)}:
         * {@code dst[r, q*H + u] (+)= h_prev[r] . W_hh[q*H + u]} for each gate q, one GEMM over all gates when
         * the block is the whole layer (the gate blocks are then adjacent), else one per gate.
         */
        void recurrentGemm(int bs, int u0, int hu, int hPrev, CpuTensor dst, long dstOff, float beta) {
            int gates = gh / hidden;
            if (hu == hidden) {
                gemm1(bs, gh, dir.hs, hPrev, dst, dstOff, beta, 0);
                return;
            }
            for (int q = 0; q < gates; q++) {
                gemm1(bs, hu, dir.hs, hPrev, dst, dstOff + q * hidden + u0, beta, q * hidden + u0);
            }
        }

        private void gemm1(int bs, int n, CpuTensor h, int hOff, CpuTensor dst, long dstOff, float beta, int wRow) {
            Blas.sgemm1(false, true, bs, n, hout, 1f, h.address() + 4L * hOff, hout,
                    wHh.address() + 4L * wRow * hout, hout, beta, dst.address() + 4 * dstOff, gh);
        }

        /**
         * Runs the steps for hidden units {@code [u0, u1)} (with packed weights the units of panels
         * {@code [p0, p1)}) of rows {@code [r0, r1)}; a row split ({@code barrier} null) needs packed weights.
         */
        void run(int u0, int u1, int p0, int p1, int r0, int r1, StepTeam.Barrier barrier) {
            int hu = u1 - u0;
            int rows = r1 - r0;
            int outWidth = out.dim(2);
            // Heap scratch for the pointwise work of this block, per call (never per step): one array per gate,
            // row r0 + r (r < the running rows) at r * hu; c holds the LSTM cell state of the party's rows (running
            // or not) across the steps.
            int bh = rows * hu;
            float[] a0 = new float[bh];
            float[] a1 = mode == RnnMode.LSTM || mode == RnnMode.GRU ? new float[bh] : null;
            float[] a2 = a1 == null ? null : new float[bh];
            float[] a3 = mode == RnnMode.LSTM ? new float[bh] : null;
            float[] c = mode == RnnMode.LSTM ? new float[bh] : null;
            float[] hArr = new float[rows * Math.max(hu, hout)];
            float[] zeroRow = outPerm == null ? null : new float[proj > 0 ? hout : hu];
            float[][] gru = mode == RnnMode.GRU ? new float[][] {new float[bh], new float[bh], new float[bh]} : null;
            // The GRU's b_hh on the hidden side of its gates.
            float[][] bhh = mode == RnnMode.GRU && bHh != null ? biasRows(bHh, null, u0, hu, rows) : null;
            // The packed GEMM's outputs, indexed by gate (the order of W_hh's row blocks).
            float[][] byGate = new float[gh / hidden][];
            switch (mode) {
                case LSTM -> {
                    byGate[LstmGates.I] = a0;
                    byGate[LstmGates.F] = a1;
                    byGate[LstmGates.G] = a2;
                    byGate[LstmGates.O] = a3;
                }
                case GRU -> {
                    byGate[GruGates.R] = gru[0];
                    byGate[GruGates.Z] = gru[1];
                    byGate[GruGates.N] = gru[2];
                }
                case RNN_TANH, RNN_RELU -> byGate[0] = a0;
            }
            int first = d == 0 ? 0 : steps;
            int last = d == 0 ? steps : 0;
            if (c != null && c0s != null) {
                getColumns(c0s, (stateIndex * batch + r0) * hidden, hidden, u0, hu, c, rows);
                if (keep) {
                    putColumns(dir.cs, (first * batch + r0) * hidden, hidden, u0, hu, c, rows);
                }
            }
            // Fused: the input side's bias (b_ih + b_hh; the GRU's b_hh stays on the hidden side), the gate arrays it
            // is added to, and the step's input rows.
            float[][] inBias = packedIh == null || bIh == null ? null
                    : biasRows(bIh, mode == RnnMode.GRU ? null : bHh, u0, hu, rows);
            float[][] inByGate = mode == RnnMode.GRU ? new float[3][] : byGate;
            if (mode == RnnMode.GRU) {
                inByGate[GruGates.R] = a0;
                inByGate[GruGates.Z] = a1;
                inByGate[GruGates.N] = a2;
            }
            float[] xRows = packedIh == null ? null : new float[rows * in.dim(2)];
            FloatBuffer g = dir.gates == null ? null : dir.gates.floats();
            int gBase = dir.gates == null ? 0 : dir.gates.offset();
            for (int k = 0; k < steps; k++) {
                int t = d == 0 ? k : steps - 1 - k;
                int prev = d == 0 ? t : t + 1;
                int next = d == 0 ? t + 1 : t;
                // This party's running rows [r0, r0 + bs), then its carried rows up to r1.
                int bs = Math.max(0, Math.min(order.batchSizes()[t], r1) - r0);
                int n = bs * hu;
                int gOff = (dir.gateRow[t] + r0) * gh;
                int hPrev = (slot(prev, keep) * batch + r0) * hout;
                int hNext = (slot(next, keep) * batch + r0) * hout;
                float[] hPrevHeap = packed == null ? null : hHeap[k & 1];
                switch (mode) {
                    case LSTM -> {
                        if (packed == null) {
                            recurrentGemm(bs, u0, hu, hPrev, dir.gates, gOff, 1f);
                        }
                        if (packedIh != null) {
                            projectStep(t, r0, bs, u0, hu, p0, p1, inBias, inByGate, xRows);
                        } else {
                            gatherGates(g, gBase + gOff + u0, gh, hidden, hu, bs, LstmGates.I, a0, LstmGates.F, a1,
                                    LstmGates.G, a2, LstmGates.O, a3);
                        }
                        if (packed != null) {
                            PackedGemm.multiplyAdd(hPrevHeap, r0 * hout, hout, bs, packed, p0, p1, byGate, hu, u0);
                        }
                        if (nativeCells) {
                            NativeKernels.lstmCell(a0, a1, a2, a3, c, hArr, n);
                        } else {
                            CellKernels.lstmForwardArrays(a0, a1, a2, a3, c, hArr, n);
                        }
                        if (keep) {
                            scatterGates(g, gBase + gOff + u0, gh, hidden, hu, bs, LstmGates.I, a0, LstmGates.F, a1,
                                    LstmGates.G, a2, LstmGates.O, a3);
                            // All rows: those not running carry their cell state across the step.
                            putColumns(dir.cs, (next * batch + r0) * hidden, hidden, u0, hu, c, rows);
                        }
                        if (proj > 0) { // one party only (splitParties)
                            int mOff = keep ? t * batch * hidden : 0;
                            dir.ms.floats().put(dir.ms.offset() + mOff, hArr, 0, n);
                            gemm(false, true, bs, proj, hidden, 1f, dir.ms, mOff, hidden, wHr, 0, hidden, 0f, dir.hs,
                                    hNext, proj);
                        } else {
                            putColumns(dir.hs, hNext, hout, u0, hu, hArr, bs);
                        }
                    }
                    case GRU -> {
                        if (packed == null) {
                            recurrentGemm(bs, u0, hu, hPrev, ghStep, 0, 0f);
                            gatherGates(ghStep.floats(), ghStep.offset() + u0, gh, hidden, hu, bs, GruGates.R,
                                    gru[0], GruGates.Z, gru[1], GruGates.N, gru[2], -1, null);
                            if (bhh != null) {
                                for (int q = 0; q < 3; q++) {
                                    CellKernels.addInPlace(gru[q], bhh[q], n);
                                }
                            }
                        } else {
                            for (int q = 0; q < 3; q++) {
                                if (bhh != null) {
                                    System.arraycopy(bhh[q], 0, gru[q], 0, n);
                                } else {
                                    java.util.Arrays.fill(gru[q], 0, n, 0f);
                                }
                            }
                            PackedGemm.multiplyAdd(hPrevHeap, r0 * hout, hout, bs, packed, p0, p1, byGate, hu, u0);
                        }
                        if (packedIh != null) {
                            projectStep(t, r0, bs, u0, hu, p0, p1, inBias, inByGate, xRows);
                        } else {
                            gatherGates(g, gBase + gOff + u0, gh, hidden, hu, bs, GruGates.R, a0, GruGates.Z, a1,
                                    GruGates.N, a2, -1, null);
                        }
                        getColumns(dir.hs, hPrev, hout, u0, hu, hArr, bs);
                        if (nativeCells) {
                            NativeKernels.gruCell(a0, a1, a2, gru[0], gru[1], gru[2], hArr, n);
                        } else {
                            CellKernels.gruForwardArrays(a0, a1, a2, gru[0], gru[1], gru[2], hArr, n);
                        }
                        putColumns(dir.hs, hNext, hout, u0, hu, hArr, bs);
                        if (keep) {
                            scatterGates(dir.gru.floats(), dir.gru.offset() + (t * batch + r0) * 4 * hidden + u0,
                                    4 * hidden, hidden, hu, bs, GruGates.R, a0, GruGates.Z, a1, GruGates.N, a2,
                                    GruGates.SAVED_GH_N, gru[2]);
                        }
                    }
                    case RNN_TANH, RNN_RELU -> {
                        if (packed == null) {
                            recurrentGemm(bs, u0, hu, hPrev, dir.gates, gOff, 1f);
                        }
                        if (packedIh != null) {
                            projectStep(t, r0, bs, u0, hu, p0, p1, inBias, inByGate, xRows);
                        } else {
                            getColumns(dir.gates, gOff, gh, u0, hu, a0, bs);
                        }
                        if (packed != null) {
                            PackedGemm.multiplyAdd(hPrevHeap, r0 * hout, hout, bs, packed, p0, p1, byGate, hu, u0);
                        }
                        CellKernels.activateArrays(mode.activation(), a0, n);
                        if (keep) {
                            putColumns(dir.gates, gOff, gh, u0, hu, a0, bs);
                        }
                        putColumns(dir.hs, hNext, hout, u0, hu, a0, bs);
                    }
                }
                // Sequences that are not running at step t carry their state across it; the output gets the
                // running rows (this block's columns; with a projection, the one party copies all of them).
                int cu0 = proj > 0 ? 0 : u0;
                int chu = proj > 0 ? hout : hu;
                copyColumns(dir.hs, hPrev + bs * hout, hout, dir.hs, hNext + bs * hout, hout, cu0, chu, rows - bs);
                int outStep = t * batch * outWidth + d * hout;
                if (outPerm == null) {
                    copyColumns(dir.hs, hNext, hout, out, outStep + r0 * outWidth, outWidth, cu0, chu, bs);
                } else {
                    // Row by row into the caller's order; this party's rows that do not run get zeros.
                    for (int r = 0; r < rows; r++) {
                        int to = outStep + outPerm[r0 + r] * outWidth + cu0;
                        if (r < bs) {
                            copy(dir.hs, hNext + r * hout + cu0, out, to, chu);
                        } else {
                            out.floats().put(out.offset() + to, zeroRow, 0, chu);
                        }
                    }
                }
                if (packed != null) {
                    // The next step's GEMM reads h from the heap: this block's columns of this party's rows,
                    // copied straight into place.
                    FloatBuffer hf = dir.hs.floats();
                    int from = dir.hs.offset() + hNext;
                    float[] hNextHeap = hHeap[(k + 1) & 1];
                    if (chu == hout) {
                        hf.get(from, hNextHeap, r0 * hout, rows * hout);
                    } else {
                        for (int r = 0; r < rows; r++) {
                            hf.get(from + r * hout + cu0, hNextHeap, (r0 + r) * hout + cu0, chu);
                        }
                    }
                }
                await(barrier);
            }
            int cu0 = proj > 0 ? 0 : u0;
            int chu = proj > 0 ? hout : hu;
            copyColumns(dir.hs, (slot(last, keep) * batch + r0) * hout, hout, hnS, (stateIndex * batch + r0) * hout,
                    hout, cu0, chu, rows);
            if (cnS != null) {
                putColumns(cnS, (stateIndex * batch + r0) * hidden, hidden, u0, hu, c, rows);
            }
        }

        /**
         * A bias per gate for units {@code [u0, u0+hu)}, repeated for each of {@code rows} rows: {@code b1}, plus
         * {@code b2} where it is not null (summed as {@code addBias} sums them).
         */
        private float[][] biasRows(CpuTensor b1, CpuTensor b2, int u0, int hu, int rows) {
            int gates = gh / hidden;
            float[][] bias = new float[gates][rows * hu];
            for (int q = 0; q < gates; q++) {
                b1.floats().get(b1.offset() + q * hidden + u0, bias[q], 0, hu);
                if (b2 != null) {
                    FloatBuffer f2 = b2.floats();
                    for (int j = 0; j < hu; j++) {
                        bias[q][j] += f2.get(b2.offset() + q * hidden + u0 + j);
                    }
                }
                for (int r = 1; r < rows; r++) {
                    System.arraycopy(bias[q], 0, bias[q], r * hu, hu);
                }
            }
            return bias;
        }
    }

    /** Slot of step boundary {@code t} in {@code hs}: all T+1 kept, or two used in turn. */
    private static int slot(int t, boolean keep) {
        return keep ? t : t & 1;
    }

    /**
     * Copies gate blocks of rows {@code 0..rows} of a {@code [rows, width]} block at {@code base} into arrays:
     * {@code block} units of gate {@code gA} (its index in the row, in units of H) into {@code a}, and so on;
     * a gate index of -1 is skipped. Element {@code r * block + j} of each array is unit j of row r (counted
     * from {@code base}, which may point at the first unit of a party's block).
     */
    private static void gatherGates(FloatBuffer src, int base, int width, int hidden, int block, int rows, int gA,
                                    float[] a, int gB, float[] b, int gC, float[] c, int gD, float[] e) {
        for (int r = 0; r < rows; r++) {
            int row = base + r * width;
            int dst = r * block;
            src.get(row + gA * hidden, a, dst, block);
            src.get(row + gB * hidden, b, dst, block);
            src.get(row + gC * hidden, c, dst, block);
            if (gD >= 0) {
                src.get(row + gD * hidden, e, dst, block);
            }
        }
    }

    /** The inverse of {@link #gatherGates}: arrays into the gate blocks of rows {@code 0..rows}. */
    private static void scatterGates(FloatBuffer dst, int base, int width, int hidden, int block, int rows, int gA,
                                     float[] a, int gB, float[] b, int gC, float[] c, int gD, float[] e) {
        for (int r = 0; r < rows; r++) {
            int row = base + r * width;
            int src = r * block;
            dst.put(row + gA * hidden, a, src, block);
            dst.put(row + gB * hidden, b, src, block);
            dst.put(row + gC * hidden, c, src, block);
            if (gD >= 0) {
                dst.put(row + gD * hidden, e, src, block);
            }
        }
    }

    /** {@link #scatterGates} into a heap block {@code [rows, width]} whose row r starts at {@code r * width}. */
    private static void scatterGatesHeap(float[] dst, int u0, int width, int hidden, int block, int rows, int gA,
                                         float[] a, int gB, float[] b, int gC, float[] c, int gD, float[] e) {
        for (int r = 0; r < rows; r++) {
            int row = r * width + u0;
            int src = r * block;
            System.arraycopy(a, src, dst, row + gA * hidden, block);
            System.arraycopy(b, src, dst, row + gB * hidden, block);
            System.arraycopy(c, src, dst, row + gC * hidden, block);
            if (gD >= 0) {
                System.arraycopy(e, src, dst, row + gD * hidden, block);
            }
        }
    }

    /**
     * {@code dst[r * n + j] = t[off + r * width + u0 + j]} for rows {@code r < rows}, {@code j < n}: columns
     * {@code [u0, u0+n)} of a {@code [rows, width]} block into a dense array (one bulk copy when they are all).
     */
    private static void getColumns(CpuTensor t, int off, int width, int u0, int n, float[] dst, int rows) {
        FloatBuffer f = t.floats();
        int base = t.offset() + off + u0;
        if (n == width) {
            if (rows > 0) { // a party of a row split may have no running rows (base then past the end)
                f.get(base, dst, 0, rows * n);
            }
            return;
        }
        for (int r = 0; r < rows; r++) {
            f.get(base + r * width, dst, r * n, n);
        }
    }

    /** The inverse of {@link #getColumns}. */
    private static void putColumns(CpuTensor t, int off, int width, int u0, int n, float[] src, int rows) {
        FloatBuffer f = t.floats();
        int base = t.offset() + off + u0;
        if (n == width) {
            if (rows > 0) { // a party of a row split may have no running rows (base then past the end)
                f.put(base, src, 0, rows * n);
            }
            return;
        }
        for (int r = 0; r < rows; r++) {
            f.put(base + r * width, src, r * n, n);
        }
    }

    /** Columns {@code [u0, u0+n)} of {@code rows} rows from one block of rows to another. */
    private static void copyColumns(CpuTensor src, int srcOff, int srcWidth, CpuTensor dst, int dstOff, int dstWidth,
                                    int u0, int n, int rows) {
        if (n == srcWidth && n == dstWidth) {
            copy(src, srcOff + u0, dst, dstOff + u0, rows * n);
            return;
        }
        for (int r = 0; r < rows; r++) {
            copy(src, srcOff + r * srcWidth + u0, dst, dstOff + r * dstWidth + u0, n);
        }
    }

    /** See {@link dev.recur.backend.Backend#rnnBackward}. */
    public static void backward(CpuBackend be, StepTeam team, RnnContext context, CpuTensor dy, CpuTensor dhn,
                                CpuTensor dcn, CpuTensor dx, CpuTensor dh0, CpuTensor dc0, RnnWeights grads) {
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
            // Every row is gathered from dy (padded steps then zeroed), or 0 without dy.
            CpuTensor dOut = dy != null ? CpuTensor.uninitialized(be, steps, batch, width) : zeros(be, steps, batch,
                    width);
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
                    backwardDirection(be, team, ctx, l, d, in, dOut, dhnS, dcnS, dh0S, dc0S, dIn, grads);
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

    private static void backwardDirection(CpuBackend be, StepTeam team, Context ctx, int layer, int d, CpuTensor in,
                                          CpuTensor dOut, CpuTensor dhnS, CpuTensor dcnS, CpuTensor dh0S,
                                          CpuTensor dc0S, CpuTensor dIn, RnnWeights grads) {
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
        int s = layer * spec.directions() + d;
        CpuTensor wIh = (CpuTensor) w.get(Kind.WEIGHT_IH, layer, d);
        List<CpuTensor> temps = new ArrayList<>();
        try {
            // dG: d loss / d pre-activation per step [T, B, G*H] (GRU: input side; dGh is the hidden side).
            BackwardLoop loop = new BackwardLoop(ctx, layer, d, s, dOut, dcnS, dc0S);
            // The steps write rows [0, bs_t) of every step; the weight-gradient GEMMs read all rows, so the rows
            // of padded steps must be 0, and only a dense batch can skip the fill.
            boolean dense = ctx.order.batchSizes()[steps - 1] == batch;
            loop.dG = track(stepGradients(be, dense, steps, batch, gh), temps);
            loop.dGh = mode == RnnMode.GRU ? track(stepGradients(be, dense, steps, batch, gh), temps) : loop.dG;
            loop.dh = track(zeros(be, batch, hout), temps);
            loop.dhAll = proj > 0 ? track(zeros(be, steps, batch, proj), temps) : null;
            loop.dm = proj > 0 ? track(zeros(be, batch, hidden), temps) : null;
            if (dhnS != null) {
                copy(dhnS, s * batch * hout, loop.dh, 0, batch * hout);
            }
            if (stepGemm() == StepGemm.PACKED && proj == 0) {
                CpuTensor wHh = loop.wHh;
                loop.packedT = PackedWeights.packColumns(wHh.floats(), wHh.offset(), gh, hout);
                loop.dgHeap = new float[][] {new float[batch * gh], new float[batch * gh]};
            }
            int parties = splitParties(team.parties(), spec, batch);
            runSplit(team, parties, hidden, batch, loop.packedT,
                    rowSplit(parties, ctx.order.batchSizes(), batch, bytes(loop.packedT)), loop::run);
            copy(loop.dh, 0, dh0S, s * batch * hout, batch * hout);
            CpuTensor dG = loop.dG;
            CpuTensor dGh = loop.dGh;
            // Weight gradients over all steps at once; rows of steps that did not run are 0 in dG.
            int rows = steps * batch;
            teamGemm(team, true, false, gh, inSize, rows, 1f, dG, 0, gh, in, 0, inSize, 1f,
                    (CpuTensor) grads.get(Kind.WEIGHT_IH, layer, d), 0, inSize);
            int firstPrev = d == 0 ? 0 : batch * hout;
            teamGemm(team, true, false, gh, hout, rows, 1f, dGh, 0, gh, dir.hs, firstPrev, hout, 1f,
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
                gemm(true, false, proj, hidden, rows, 1f, loop.dhAll, 0, proj, dir.ms, 0, hidden, 1f,
                        (CpuTensor) grads.get(Kind.WEIGHT_HR, layer, d), 0, hidden);
            }
            // d loss / d layer input, summed over directions.
            teamGemm(team, false, false, rows, inSize, gh, 1f, dG, 0, gh, wIh, 0, inSize, 1f, dIn, 0, inSize);
        } finally {
            temps.forEach(CpuTensor::close);
        }
    }

    /**
     * The backward step loop of one layer and direction, run by each party of a {@link StepTeam} on its own
     * block of hidden units {@code [u0, u1)}: the pointwise backward of its units writes their columns of
     * {@code dG}; after the one barrier per step, its GEMM computes its columns of
     * {@code dh_prev = dG W_hh}, which are all that its next step reads. With one party the block is the whole
     * layer.
     */
    private static final class BackwardLoop {
        final Context ctx;
        final RnnMode mode;
        final Direction dir;
        final int d;
        final int s;
        final int steps;
        final int batch;
        final int hidden;
        final int hout;
        final int proj;
        final int gh;
        final CpuTensor dOut;
        final CpuTensor dcnS;
        final CpuTensor dc0S;
        final CpuTensor wHh;
        final CpuTensor wHr;
        CpuTensor dG;
        CpuTensor dGh;
        CpuTensor dh;
        CpuTensor dhAll;
        CpuTensor dm;
        /** {@code W_hh}'s columns packed for {@link PackedGemm}, or null for the OpenBLAS GEMM (no projection). */
        PackedWeights packedT;
        /** With {@code packedT}: the step's {@code dG} (GRU: {@code dGh}) on the heap, two steps in turn. */
        float[][] dgHeap;

        BackwardLoop(Context ctx, int layer, int d, int s, CpuTensor dOut, CpuTensor dcnS, CpuTensor dc0S) {
            RnnSpec spec = ctx.spec;
            this.ctx = ctx;
            this.mode = spec.mode();
            this.dir = ctx.dirs[layer][d];
            this.d = d;
            this.s = s;
            this.steps = ctx.steps;
            this.batch = ctx.batch;
            this.hidden = spec.hiddenSize();
            this.hout = spec.outputSize();
            this.proj = spec.projSize();
            this.gh = spec.gateRows();
            this.dOut = dOut;
            this.dcnS = dcnS;
            this.dc0S = dc0S;
            this.wHh = (CpuTensor) ctx.w.get(Kind.WEIGHT_HH, layer, d);
            this.wHr = (CpuTensor) ctx.w.get(Kind.WEIGHT_HR, layer, d);
        }

        /**
         * Runs the steps for hidden units {@code [u0, u1)} (with packed weights the columns of panels
         * {@code [p0, p1)} of {@link #packedT}) of rows {@code [r0, r1)}; a row split ({@code barrier} null)
         * needs packed weights.
         */
        void run(int u0, int u1, int p0, int p1, int r0, int r1, StepTeam.Barrier barrier) {
            int hu = u1 - u0;
            int rows = r1 - r0;
            int width = dOut.dim(2);
            // Heap scratch, per call: gate arrays as in forward, dc the LSTM cell gradient of this party's rows.
            // With a projection there is one party, and dhArr holds rows of P = hout.
            int bh = rows * hu;
            float[] a0 = new float[bh];
            float[] a1 = mode == RnnMode.RNN_TANH || mode == RnnMode.RNN_RELU ? null : new float[bh];
            float[] a2 = a1 == null ? null : new float[bh];
            float[] a3 = a1 == null ? null : new float[bh];
            float[] x0 = a1 == null ? null : new float[bh];
            float[] x1 = mode == RnnMode.LSTM ? new float[bh] : null;
            float[] x2 = mode == RnnMode.LSTM ? new float[bh] : null;
            float[] dc = mode == RnnMode.LSTM ? new float[bh] : null;
            int cols = proj > 0 ? hout : hu; // the columns of dh this party reads and writes
            float[] dhArr = new float[rows * Math.max(cols, hu)];
            float[] dOutRows = new float[rows * cols];
            float[][] dhOut = {dhArr};
            if (dc != null && dcnS != null) {
                getColumns(dcnS, (s * batch + r0) * hidden, hidden, u0, hu, dc, rows);
            }
            FloatBuffer gates = dir.gates == null ? null : dir.gates.floats(); // GRU: dir.gru instead
            int gBase = dir.gates == null ? 0 : dir.gates.offset();
            FloatBuffer dgf = dG.floats();
            int dgBase = dG.offset();
            int bhAll = batch * hidden;
            for (int k = steps - 1; k >= 0; k--) {
                int t = d == 0 ? k : steps - 1 - k;
                int prev = d == 0 ? t : t + 1;
                int next = d == 0 ? t + 1 : t;
                // This party's running rows [r0, r0 + bs).
                int bs = Math.max(0, Math.min(ctx.order.batchSizes()[t], r1) - r0);
                int n = bs * hu;
                int gOff = (t * batch + r0) * gh;
                int dhOff = r0 * hout;
                // The heap copy of dG's rows: this party's block of units of its rows.
                int heapOff = r0 * gh + u0;
                // dh[rows] += dOut[t, rows, d*Hout : (d+1)*Hout], this party's columns, into dhArr.
                int nh = bs * cols;
                getColumns(dh, dhOff, hout, u0, cols, dhArr, bs);
                getColumns(dOut, (t * batch + r0) * width + d * hout, width, u0, cols, dOutRows, bs);
                CellKernels.addInPlace(dhArr, dOutRows, nh);
                switch (mode) {
                    case LSTM -> {
                        float[] dmArr = dhArr;
                        if (proj > 0) { // one party (splitParties): hu = H, cols = P
                            // h = m W_hr^T: dm = dh W_hr; dW_hr gets dh^T m after the loop.
                            dhAll.floats().put(dhAll.offset() + t * batch * proj, dhArr, 0, nh);
                            gemm(false, false, bs, hidden, proj, 1f, dhAll, t * batch * proj, proj, wHr, 0, hidden, 0f,
                                    dm, 0, hidden);
                            dm.floats().get(dm.offset(), x1, 0, n);
                            dmArr = x1;
                        }
                        gatherGates(gates, gBase + gOff + u0, gh, hidden, hu, bs, LstmGates.I, a0, LstmGates.F, a1,
                                LstmGates.G, a2, LstmGates.O, a3);
                        getColumns(dir.cs, prev * bhAll + r0 * hidden, hidden, u0, hu, x0, bs);
                        getColumns(dir.cs, next * bhAll + r0 * hidden, hidden, u0, hu, x2, bs);
                        CellKernels.lstmBackwardArrays(a0, a1, a2, a3, x0, x2, dmArr, dc, n);
                        scatterGates(dgf, dgBase + gOff + u0, gh, hidden, hu, bs, LstmGates.I, a0, LstmGates.F, a1,
                                LstmGates.G, a2, LstmGates.O, a3);
                        if (packedT != null) {
                            scatterGatesHeap(dgHeap[k & 1], heapOff, gh, hidden, hu, bs, LstmGates.I, a0, LstmGates.F,
                                    a1, LstmGates.G, a2, LstmGates.O, a3);
                        }
                        await(barrier);
                        // h_prev feeds the gates through W_hh: dh_prev[rows] = dG W_hh (this party's columns).
                        hiddenGradient(bs, r0, u0, cols, dG, gOff, 0f, k, p0, p1, dhArr, dhOut);
                    }
                    case GRU -> {
                        FloatBuffer saved = dir.gru.floats();
                        int sOff = dir.gru.offset() + (t * batch + r0) * 4 * hidden + u0;
                        gatherGates(saved, sOff, 4 * hidden, hidden, hu, bs, GruGates.R, a0, GruGates.Z, a1,
                                GruGates.N, a2, GruGates.SAVED_GH_N, a3);
                        getColumns(dir.hs, (prev * batch + r0) * hout, hout, u0, hu, x0, bs);
                        CellKernels.gruBackwardArrays(a0, a1, a2, a3, x0, dhArr, n);
                        putColumns(dh, dhOff, hout, u0, hu, dhArr, bs);
                        scatterGates(dgf, dgBase + gOff + u0, gh, hidden, hu, bs, GruGates.R, a0, GruGates.Z, a1,
                                GruGates.N, a2, -1, null);
                        scatterGates(dGh.floats(), dGh.offset() + gOff + u0, gh, hidden, hu, bs, GruGates.R, a0,
                                GruGates.Z, a1, GruGates.N, a3, -1, null);
                        if (packedT != null) {
                            scatterGatesHeap(dgHeap[k & 1], heapOff, gh, hidden, hu, bs, GruGates.R, a0, GruGates.Z,
                                    a1, GruGates.N, a3, -1, null);
                        }
                        await(barrier);
                        hiddenGradient(bs, r0, u0, cols, dGh, gOff, 1f, k, p0, p1, dhArr, dhOut);
                    }
                    case RNN_TANH, RNN_RELU -> {
                        getColumns(dir.gates, gOff, gh, u0, hu, a0, bs);
                        CellKernels.activateBackwardArrays(mode.activation(), a0, dhArr, n);
                        putColumns(dG, gOff, gh, u0, hu, dhArr, bs);
                        if (packedT != null) {
                            float[] dgRows = dgHeap[k & 1];
                            for (int r = 0; r < bs; r++) {
                                System.arraycopy(dhArr, r * hu, dgRows, heapOff + r * gh, hu);
                            }
                        }
                        await(barrier);
                        hiddenGradient(bs, r0, u0, cols, dG, gOff, 0f, k, p0, p1, dhArr, dhOut);
                    }
                }
            }
            if (dc0S != null) {
                putColumns(dc0S, s * bhAll + r0 * hidden, hidden, u0, hu, dc, rows);
            }
        }

        /**
         * {@code dh[r0:r0+bs, u0:u0+n] = dGates[t] W_hh[:, u0:u0+n] + beta dh}: contraction over all G*H gates,
         * {@code gOff} the first row's. With packed weights the step's dGates rows come from {@code dgHeap[k & 1]}
         * and {@code scratch} (at least {@code bs * n}) holds this party's block of dh while the kernel adds into
         * it; {@code scratchOut} is {@code {scratch}}.
         */
        private void hiddenGradient(int bs, int r0, int u0, int n, CpuTensor dGates, int gOff, float beta, int k,
                                    int p0, int p1, float[] scratch, float[][] scratchOut) {
            int dhOff = r0 * hout;
            if (packedT == null) {
                Blas.sgemm1(false, false, bs, n, gh, 1f, dGates.address() + 4L * gOff, gh,
                        wHh.address() + 4L * u0, hout, beta, dh.address() + 4L * (dhOff + u0), hout);
                return;
            }
            if (beta == 0f) {
                java.util.Arrays.fill(scratch, 0, bs * n, 0f);
            } else {
                getColumns(dh, dhOff, hout, u0, n, scratch, bs);
            }
            PackedGemm.multiplyAdd(dgHeap[k & 1], r0 * gh, gh, bs, packedT, p0, p1, scratchOut, n, u0);
            putColumns(dh, dhOff, hout, u0, n, scratch, bs);
        }
    }

    /** The size of packed weights, 0 for none. */
    private static long bytes(PackedWeights packed) {
        return packed == null ? 0 : 4L * packed.data.length;
    }

    /** Meets the other parties of a unit split; a row split has no barrier. */
    private static void await(StepTeam.Barrier barrier) {
        if (barrier != null) {
            barrier.await();
        }
    }

    // ------------------------------------------------------------------ helpers on off-heap blocks

    /**
     * The first row of each step's gates: {@code t * batch}, or with {@code compact} the real rows of the steps
     * before ({@code sum of sizes[t'] for t' < t}); element {@code T} is the number of rows.
     */
    static int[] gateRows(int[] sizes, int batch, boolean compact) {
        int[] first = new int[sizes.length + 1];
        for (int t = 0; t < sizes.length; t++) {
            first[t + 1] = first[t] + (compact ? sizes[t] : batch);
        }
        return first;
    }

    /**
     * The input projection of the real rows of {@code in [T, B, I]}, one step after the other:
     * {@code gates[first[t] + i] = in[t, row(i)] W_ih^T} for {@code i < sizes[t]}, where {@code row(i)} is
     * {@code perm[i]} when {@code in} is in the caller's order (null: {@code i}). Each party of the team gathers its
     * share of the rows into a block of its own and multiplies it at once, so the gathering runs in parallel and
     * its block is still warm when its GEMM reads it.
     */
    private static void projectCompact(CpuBackend be, StepTeam team, CpuTensor in, int[] perm, int[] sizes,
                                       int[] first, CpuTensor wIh, CpuTensor gates) {
        int batch = in.dim(1);
        int inSize = in.dim(2);
        int gh = gates.dim(1);
        int m = first[sizes.length];
        int parties = gemmParties(team, m, gh, inSize);
        team.run(parties, (party, barrier) -> {
            int m0 = (int) ((long) m * party / parties);
            int m1 = (int) ((long) m * (party + 1) / parties);
            if (m1 == m0) {
                return;
            }
            try (CpuTensor live = CpuTensor.uninitialized(be, m1 - m0, inSize)) {
                int t = 0;
                while (first[t + 1] <= m0) {
                    t++;
                }
                for (int j = m0; j < m1; t++) {
                    // rows j.. of step t: its sorted rows from j - first[t], up to the step's end or m1
                    int end = Math.min(first[t + 1], m1);
                    int i0 = j - first[t];
                    if (perm == null) {
                        copy(in, (t * batch + i0) * inSize, live, (j - m0) * inSize, (end - j) * inSize);
                    } else {
                        for (int i = i0; i < i0 + end - j; i++) {
                            copy(in, (t * batch + perm[i]) * inSize, live, (j - m0 + i - i0) * inSize, inSize);
                        }
                    }
                    j = end;
                }
                Blas.sgemm1(false, true, m1 - m0, gh, inSize, 1f, live.address(), inSize, wIh.address(), inSize, 0f,
                        gates.address() + 4L * m0 * gh, gh);
            }
        });
    }

    /**
     * The input projection of a variable-length batch, real steps only: for each sequence (sorted row
     * {@code r}, length {@code L_r}), {@code gates[0:L_r, r, :] = in[0:L_r, r, :] W_ih^T} as one GEMM whose rows are
     * {@code B} rows apart ({@code lda = B*I}, {@code ldc = B*G*H}). The padded rows, which the steps never read,
     * cost nothing. Sequences are dealt to the team's parties in turn, which balances the lengths (sorted).
     */
    static void projectLiveRows(StepTeam team, BatchOrder order, CpuTensor in, CpuTensor wIh, CpuTensor gates) {
        int[] sizes = order.batchSizes();
        int steps = sizes.length;
        int batch = in.dim(1);
        int inSize = in.dim(2);
        int gh = gates.dim(2);
        long live = 0;
        for (int size : sizes) {
            live += size;
        }
        int parties = 2.0 * live * gh * inSize < Blas.SINGLE_THREAD_FLOPS ? 1 : Math.min(team.parties(), batch);
        team.run(parties, (party, barrier) -> {
            for (int r = party; r < batch; r += parties) {
                int length = 0;
                while (length < steps && sizes[length] > r) {
                    length++;
                }
                Blas.sgemm1(false, true, length, gh, inSize, 1f, in.address() + 4L * r * inSize, batch * inSize,
                        wIh.address(), inSize, 0f, gates.address() + 4L * r * gh, batch * gh);
            }
        });
    }

    /**
     * A large GEMM of the sequence op split by rows of C across the {@link StepTeam}, each party on one OpenBLAS
     * thread ({@link Blas#sgemm1}); below {@link Blas#SINGLE_THREAD_FLOPS} one party. The sequence op never
     * wakes OpenBLAS's own threads: after a multi-threaded call they spin for a while (OPENBLAS_THREAD_TIMEOUT)
     * and would take a core from the team's next split step.
     */
    static void teamGemm(StepTeam team, boolean transA, boolean transB, int m, int n, int k, float alpha, CpuTensor a,
                         long aOff, int lda, CpuTensor b, long bOff, int ldb, float beta, CpuTensor c, long cOff,
                         int ldc) {
        int parties = gemmParties(team, m, n, k);
        team.run(parties, (party, barrier) -> {
            int m0 = (int) ((long) m * party / parties);
            int m1 = (int) ((long) m * (party + 1) / parties);
            // Rows m0..m1 of op(A): rows of A, or columns of A when it is transposed ([K, M]).
            long aStart = transA ? aOff + m0 : aOff + (long) m0 * lda;
            Blas.sgemm1(transA, transB, m1 - m0, n, k, alpha, a.address() + 4 * aStart, lda,
                    b.address() + 4 * bOff, ldb, beta, c.address() + 4 * (cOff + (long) m0 * ldc), ldc);
        });
    }

    /**
     * How many parties split a {@code [m, k] x [k, n]} GEMM by rows: one below {@link Blas#SINGLE_THREAD_FLOPS},
     * else the team, each with at least 8 rows.
     */
    private static int gemmParties(StepTeam team, int m, int n, int k) {
        return 2.0 * m * n * k < Blas.SINGLE_THREAD_FLOPS ? 1 : Math.max(1, Math.min(team.parties(), m / 8));
    }

    /** GEMM on tensors at element offsets (see {@link Blas#sgemm}). */
    static void gemm(boolean transA, boolean transB, int m, int n, int k, float alpha, CpuTensor a, long aOff, int lda,
                     CpuTensor b, long bOff, int ldb, float beta, CpuTensor c, long cOff, int ldc) {
        Blas.sgemm(transA, transB, m, n, k, alpha, a.address() + 4 * aOff, lda, b.address() + 4 * bOff, ldb, beta,
                c.address() + 4 * cOff, ldc);
    }

    /**
     * {@code y[t, b, :] += b1 (+ b2)} for the rows of {@code y [T, B, cols]} whose step runs
     * ({@code b < sizes[t]}), split across the team (at S3 this is 33 M elements per layer and direction).
     */
    private static void addBias(StepTeam team, CpuTensor y, int[] sizes, int batch, int cols, CpuTensor b1,
                                CpuTensor b2) {
        int rows = sizes.length * batch;
        float[] bias = new float[cols];
        b1.floats().get(b1.offset(), bias);
        if (b2 != null) {
            FloatBuffer f2 = b2.floats();
            for (int j = 0; j < cols; j++) {
                bias[j] += f2.get(b2.offset() + j);
            }
        }
        int parties = (long) rows * cols < (1 << 18) ? 1 : Math.min(team.parties(), rows);
        team.run(parties, (party, barrier) -> {
            // Row by row through a heap array: bulk copies and a same-index loop, which C2 vectorizes (a loop
            // over a block of rows reads the block at an offset and stays scalar on JDK 17).
            float[] row = new float[cols];
            FloatBuffer f = y.floats();
            int base = y.offset();
            for (int r = rows * party / parties; r < rows * (party + 1) / parties; r++) {
                if (r % batch >= sizes[r / batch]) {
                    continue; // a padded row: step r / batch does not run sequence r % batch
                }
                int at = base + r * cols;
                f.get(at, row, 0, cols);
                CellKernels.addInPlace(row, bias, cols);
                f.put(at, row, 0, cols);
            }
        });
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

    /** A {@code [T, B, G*H]} block of step gradients: zeros, or for a dense batch (every row written) unfilled. */
    private static CpuTensor stepGradients(CpuBackend be, boolean dense, int steps, int batch, int gh) {
        return dense ? CpuTensor.uninitialized(be, steps, batch, gh) : zeros(be, steps, batch, gh);
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
        CpuTensor out = CpuTensor.uninitialized(be, t.shape()); // every row is copied
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
