// layernorm.cu — layer normalisation over the last dimension, biased variance.
//   x, y [N, E];  mean = sum x / E;  var = sum (x - mean)^2 / E;  rstd = 1 / sqrt(var + eps)
//   y = (x - mean) * rstd * gamma + beta     (gamma null: 1, beta null: 0)
// One block per row (blockDim a multiple of 32); statistics accumulated in double, two passes.
#include "recur_common.cuh"

// Forward. mean, rstd [N] out (null: not saved); y may alias x.
extern "C" __global__ void layernorm_fwd(const float* x, const float* gamma, const float* beta, float eps, float* y,
                                         float* mean, float* rstd, int rows, int cols) {
    __shared__ double scratch[32];
    int n = blockIdx.x;
    if (n >= rows) return;
    const float* xr = x + (long long)n * cols;
    float* yr = y + (long long)n * cols;
    double s = 0.0;
    for (int e = threadIdx.x; e < cols; e += blockDim.x) s += xr[e];
    double mu = recur_block_sum_d(s, scratch) / cols;
    double q = 0.0;
    for (int e = threadIdx.x; e < cols; e += blockDim.x) {
        double d = xr[e] - mu;
        q += d * d;
    }
    double rs = 1.0 / sqrt(recur_block_sum_d(q, scratch) / cols + (double)eps);
    for (int e = threadIdx.x; e < cols; e += blockDim.x) {
        float xhat = (float)((xr[e] - mu) * rs);
        float g = gamma ? gamma[e] : 1.f;
        float b = beta ? beta[e] : 0.f;
        yr[e] = xhat * g + b;
    }
    if (threadIdx.x == 0) {
        if (mean) mean[n] = (float)mu;
        if (rstd) rstd[n] = (float)rs;
    }
}

// Backward to the input, from the saved mean and rstd; one block per row. With xhat = (x - mean) rstd and
// dxhat = dy * gamma:  dx = rstd * (dxhat - mean_e(dxhat) - xhat * mean_e(dxhat * xhat)).  dx may alias dy
// (run layernorm_bwd_params first then, it reads dy).
extern "C" __global__ void layernorm_bwd_dx(const float* dy, const float* x, const float* gamma, const float* mean,
                                            const float* rstd, float* dx, int rows, int cols) {
    __shared__ double scratch[32];
    int n = blockIdx.x;
    if (n >= rows) return;
    const float* xr = x + (long long)n * cols;
    const float* dyr = dy + (long long)n * cols;
    float* dxr = dx + (long long)n * cols;
    float mu = mean[n];
    float rs = rstd[n];
    double s1 = 0.0, s2 = 0.0;
    for (int e = threadIdx.x; e < cols; e += blockDim.x) {
        float xhat = (xr[e] - mu) * rs;
        float dxhat = gamma ? dyr[e] * gamma[e] : dyr[e];
        s1 += dxhat;
        s2 += (double)dxhat * xhat;
    }
    float m1 = (float)(recur_block_sum_d(s1, scratch) / cols);
    float m2 = (float)(recur_block_sum_d(s2, scratch) / cols);
    for (int e = threadIdx.x; e < cols; e += blockDim.x) {
        float xhat = (xr[e] - mu) * rs;
        float dxhat = gamma ? dyr[e] * gamma[e] : dyr[e];
        dxr[e] = rs * (dxhat - m1 - xhat * m2);
    }
}

// Backward to the parameters, accumulated: dGamma[e] += sum_n dy * xhat, dBeta[e] += sum_n dy (either may be
// null). Block (32, 32): threadIdx.x a column of the block's 32, threadIdx.y strides over rows; double sums.
extern "C" __global__ void layernorm_bwd_params(const float* dy, const float* x, const float* mean, const float* rstd,
                                                float* dGamma, float* dBeta, int rows, int cols) {
    __shared__ double pg[32][33];
    __shared__ double pb[32][33];
    int e = blockIdx.x * 32 + threadIdx.x;
    double sg = 0.0, sb = 0.0;
    if (e < cols) {
        for (int n = threadIdx.y; n < rows; n += blockDim.y) {
            float d = dy[(long long)n * cols + e];
            float xhat = (x[(long long)n * cols + e] - mean[n]) * rstd[n];
            sg += (double)d * xhat;
            sb += d;
        }
    }
    pg[threadIdx.y][threadIdx.x] = sg;
    pb[threadIdx.y][threadIdx.x] = sb;
    __syncthreads();
    if (threadIdx.y == 0 && e < cols) {
        double tg = 0.0, tb = 0.0;
        for (int k = 0; k < blockDim.y; k++) {
            tg += pg[k][threadIdx.x];
            tb += pb[k][threadIdx.x];
        }
        if (dGamma) dGamma[e] = (float)(dGamma[e] + tg);
        if (dBeta) dBeta[e] = (float)(dBeta[e] + tb);
    }
}
