// optim.cu — fused optimizer steps, in place, one thread per parameter element (torch.optim semantics).
#include "recur_common.cuh"

// Adam / AdamW. decoupled (AdamW): p -= lr * wd * p first; else g += wd * p.
//   m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g^2;  p -= stepSize * m / (sqrt(v) / bias2Sqrt + eps)
// with stepSize = lr / (1 - b1^t) and bias2Sqrt = sqrt(1 - b2^t) computed by the caller in double.
extern "C" __global__ void adam_step(float* p, const float* g, float* m, float* v, float lr, float beta1, float beta2,
                                     float eps, float wd, int decoupled, float stepSize, double bias2Sqrt,
                                     long long n) {
    RECUR_FOR(i, n) {
        float w = p[i];
        float d = g[i];
        if (decoupled) {
            w -= lr * wd * w;
        } else {
            d += wd * w;
        }
        float mn = beta1 * m[i] + (1.f - beta1) * d;
        float vn = beta2 * v[i] + (1.f - beta2) * d * d;
        m[i] = mn;
        v[i] = vn;
        p[i] = w - stepSize * mn / ((float)(sqrt((double)vn) / bias2Sqrt) + eps);
    }
}

// SGD: d = g + wd p; with a momentum buffer (buf not null): buf = first ? d : momentum buf + (1 - dampening) d,
// d = nesterov ? d + momentum buf : buf;  p -= lr d.
extern "C" __global__ void sgd_step(float* p, const float* g, float* buf, float lr, float momentum, float dampening,
                                    int nesterov, float wd, int first, long long n) {
    RECUR_FOR(i, n) {
        float d = g[i] + wd * p[i];
        if (buf) {
            float mo = first ? d : momentum * buf[i] + (1.f - dampening) * d;
            buf[i] = mo;
            d = nesterov ? d + momentum * mo : mo;
        }
        p[i] = p[i] - lr * d;
    }
}
