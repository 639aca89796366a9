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

    /** {@code t *= s}. */
    public static void scale(CpuTensor t, float s) {
        FloatBuffer f = t.floats();
        int o = t.offset();
        for (int i = 0; i < t.numel(); i++) {
            f.put(o + i, f.get(o + i) * s);
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

    /** {@code sum t²} in double. */
    public static double sumOfSquares(CpuTensor t) {
        FloatBuffer f = t.floats();
        int o = t.offset();
        double s = 0;
        for (int i = 0; i < t.numel(); i++) {
            double v = f.get(o + i);
            s += v * v;
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

    /** One Adam / AdamW step (torch.optim semantics). */
    public static void adamStep(CpuTensor param, CpuTensor grad, CpuTensor m, CpuTensor v, float lr, float beta1,
                                float beta2, float eps, float weightDecay, boolean decoupled, long step) {
        FloatBuffer p = param.floats();
        FloatBuffer g = grad.floats();
        FloatBuffer mf = m.floats();
        FloatBuffer vf = v.floats();
        double bias1 = 1 - Math.pow(beta1, step);
        double bias2Sqrt = Math.sqrt(1 - Math.pow(beta2, step));
        float stepSize = (float) (lr / bias1);
        for (int i = 0; i < param.numel(); i++) {
            int pi = param.offset() + i;
            float w = p.get(pi);
            float d = g.get(grad.offset() + i);
            if (decoupled) {
                w -= lr * weightDecay * w;
            } else {
                d += weightDecay * w;
            }
            int mi = m.offset() + i;
            int vi = v.offset() + i;
            float mNew = beta1 * mf.get(mi) + (1 - beta1) * d;
            float vNew = beta2 * vf.get(vi) + (1 - beta2) * d * d;
            mf.put(mi, mNew);
            vf.put(vi, vNew);
            p.put(pi, w - stepSize * mNew / ((float) (Math.sqrt(vNew) / bias2Sqrt) + eps));
        }
    }
}
