// softmax.cu — softmax over the last dimension of x [N, C], one block per row (blockDim a multiple of 32).
//   y[n, c] = e^(x[n, c] - m) / sum_c' e^(x[n, c'] - m), m = max_c x[n, c]   (sums in double)
// backward: dx = y * (dy - sum_c dy * y).  Building blocks for attention and losses; the Backend SPI has
// no standalone softmax op yet.
#include "recur_common.cuh"

// Forward; lse [N] out (null: none): log sum_c e^x[n, c]. y may alias x.
extern "C" __global__ void softmax_fwd(const float* x, float* y, float* lse, int rows, int cols) {
    __shared__ float fscratch[32];
    __shared__ double scratch[32];
    int n = blockIdx.x;
    if (n >= rows) return;
    const float* xr = x + (long long)n * cols;
    float* yr = y + (long long)n * cols;
    float m = -RECUR_INF;
    for (int c = threadIdx.x; c < cols; c += blockDim.x) m = fmaxf(m, xr[c]);
    m = recur_block_max(m, fscratch);
    double s = 0.0;
    for (int c = threadIdx.x; c < cols; c += blockDim.x) s += exp((double)(xr[c] - m));
    s = recur_block_sum_d(s, scratch);
    float inv = (float)(1.0 / s);
    for (int c = threadIdx.x; c < cols; c += blockDim.x) yr[c] = expf(xr[c] - m) * inv;
    if (lse && threadIdx.x == 0) lse[n] = (float)(m + log(s));
}

// Backward: dx = y * (dy - sum_c dy * y); dx may alias dy.
extern "C" __global__ void softmax_bwd(const float* y, const float* dy, float* dx, int rows, int cols) {
    __shared__ double scratch[32];
    int n = blockIdx.x;
    if (n >= rows) return;
    const float* yr = y + (long long)n * cols;
    const float* dyr = dy + (long long)n * cols;
    float* dxr = dx + (long long)n * cols;
    double s = 0.0;
    for (int c = threadIdx.x; c < cols; c += blockDim.x) s += (double)dyr[c] * yr[c];
    float d = (float)recur_block_sum_d(s, scratch);
    for (int c = threadIdx.x; c < cols; c += blockDim.x) dxr[c] = yr[c] * (dyr[c] - d);
}
