// embedding.cu — table lookup and its scatter-add gradient.
//   ids [N] int64, each in [0, V);  table, dTable [V, E];  out, dOut [N, E]
#include "recur_common.cuh"

// out[n, e] = table[ids[n], e].
extern "C" __global__ void embedding_fwd(const long long* ids, const float* table, float* out, int rows, int cols) {
    RECUR_FOR(i, (long long)rows * cols) {
        long long n = i / cols;
        int e = (int)(i % cols);
        out[i] = table[ids[n] * cols + e];
    }
}

// dTable[ids[n], e] += dOut[n, e]; repeated ids add up (atomicAdd: the order of the additions is not fixed).
extern "C" __global__ void embedding_bwd(const long long* ids, const float* dOut, float* dTable, int rows, int cols) {
    RECUR_FOR(i, (long long)rows * cols) {
        long long n = i / cols;
        int e = (int)(i % cols);
        atomicAdd(&dTable[ids[n] * cols + e], dOut[i]);
    }
}
