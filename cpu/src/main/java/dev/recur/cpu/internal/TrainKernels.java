package dev.recur.cpu.internal;

import dev.recur.cpu.CpuTensor;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;

/**
 * Losses, reductions and fused optimizer updates on off-heap tensors; the math of each is in
 * {@link dev.recur.backend.Backend}'s javadoc of the op of the same name.
 */
public final class TrainKernels {
    private TrainKernels() {
    }

    /**
     * Elements per chunk of the element-wise kernels below: each chunk is copied into heap arrays with bulk
     * copies, updated by a plain same-index loop that C2 vectorizes (a loop of absolute {@code FloatBuffer}
     * gets and puts stays scalar, at about 17 ns per Adam element), and copied back. A few 4 KB arrays stay in L1.
     */
    static final int CHUNK = 1024;

    /** {@code t *= s}. */
    public static void scale(CpuTensor t, float s) {
        FloatBuffer f = t.floats();
        int n = Math.toIntExact(t.numel());
        float[] x = new float[Math.min(CHUNK, n)];
        for (int at = 0; at < n; at += CHUNK) {
            int len = Math.min(CHUNK, n - at);
            f.get(t.offset() + at, x, 0, len);
            for (int i = 0; i < len; i++) {
                x[i] *= s;
            }
            f.put(t.offset() + at, x, 0, len);
        }
    }

    /** {@code t = min(max(t, lo), hi)}. */
    public static void clamp(CpuTensor t, float lo, float hi) {
        FloatBuffer f = t.floats();
        int o = t.offset();
        for (int i = 0; i < t.numel(); i++) {
            f.put(o + i, Math.min(Math.max(f.get(o + i), lo), hi));
        }
    }

    /** {@code y += alpha x} over {@code n} elements. */
    public static void axpy(float alpha, CpuTensor x, CpuTensor y, int n) {
        FloatBuffer fx = x.floats();
        FloatBuffer fy = y.floats();
        float[] a = new float[Math.min(CHUNK, n)];
        float[] b = new float[a.length];
        for (int at = 0; at < n; at += CHUNK) {
            int len = Math.min(CHUNK, n - at);
            fx.get(x.offset() + at, a, 0, len);
            fy.get(y.offset() + at, b, 0, len);
            for (int i = 0; i < len; i++) {
                b[i] += alpha * a[i];
            }
            fy.put(y.offset() + at, b, 0, len);
        }
    }

    /** {@code t[:] = value}. */
    public static void fill(CpuTensor t, float value) {
        FloatBuffer f = t.floats();
        int n = Math.toIntExact(t.numel());
        float[] v = new float[Math.min(CHUNK, n)];
        java.util.Arrays.fill(v, value);
        for (int at = 0; at < n; at += CHUNK) {
            f.put(t.offset() + at, v, 0, Math.min(CHUNK, n - at));
        }
    }

    /** {@code sum t²} in double, summed in element order. */
    public static double sumOfSquares(CpuTensor t) {
        FloatBuffer f = t.floats();
        int n = Math.toIntExact(t.numel());
        float[] x = new float[Math.min(CHUNK, n)];
        double s = 0;
        for (int at = 0; at < n; at += CHUNK) {
            int len = Math.min(CHUNK, n - at);
            f.get(t.offset() + at, x, 0, len);
            for (int i = 0; i < len; i++) {
                double v = x[i];
                s += v * v;
            }
        }
        return s;
    }

    /** Softmax cross-entropy with label smoothing; returns the sum over rows not ignored. */
    public static double crossEntropyForward(CpuTensor logits, CpuTensor targets, long ignoreIndex, float smoothing,
                                             CpuTensor logSumExp) {
        int rows = logits.dim(0);
        int classes = logits.dim(1);
        FloatBuffer x = logits.floats();
        LongBuffer y = targets.longs();
        FloatBuffer lse = logSumExp.floats();
        double total = 0;
        for (int n = 0; n < rows; n++) {
            int base = logits.offset() + n * classes;
            float max = Float.NEGATIVE_INFINITY;
            for (int c = 0; c < classes; c++) {
                max = Math.max(max, x.get(base + c));
            }
            double sum = 0;
            double sumLogits = 0;
            for (int c = 0; c < classes; c++) {
                float v = x.get(base + c);
                sum += Math.exp(v - max);
                sumLogits += v;
            }
            double l = max + Math.log(sum);
            lse.put(logSumExp.offset() + n, (float) l);
            long target = y.get(targets.offset() + n);
            if (target == ignoreIndex) {
                continue;
            }
            // loss = -sum_c q_c log p_c, q = (1 - s) onehot + s / C, log p_c = x_c - lse
            double nll = l - x.get(base + (int) target);
            double smooth = l - sumLogits / classes;
            total += (1 - smoothing) * nll + smoothing * smooth;
        }
        return total;
    }

    /** {@code dLogits = scale * (softmax - q)}, 0 on ignored rows. */
    public static void crossEntropyBackward(CpuTensor logits, CpuTensor targets, long ignoreIndex, float smoothing,
                                            CpuTensor logSumExp, float scale, CpuTensor dLogits) {
        int rows = logits.dim(0);
        int classes = logits.dim(1);
        FloatBuffer x = logits.floats();
        FloatBuffer dx = dLogits.floats();
        LongBuffer y = targets.longs();
        FloatBuffer lse = logSumExp.floats();
        for (int n = 0; n < rows; n++) {
            int base = logits.offset() + n * classes;
            int dbase = dLogits.offset() + n * classes;
            long target = y.get(targets.offset() + n);
            if (target == ignoreIndex) {
                for (int c = 0; c < classes; c++) {
                    dx.put(dbase + c, 0f);
                }
                continue;
            }
            float l = lse.get(logSumExp.offset() + n);
            for (int c = 0; c < classes; c++) {
                double p = Math.exp(x.get(base + c) - l);
                double q = smoothing / classes + (c == target ? 1 - smoothing : 0);
                dx.put(dbase + c, (float) (scale * (p - q)));
            }
        }
    }

    /** {@code sum max(x, 0) - x y + log(1 + e^-|x|)}. */
    public static double bceWithLogitsForward(CpuTensor logits, CpuTensor targets) {
        FloatBuffer x = logits.floats();
        FloatBuffer y = targets.floats();
        double total = 0;
        for (int i = 0; i < logits.numel(); i++) {
            double v = x.get(logits.offset() + i);
            total += Math.max(v, 0) - v * y.get(targets.offset() + i) + Math.log1p(Math.exp(-Math.abs(v)));
        }
        return total;
    }

    /** {@code dLogits = scale * (sigmoid(x) - y)}. */
    public static void bceWithLogitsBackward(CpuTensor logits, CpuTensor targets, float scale, CpuTensor dLogits) {
        FloatBuffer x = logits.floats();
        FloatBuffer y = targets.floats();
        FloatBuffer dx = dLogits.floats();
        for (int i = 0; i < logits.numel(); i++) {
            double s = 1 / (1 + Math.exp(-x.get(logits.offset() + i)));
            dx.put(dLogits.offset() + i, (float) (scale * (s - y.get(targets.offset() + i))));
        }
    }

    /** One SGD step (torch.optim.SGD semantics). */
    public static void sgdStep(CpuTensor param, CpuTensor grad, CpuTensor buf, float lr, float momentum,
                               float dampening, boolean nesterov, float weightDecay, boolean first) {
        FloatBuffer p = param.floats();
        FloatBuffer g = grad.floats();
        FloatBuffer b = buf == null ? null : buf.floats();
        for (int i = 0; i < param.numel(); i++) {
            int pi = param.offset() + i;
            float d = g.get(grad.offset() + i) + weightDecay * p.get(pi);
            if (b != null) {
                int bi = buf.offset() + i;
                float m = first ? d : momentum * b.get(bi) + (1 - dampening) * d;
                b.put(bi, m);
                d = nesterov ? d + momentum * m : m;
            }
            p.put(pi, p.get(pi) - lr * d);
        }
    }

    /**
     * One Adam / AdamW step (torch.optim semantics, in float as PyTorch computes it: {@code denom = sqrt(v) /
     * sqrt(1 - beta2^step) + eps}, {@code p -= lr / (1 - beta1^step) * m / denom}), chunk by chunk ({@link #CHUNK}).
     */
    public static void adamStep(CpuTensor param, CpuTensor grad, CpuTensor m, CpuTensor v, float lr, float beta1,
                                float beta2, float eps, float weightDecay, boolean decoupled, long step) {
        FloatBuffer p = param.floats();
        FloatBuffer g = grad.floats();
        FloatBuffer mf = m.floats();
        FloatBuffer vf = v.floats();
        float bias2Sqrt = (float) Math.sqrt(1 - Math.pow(beta2, step));
        float stepSize = (float) (lr / (1 - Math.pow(beta1, step)));
        float decay = lr * weightDecay;
        int n = Math.toIntExact(param.numel());
        int size = Math.min(CHUNK, n);
        float[] w = new float[size];
        float[] d = new float[size];
        float[] mm = new float[size];
        float[] vv = new float[size];
        for (int at = 0; at < n; at += CHUNK) {
            int len = Math.min(CHUNK, n - at);
            p.get(param.offset() + at, w, 0, len);
            g.get(grad.offset() + at, d, 0, len);
            mf.get(m.offset() + at, mm, 0, len);
            vf.get(v.offset() + at, vv, 0, len);
            for (int i = 0; i < len; i++) {
                float wi = w[i];
                float di = d[i];
                if (decoupled) {
                    wi -= decay * wi;
                } else {
                    di += weightDecay * wi;
                }
                float mNew = beta1 * mm[i] + (1 - beta1) * di;
                float vNew = beta2 * vv[i] + (1 - beta2) * di * di;
                mm[i] = mNew;
                vv[i] = vNew;
                w[i] = wi - stepSize * mNew / ((float) Math.sqrt(vNew) / bias2Sqrt + eps);
            }
            p.put(param.offset() + at, w, 0, len);
            mf.put(m.offset() + at, mm, 0, len);
            vf.put(v.offset() + at, vv, 0, len);
        }
    }
}
