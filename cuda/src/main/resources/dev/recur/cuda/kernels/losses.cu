// losses.cu — softmax cross-entropy with label smoothing and ignore index; binary cross-entropy on logits.
//   logits [N, C]; targets [N] int64 in [0, C) or == ignore; lse [N]
//   q = (1 - s) onehot(target) + s / C;   loss_n = -sum_c q_c log p_c = (1-s)(lse - x_t) + s (lse - mean_c x)
#include "recur_common.cuh"

// Forward, one block per row: lse[n] = log sum_c e^x[n, c]; *total += loss_n for rows not ignored (double,
// atomicAdd; the caller zeroes total).
extern "C" __global__ void ce_fwd(const float* logits, const long long* targets, long long ignore, float smoothing,
                                  float* lse, double* total, int rows, int cols) {
    __shared__ float fscratch[32];
    __shared__ double scratch[32];
    int n = blockIdx.x;
    if (n >= rows) return;
    const float* xr = logits + (long long)n * cols;
    float m = -RECUR_INF;
    for (int c = threadIdx.x; c < cols; c += blockDim.x) m = fmaxf(m, xr[c]);
    m = recur_block_max(m, fscratch);
    double s = 0.0, sx = 0.0;
    for (int c = threadIdx.x; c < cols; c += blockDim.x) {
        s += exp((double)(xr[c] - m));
        sx += xr[c];
    }
    s = recur_block_sum_d(s, scratch);
    sx = recur_block_sum_d(sx, scratch);
    if (threadIdx.x == 0) {
        double l = m + log(s);
        lse[n] = (float)l;
        long long t = targets[n];
        if (t != ignore) {
            double nll = l - xr[t];
            double smooth = l - sx / cols;
            atomicAdd(total, (1.0 - smoothing) * nll + smoothing * smooth);
        }
    }
}

// Backward: dLogits[n, c] = scale * (e^(x - lse) - q_c), 0 on ignored rows.
extern "C" __global__ void ce_bwd(const float* logits, const long long* targets, long long ignore, float smoothing,
                                  const float* lse, float scale, float* dLogits, int rows, int cols) {
    RECUR_FOR(i, (long long)rows * cols) {
        long long n = i / cols;
        int c = (int)(i % cols);
        long long t = targets[n];
        if (t == ignore) {
            dLogits[i] = 0.f;
        } else {
            double p = exp((double)(logits[i] - lse[n]));
            double q = (double)smoothing / cols + (c == t ? 1.0 - smoothing : 0.0);
            dLogits[i] = (float)(scale * (p - q));
        }
    }
}

// *total += sum_i max(x, 0) - x y + log(1 + e^-|x|) (double; the caller zeroes total). x, y [n].
extern "C" __global__ void bce_fwd(const float* x, const float* y, long long n, double* total) {
    __shared__ double scratch[32];
    double s = 0.0;
    RECUR_FOR(i, n) {
        double v = x[i];
        s += fmax(v, 0.0) - v * y[i] + log1p(exp(-fabs(v)));
    }
    s = recur_block_sum_d(s, scratch);
    if (threadIdx.x == 0) atomicAdd(total, s);
}

// dx = scale * (sigmoid(x) - y).
extern "C" __global__ void bce_bwd(const float* x, const float* y, float scale, float* dx, long long n) {
    RECUR_FOR(i, n) {
        double s = 1.0 / (1.0 + exp(-(double)x[i]));
        dx[i] = (float)(scale * (s - y[i]));
    }
}
