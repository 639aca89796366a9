package dev.recur.cpu.internal;

import dev.recur.cpu.CpuTensor;
import java.nio.FloatBuffer;
import java.util.Collections;
import java.util.Map;
import java.util.WeakHashMap;

/**
 * A recurrent weight {@code W [G*H, K]} (row-major, gate q's rows at {@code q*H}) packed once per call into the
 * layout {@link PackedGemm}'s inner loop reads: panels of {@link #vectors} × 8 columns, each panel holding its
 * columns for every k contiguously.
 *
 * <pre>
 *   data[((p * K + k) * V + v) * 8 + lane] = W[gateOf(v) * H + unitOf(p, v) + lane, k]   (0 past the last unit)
 * </pre>
 *
 * <p>For LSTM (G = 4) and GRU (G = 3) a panel is 8 hidden units with one vector per gate ({@code V = G}), so a
 * panel's output is every gate of its units; for the plain RNN (G = 1) a panel is 32 units in 4 vectors. Step
 * threads split the hidden units at panel boundaries ({@link #units}).
 */
final class PackedWeights {
    /** Lanes per vector: eight floats, one AVX2 register. */
    static final int LANES = 8;

    final int gates;
    final int hidden;
    final int k;
    /** Vectors per panel: 4 (LSTM, RNN) or 3 (GRU). */
    final int vectors;
    /** Hidden units per panel: 8, or 32 for the plain RNN. */
    final int units;
    final int panels;
    final float[] data;
    /** The kernel these weights are multiplied by, chosen once when they are packed ({@link PackedGemm}). */
    final PackedGemm.Kernel kernel;
    /** {@link #pack}: the weights as they were packed, {@code [gates*hidden, k]} ({@link #packCached} compares). */
    private float[] source;

    /**
     * The last packing of each recurrent weight tensor, reused by {@link #packCached} while the tensor's elements
     * are unchanged; weak keys, so it never keeps a model alive.
     */
    private static final Map<CpuTensor, PackedWeights> CACHE = Collections.synchronizedMap(new WeakHashMap<>());

    private PackedWeights(int gates, int hidden, int k) {
        this.gates = gates;
        this.hidden = hidden;
        this.k = k;
        this.vectors = gates == 1 ? 4 : gates;
        this.units = gates == 1 ? 4 * LANES : LANES;
        this.panels = (hidden + units - 1) / units;
        this.data = new float[Math.multiplyExact(Math.multiplyExact(panels, k), vectors * LANES)];
        this.kernel = PackedGemm.kernelInUse();
    }

    /**
     * {@link #pack} of the tensor {@code w [gates*hidden, k]}, or the packing of an earlier call when every element
     * of {@code w} still equals (as a float: {@code ==}, or both NaN) what was packed then. Inference calls with the
     * same weights then pay one comparison instead of a packing (at B = 1, T = 128, H = 128 the packing was about a
     * tenth of the forward); training, which changes the weights between calls, packs every time.
     */
    static PackedWeights packCached(CpuTensor w, int gates, int hidden, int k) {
        PackedWeights cached = CACHE.get(w);
        if (cached != null && cached.gates == gates && cached.hidden == hidden && cached.k == k
                && cached.kernel == PackedGemm.kernelInUse()
                && w.floats().slice(w.offset(), cached.source.length).mismatch(FloatBuffer.wrap(cached.source)) < 0) {
            return cached;
        }
        PackedWeights packed = pack(w.floats(), w.offset(), gates, hidden, k);
        CACHE.put(w, packed);
        return packed;
    }

    /**
     * Packs {@code W [gates*hidden, k]} whose row j starts at {@code src[off + j*k]}: one bulk copy to the heap,
     * then the packed array is written in order, reading the panel's 8 × V rows of W (L1-resident while k
     * advances).
     */
    static PackedWeights pack(FloatBuffer src, int off, int gates, int hidden, int k) {
        if (gates != 1 && gates != 3 && gates != 4) {
            throw new IllegalArgumentException("packed weights need 1, 3 or 4 gates, got " + gates);
        }
        PackedWeights w = new PackedWeights(gates, hidden, k);
        float[] plain = new float[gates * hidden * k];
        src.get(off, plain, 0, plain.length);
        w.source = plain;
        int[] rowStart = new int[w.vectors * LANES];
        int i = 0;
        for (int p = 0; p < w.panels; p++) {
            // Where each packed column of this panel reads W, or -1 past the last unit.
            for (int v = 0; v < w.vectors; v++) {
                for (int lane = 0; lane < LANES; lane++) {
                    int unit = w.unitOf(p, v) + lane;
                    rowStart[v * LANES + lane] = unit < hidden ? (w.gateOf(v) * hidden + unit) * k : -1;
                }
            }
            for (int kk = 0; kk < k; kk++) {
                for (int start : rowStart) {
                    w.data[i++] = start < 0 ? 0f : plain[start + kk];
                }
            }
        }
        return w;
    }

    /**
     * Packs the columns of {@code W [k, n]} (row-major from {@code src[off]}) as the output columns of a GEMM that
     * contracts over W's rows, {@code out[r, c] += sum_j a[r, j] W[j, c]}: the layout of one gate ({@code G = 1},
     * panels of 32 columns), each panel row a bulk copy. Backward uses it for {@code dh = dGates W_hh}.
     */
    static PackedWeights packColumns(FloatBuffer src, int off, int k, int n) {
        PackedWeights w = new PackedWeights(1, n, k);
        int width = w.vectors * LANES;
        for (int p = 0; p < w.panels; p++) {
            int c0 = p * width;
            int m = Math.min(width, n - c0);
            int base = p * k * width;
            for (int j = 0; j < k; j++) {
                src.get(off + j * n + c0, w.data, base + j * width, m);
            }
        }
        return w;
    }

    /** The gate (block of H rows of W) that vector {@code v} of a panel holds. */
    int gateOf(int v) {
        return gates == 1 ? 0 : v;
    }

    /** The first hidden unit of vector {@code v} of panel {@code p}. */
    int unitOf(int p, int v) {
        return p * units + (gates == 1 ? v * LANES : 0);
    }

    /** The first hidden unit of the block of party {@code party} of {@code parties}, at a panel boundary. */
    int blockStart(int party, int parties) {
        return Math.min(hidden, (int) ((long) party * panels / parties) * units);
    }
}
