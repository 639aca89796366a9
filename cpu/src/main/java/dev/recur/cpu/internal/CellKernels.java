package dev.recur.cpu.internal;

import static dev.recur.cpu.internal.FastMath.sigmoid;
import static dev.recur.cpu.internal.FastMath.sigmoidRational;
import static dev.recur.cpu.internal.FastMath.tanh;
import static dev.recur.cpu.internal.FastMath.tanhRational;

import dev.recur.backend.Activation;
import dev.recur.backend.GruGates;
import dev.recur.backend.LstmGates;
import java.nio.FloatBuffer;

/**
 * The fused pointwise work of one recurrent step, in two forms.
 *
 * <ul>
 *   <li>On rows of off-heap buffers (the first half): every buffer argument is followed by the index of its
 *       first element; rows are contiguous ({@code [rows, 4H]}, {@code [rows, H]}, ...). Scalar code with
 *       {@link FastMath#sigmoid}/{@link FastMath#tanh}; the cell ops use it, and it is the reference the
 *       array kernels are tested against.</li>
 *   <li>On heap {@code float[]} (the {@code ...Arrays} methods): one array per gate, {@code n = rows * H}
 *       elements each, element {@code r * H + j} for row r and hidden unit j. The sequence op ({@link CpuRnn})
 *       copies a step's rows in with bulk {@code FloatBuffer.get}, calls these, and copies the results out.
 *       Each is a few short loops over separate arrays at the same index, with the branch-free
 *       {@link FastMath#sigmoidRational}/{@link FastMath#tanhRational}: that is the shape C2 turns into SIMD
 *       without the Vector API. One long fused loop, or loops reading one array at two offsets, stay scalar
 *       (measured on JDK 17: ≈ 50 ns against ≈ 6 ns per LSTM element, see NOTES.md).</li>
 * </ul>
 * Gate offsets come from {@link LstmGates} and {@link GruGates}. Each backward sits under its forward and
 * quotes the line it differentiates.
 */
public final class CellKernels {
    private CellKernels() {
    }

    /**
     * LSTM step: {@code g [rows, 4H]} pre-activations in, activated i, f, g, o out (in place);
     * {@code c [rows, H]} previous cell state; {@code cn [rows, H]} out {@code f*c + i*g};
     * {@code m [rows, H]} out {@code o * tanh(cn)}.
     */
    public static void lstmForward(FloatBuffer g, int gOff, FloatBuffer c, int cOff, FloatBuffer cn, int cnOff,
                                   FloatBuffer m, int mOff, int rows, int hidden) {
        int gi = LstmGates.I * hidden;
        int gf = LstmGates.F * hidden;
        int gg = LstmGates.G * hidden;
        int go = LstmGates.O * hidden;
        for (int r = 0; r < rows; r++) {
            int gr = gOff + r * LstmGates.COUNT * hidden;
            int hr = r * hidden;
            for (int j = 0; j < hidden; j++) {
                float i = sigmoid(g.get(gr + gi + j));
                float f = sigmoid(g.get(gr + gf + j));
                float cand = tanh(g.get(gr + gg + j));
                float o = sigmoid(g.get(gr + go + j));
                float cNew = f * c.get(cOff + hr + j) + i * cand;
                g.put(gr + gi + j, i);
                g.put(gr + gf + j, f);
                g.put(gr + gg + j, cand);
                g.put(gr + go + j, o);
                cn.put(cnOff + hr + j, cNew);
                m.put(mOff + hr + j, o * tanh(cNew));
            }
        }
    }

    /**
     * Backward of {@link #lstmForward}. {@code g} holds the activated gates, {@code dm [rows, H]} is
     * d loss / d m, {@code dc [rows, H]} holds d loss / d cn on entry and d loss / d c on exit;
     * {@code dg [rows, 4H]} receives d loss / d pre-activation.
     */
    public static void lstmBackward(FloatBuffer g, int gOff, FloatBuffer c, int cOff, FloatBuffer cn, int cnOff,
                                    FloatBuffer dm, int dmOff, FloatBuffer dc, int dcOff, FloatBuffer dg, int dgOff,
                                    int rows, int hidden) {
        int gi = LstmGates.I * hidden;
        int gf = LstmGates.F * hidden;
        int gg = LstmGates.G * hidden;
        int go = LstmGates.O * hidden;
        for (int r = 0; r < rows; r++) {
            int gr = gOff + r * LstmGates.COUNT * hidden;
            int dgr = dgOff + r * LstmGates.COUNT * hidden;
            int hr = r * hidden;
            for (int j = 0; j < hidden; j++) {
                float i = g.get(gr + gi + j);
                float f = g.get(gr + gf + j);
                float cand = g.get(gr + gg + j);
                float o = g.get(gr + go + j);
                float tc = tanh(cn.get(cnOff + hr + j));
                float dmj = dm.get(dmOff + hr + j);
                // m = o * tanh(cn)
                float dO = dmj * tc;
                float dcTotal = dc.get(dcOff + hr + j) + dmj * o * (1f - tc * tc);
                // cn = f * c + i * cand
                float dI = dcTotal * cand;
                float dCand = dcTotal * i;
                float dF = dcTotal * c.get(cOff + hr + j);
                dc.put(dcOff + hr + j, dcTotal * f);
                // i, f, o = sigmoid(pre); cand = tanh(pre)
                dg.put(dgr + gi + j, dI * i * (1f - i));
                dg.put(dgr + gf + j, dF * f * (1f - f));
                dg.put(dgr + gg + j, dCand * (1f - cand * cand));
                dg.put(dgr + go + j, dO * o * (1f - o));
            }
        }
    }

    /**
     * GRU step: {@code gi [rows, 3H]} = x W_ih^T + b_ih; {@code gh [rows, 3H]} = h W_hh^T (plus
     * {@code bhh [3H]} when not null, else already included); {@code h [rows, H]} previous state;
     * {@code hn [rows, H]} out; {@code saved [rows, 4H]} out r, z, n, gh_n.
     */
    public static void gruForward(FloatBuffer gi, int giOff, FloatBuffer gh, int ghOff, FloatBuffer bhh, int bhhOff,
                                  FloatBuffer h, int hOff, FloatBuffer hn, int hnOff, FloatBuffer saved, int sOff,
                                  int rows, int hidden) {
        int gr = GruGates.R * hidden;
        int gz = GruGates.Z * hidden;
        int gn = GruGates.N * hidden;
        int sgh = GruGates.SAVED_GH_N * hidden;
        for (int row = 0; row < rows; row++) {
            int ir = giOff + row * GruGates.COUNT * hidden;
            int hr = ghOff + row * GruGates.COUNT * hidden;
            int sr = sOff + row * GruGates.SAVED_COUNT * hidden;
            int vr = row * hidden;
            for (int j = 0; j < hidden; j++) {
                float ghR = gh.get(hr + gr + j);
                float ghZ = gh.get(hr + gz + j);
                float ghN = gh.get(hr + gn + j);
                if (bhh != null) {
                    ghR += bhh.get(bhhOff + gr + j);
                    ghZ += bhh.get(bhhOff + gz + j);
                    ghN += bhh.get(bhhOff + gn + j);
                }
                float r = sigmoid(gi.get(ir + gr + j) + ghR);
                float z = sigmoid(gi.get(ir + gz + j) + ghZ);
                float n = tanh(gi.get(ir + gn + j) + r * ghN);
                hn.put(hnOff + vr + j, (1f - z) * n + z * h.get(hOff + vr + j));
                saved.put(sr + gr + j, r);
                saved.put(sr + gz + j, z);
                saved.put(sr + gn + j, n);
                saved.put(sr + sgh + j, ghN);
            }
        }
    }

    /**
     * Backward of {@link #gruForward}. {@code dh [rows, H]} holds d loss / d hn on entry and the direct part
     * {@code z * dhn} of d loss / d h on exit (the caller adds {@code dGh W_hh});
     * {@code dgi, dgh [rows, 3H]} receive d loss / d gi and d loss / d gh.
     */
    public static void gruBackward(FloatBuffer saved, int sOff, FloatBuffer h, int hOff, FloatBuffer dh, int dhOff,
                                   FloatBuffer dgi, int dgiOff, FloatBuffer dgh, int dghOff, int rows, int hidden) {
        int gr = GruGates.R * hidden;
        int gz = GruGates.Z * hidden;
        int gn = GruGates.N * hidden;
        int sgh = GruGates.SAVED_GH_N * hidden;
        for (int row = 0; row < rows; row++) {
            int sr = sOff + row * GruGates.SAVED_COUNT * hidden;
            int ir = dgiOff + row * GruGates.COUNT * hidden;
            int hr = dghOff + row * GruGates.COUNT * hidden;
            int vr = row * hidden;
            for (int j = 0; j < hidden; j++) {
                float r = saved.get(sr + gr + j);
                float z = saved.get(sr + gz + j);
                float n = saved.get(sr + gn + j);
                float ghN = saved.get(sr + sgh + j);
                float d = dh.get(dhOff + vr + j);
                // hn = (1 - z) * n + z * h
                float dn = d * (1f - z);
                float dz = d * (h.get(hOff + vr + j) - n);
                dh.put(dhOff + vr + j, d * z);
                // n = tanh(gi_n + r * gh_n)
                float dnPre = dn * (1f - n * n);
                float dr = dnPre * ghN;
                // r, z = sigmoid(gi + gh)
                float drPre = dr * r * (1f - r);
                float dzPre = dz * z * (1f - z);
                dgi.put(ir + gr + j, drPre);
                dgi.put(ir + gz + j, dzPre);
                dgi.put(ir + gn + j, dnPre);
                dgh.put(hr + gr + j, drPre);
                dgh.put(hr + gz + j, dzPre);
                dgh.put(hr + gn + j, dnPre * r);
            }
        }
    }

    /**
     * {@code y = act(x)} over {@code n} elements; y may alias x. The elements go through a heap array in chunks of
     * {@link TrainKernels#CHUNK} by bulk copies: a loop of absolute {@code FloatBuffer} gets and puts is fast only
     * while its call sites have seen one buffer class, and in the library they see several (4–5× slower at the
     * transformer's ReLU, NOTES.md tenth pass). The functions are the same as ever, so the floats do not change.
     */
    public static void activate(Activation act, FloatBuffer x, int xOff, FloatBuffer y, int yOff, int n) {
        float[] a = new float[Math.min(TrainKernels.CHUNK, n)];
        for (int at = 0; at < n; at += TrainKernels.CHUNK) {
            int len = Math.min(TrainKernels.CHUNK, n - at);
            x.get(xOff + at, a, 0, len);
            switch (act) {
                case TANH -> {
                    for (int i = 0; i < len; i++) {
                        a[i] = tanh(a[i]);
                    }
                }
                case RELU -> {
                    for (int i = 0; i < len; i++) {
                        a[i] = Math.max(a[i], 0f);
                    }
                }
                case SIGMOID -> {
                    for (int i = 0; i < len; i++) {
                        a[i] = sigmoid(a[i]);
                    }
                }
                case GELU -> {
                    for (int i = 0; i < len; i++) {
                        double v = a[i];
                        // y = x Φ(x) = 0.5 x (1 + erf(x / √2)) = 0.5 x erfc(-x / √2) (erfc keeps the left tail
                        // exact)
                        a[i] = (float) (0.5 * v * FastMath.erfc(-v * INV_SQRT2));
                    }
                }
            }
            y.put(yOff + at, a, 0, len);
        }
    }

    /**
     * {@code dx = dy * act'(x)} over {@code n} elements; dx may alias dy. TANH, RELU and SIGMOID read the
     * forward output {@code y} (x may be null); GELU reads the input {@code x} (y may be null):
     * from {@code y = x Φ(x)}, {@code dy/dx = Φ(x) + x φ(x)}, {@code φ(x) = e^{-x²/2} / √(2π)}. In chunks through
     * heap arrays, as {@link #activate}.
     */
    public static void activateBackward(Activation act, FloatBuffer x, int xOff, FloatBuffer y, int yOff,
                                        FloatBuffer dy, int dyOff, FloatBuffer dx, int dxOff, int n) {
        int chunk = Math.min(TrainKernels.CHUNK, n);
        float[] in = new float[chunk]; // x for GELU, else y
        float[] d = new float[chunk];
        boolean gelu = act == Activation.GELU;
        for (int at = 0; at < n; at += TrainKernels.CHUNK) {
            int len = Math.min(TrainKernels.CHUNK, n - at);
            if (gelu) {
                x.get(xOff + at, in, 0, len);
            } else {
                y.get(yOff + at, in, 0, len);
            }
            dy.get(dyOff + at, d, 0, len);
            if (gelu) {
                for (int i = 0; i < len; i++) {
                    double v = in[i];
                    // y = 0.5 x erfc(-x / √2)
                    double cdf = 0.5 * FastMath.erfc(-v * INV_SQRT2);
                    double pdf = INV_SQRT_2PI * Math.exp(-0.5 * v * v);
                    d[i] = (float) (d[i] * (cdf + v * pdf));
                }
            } else {
                activateBackwardArrays(act, in, d, len);
            }
            dx.put(dxOff + at, d, 0, len);
        }
    }

    // ------------------------------------------------------------------ array kernels (see the class comment)

    /**
     * LSTM step on arrays of {@code n = rows * H}: {@code i, f, g, o} pre-activations in, activated gates out
     * (in place); {@code c} the previous cell state in, {@code cn = f*c + i*g} out (in place); {@code m} out
     * {@code o * tanh(cn)}.
     */
    public static void lstmForwardArrays(float[] i, float[] f, float[] g, float[] o, float[] c, float[] m, int n) {
        sigmoidInPlace(i, n);
        sigmoidInPlace(f, n);
        tanhInPlace(g, n);
        sigmoidInPlace(o, n);
        for (int j = 0; j < n; j++) {
            c[j] = f[j] * c[j] + i[j] * g[j];
        }
        for (int j = 0; j < n; j++) {
            m[j] = o[j] * tanhRational(c[j]);
        }
    }

    /**
     * Backward of {@link #lstmForwardArrays}, arrays of {@code n = rows * H}. In: activated {@code i, f, g, o};
     * {@code c} the previous cell state; {@code cn} the new one (overwritten with {@code tanh(cn)});
     * {@code dm} d loss / d m; {@code dc} d loss / d cn. Out: {@code dc} becomes d loss / d c, and
     * {@code i, f, g, o} become d loss / d pre-activation of their gate.
     */
    public static void lstmBackwardArrays(float[] i, float[] f, float[] g, float[] o, float[] c, float[] cn,
                                          float[] dm, float[] dc, int n) {
        tanhInPlace(cn, n);
        for (int j = 0; j < n; j++) {
            float tc = cn[j];
            float dmj = dm[j];
            float oj = o[j];
            // m = o * tanh(cn)
            dc[j] = dc[j] + dmj * oj * (1f - tc * tc);
            // o = sigmoid(pre)
            o[j] = dmj * tc * oj * (1f - oj);
        }
        for (int j = 0; j < n; j++) {
            float dcTotal = dc[j];
            float ij = i[j];
            float fj = f[j];
            float gj = g[j];
            // cn = f * c + i * cand; i, f = sigmoid(pre); cand = tanh(pre)
            i[j] = dcTotal * gj * ij * (1f - ij);
            g[j] = dcTotal * ij * (1f - gj * gj);
            f[j] = dcTotal * c[j] * fj * (1f - fj);
            dc[j] = dcTotal * fj;
        }
    }

    /**
     * GRU step on arrays of {@code n = rows * H}. In: {@code r, z, nn} the input side {@code x W_ih^T + b_ih}
     * of each gate; {@code hr, hz, hn} the hidden side {@code h W_hh^T + b_hh}; {@code h} the previous state.
     * Out (in place): {@code r, z} the gates, {@code nn} the candidate n, {@code h} the new state.
     */
    public static void gruForwardArrays(float[] r, float[] z, float[] nn, float[] hr, float[] hz, float[] hn,
                                        float[] h, int n) {
        for (int j = 0; j < n; j++) {
            r[j] = sigmoidRational(r[j] + hr[j]);
        }
        for (int j = 0; j < n; j++) {
            z[j] = sigmoidRational(z[j] + hz[j]);
        }
        for (int j = 0; j < n; j++) {
            nn[j] = tanhRational(nn[j] + r[j] * hn[j]);
        }
        for (int j = 0; j < n; j++) {
            h[j] = (1f - z[j]) * nn[j] + z[j] * h[j];
        }
    }

    /**
     * Backward of {@link #gruForwardArrays}, arrays of {@code n = rows * H}. In: the saved {@code r, z, nn},
     * {@code hn} (the hidden side of n, {@code gh_n}), {@code h} the previous state, {@code dh} d loss / d hn.
     * Out (in place): {@code r, z, nn} d loss / d of each gate's pre-activation (the input side's gradient;
     * the hidden side's is the same for r and z); {@code hn} d loss / d gh_n; {@code dh} the direct part
     * {@code z * dhn} of d loss / d h.
     */
    public static void gruBackwardArrays(float[] r, float[] z, float[] nn, float[] hn, float[] h, float[] dh,
                                         int n) {
        for (int j = 0; j < n; j++) {
            float d = dh[j];
            float zj = z[j];
            float nj = nn[j];
            // hn = (1 - z) * n + z * h
            float dz = d * (h[j] - nj);
            dh[j] = d * zj;
            // n = tanh(gi_n + r * gh_n)
            nn[j] = d * (1f - zj) * (1f - nj * nj);
            // z = sigmoid(gi + gh)
            z[j] = dz * zj * (1f - zj);
        }
        for (int j = 0; j < n; j++) {
            float dnPre = nn[j];
            float rj = r[j];
            // r = sigmoid(gi + gh)
            r[j] = dnPre * hn[j] * rj * (1f - rj);
            hn[j] = dnPre * rj;
        }
    }

    /** {@code x = act(x)} over {@code n} elements, for the recurrent activations TANH and RELU. */
    public static void activateArrays(Activation act, float[] x, int n) {
        switch (act) {
            case TANH -> tanhInPlace(x, n);
            case RELU -> {
                for (int j = 0; j < n; j++) {
                    x[j] = Math.max(x[j], 0f);
                }
            }
            case SIGMOID -> sigmoidInPlace(x, n);
            case GELU -> throw new IllegalArgumentException("activateArrays: GELU is not a recurrent activation");
        }
    }

    /** {@code dy = dy * act'(x)} over {@code n} elements, from the forward output {@code y}. */
    public static void activateBackwardArrays(Activation act, float[] y, float[] dy, int n) {
        switch (act) {
            case TANH -> {
                for (int j = 0; j < n; j++) {
                    dy[j] = dy[j] * (1f - y[j] * y[j]);
                }
            }
            case RELU -> {
                for (int j = 0; j < n; j++) {
                    dy[j] = reluGradient(y[j], dy[j]);
                }
            }
            case SIGMOID -> {
                for (int j = 0; j < n; j++) {
                    dy[j] = dy[j] * y[j] * (1f - y[j]);
                }
            }
            case GELU -> throw new IllegalArgumentException("activateBackwardArrays: GELU is not a recurrent "
                    + "activation");
        }
    }

    /**
     * {@code y > 0f ? d : 0f} without a branch. C2 compiles a float select to a conditional jump on x86, and on a
     * ReLU's output (half of it 0, in no pattern) that jump mispredicts every other element: 8–12 ns an element
     * in the transformer's backward (NOTES.md, tenth pass). {@code y > 0f} holds exactly when {@code t = bits(y) - 1}
     * lies in {@code [0, 0x7f800000)} (positive, finite or +inf; not ±0, NaN or negative), so the sign of
     * {@code ~t & (t - 0x7f800000)} is the mask: the same floats as the select, for every {@code y}.
     */
    static float reluGradient(float y, float d) {
        int t = Float.floatToRawIntBits(y) - 1;
        int mask = (~t & (t - 0x7f800000)) >> 31;
        return Float.intBitsToFloat(Float.floatToRawIntBits(d) & mask);
    }

    /** {@code y[j] += x[j]} over {@code n} elements. */
    public static void addInPlace(float[] y, float[] x, int n) {
        for (int j = 0; j < n; j++) {
            y[j] += x[j];
        }
    }

    private static void sigmoidInPlace(float[] x, int n) {
        for (int j = 0; j < n; j++) {
            x[j] = sigmoidRational(x[j]);
        }
    }

    private static void tanhInPlace(float[] x, int n) {
        for (int j = 0; j < n; j++) {
            x[j] = tanhRational(x[j]);
        }
    }

    /** 1 / √2. */
    private static final double INV_SQRT2 = 0.7071067811865476;
    /** 1 / √(2π). */
    private static final double INV_SQRT_2PI = 0.3989422804014327;
}
