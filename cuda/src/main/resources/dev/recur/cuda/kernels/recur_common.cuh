// recur_common.cuh — helpers shared by Recur's kernels (included by every .cu file).
//
// Global contract of every kernel in this folder:
//   * all pointers are device memory, float32 unless the name says otherwise (ids: int64);
//   * tensors are contiguous row-major; the rightmost dimension changes fastest;
//   * shape letters: T steps, B batch, I input, H hidden, L layers, D directions, E embedding/features,
//     NH heads, Dh head size, S keys, N rows, C classes;
//   * kernels are extern "C" (unmangled names, looked up by name from Java), no host code, no includes
//     other than this file (NVRTC compiles them at run time without the CUDA headers).
#pragma once

#define RECUR_INF __int_as_float(0x7f800000)

// sigmoid(x) = 1 / (1 + e^-x), computed from the side that cannot overflow.
__device__ __forceinline__ float recur_sigmoid(float x) {
    if (x >= 0.f) {
        return 1.f / (1.f + expf(-x));
    }
    float e = expf(x);
    return e / (1.f + e);
}

__device__ __forceinline__ float recur_tanh(float x) { return tanhf(x); }

// Sum of v over the 32 lanes of a warp (every lane gets the sum).
__device__ __forceinline__ float recur_warp_sum(float v) {
    for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
    return v;
}

__device__ __forceinline__ double recur_warp_sum_d(double v) {
    for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
    return v;
}

__device__ __forceinline__ float recur_warp_max(float v) {
    for (int o = 16; o > 0; o >>= 1) v = fmaxf(v, __shfl_xor_sync(0xffffffffu, v, o));
    return v;
}

// Sum of v over the block (blockDim.x a multiple of 32, at most 1024); every thread gets the sum.
// `scratch` holds at least 32 doubles of shared memory; the call contains __syncthreads().
__device__ __forceinline__ double recur_block_sum_d(double v, double* scratch) {
    int lane = threadIdx.x & 31;
    int warp = threadIdx.x >> 5;
    int warps = (blockDim.x + 31) >> 5;
    v = recur_warp_sum_d(v);
    __syncthreads();  // scratch may still be read by a previous call
    if (lane == 0) scratch[warp] = v;
    __syncthreads();
    v = lane < warps ? scratch[lane] : 0.0;
    return recur_warp_sum_d(v);
}

__device__ __forceinline__ float recur_block_max(float v, float* scratch) {
    int lane = threadIdx.x & 31;
    int warp = threadIdx.x >> 5;
    int warps = (blockDim.x + 31) >> 5;
    v = recur_warp_max(v);
    __syncthreads();
    if (lane == 0) scratch[warp] = v;
    __syncthreads();
    v = lane < warps ? scratch[lane] : -RECUR_INF;
    return recur_warp_max(v);
}

// Grid-stride loop over n elements.
#define RECUR_FOR(i, n) for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < (long long)(n); \
                             i += (long long)blockDim.x * gridDim.x)
