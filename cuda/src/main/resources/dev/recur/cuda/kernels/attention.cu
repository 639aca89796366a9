// attention.cu — scaled-dot-product attention of NH heads with causal, attn and key-padding masks.
//   q [B, Tq, NH*Dh], k, v [B, S, NH*Dh]; head h owns features h*Dh .. (h+1)*Dh; scale = 1/sqrt(Dh)
//   P = scale q_h k_h^T + mask [Tq, S] (masked: -inf);  A = softmax_j(P);  out_h = A v_h [Tq, Dh]
//   lse [B, NH, Tq] = log sum_j e^P  (saved for backward, which recomputes A = e^(P - lse))
// Masks: key j barred from query i when causal && j > i + (S - Tq), attnMask[i*S + j] != 0 ([Tq, S] bytes, null:
// none), or keyPad[b*S + j] != 0 ([B, S] bytes, null: none). Every query keeps at least one key (checked by
// the caller).
#include "recur_common.cuh"

__device__ __forceinline__ bool recur_attn_masked(int b, int i, int j, int Tq, int S, int causal,
                                                  const unsigned char* attnMask, const unsigned char* keyPad) {
    return (causal && j > i + S - Tq) || (attnMask && attnMask[(long long)i * S + j]) ||
           (keyPad && keyPad[(long long)b * S + j]);
}

#define RECUR_ATTN_WARPS 4
#define RECUR_ATTN_MAX_DH 256

// Fused forward (flash-style online softmax), one warp per query row, RECUR_ATTN_WARPS rows per block.
// Grid (ceil(Tq / 4), B * NH), block 128, dynamic shared memory (2 * BK * (Dh + 1) + 4 * Dh) floats.
// Keys go by tiles of BK (<= 32) through shared memory; lane j scores key j of the tile; each lane holds
// output features d = lane + 32 k (k < 8, so Dh <= 256). Per tile:
//   m' = max(m, max_j s_j);  l = l e^(m - m') + sum_j e^(s_j - m');  acc = acc e^(m - m') + sum_j e^(s_j - m') v_j
// and at the end out = acc / l, lse = m + log l.
extern "C" __global__ void attn_fwd(const float* q, const float* k, const float* v, float* out, float* lse,
                                    const unsigned char* keyPad, const unsigned char* attnMask, int B, int Tq, int S,
                                    int NH, int Dh, int causal, float scale, int BK) {
    extern __shared__ float smem[];
    int ldk = Dh + 1;  // padded against bank conflicts
    float* Ks = smem;
    float* Vs = Ks + BK * ldk;
    int warp = threadIdx.x >> 5;
    int lane = threadIdx.x & 31;
    float* qs = Vs + BK * ldk + warp * Dh;
    int bh = blockIdx.y;
    int b = bh / NH;
    int h = bh % NH;
    int width = NH * Dh;
    int i = blockIdx.x * RECUR_ATTN_WARPS + warp;
    bool active = i < Tq;
    if (active) {
        const float* qr = q + ((long long)b * Tq + i) * width + h * Dh;
        for (int d = lane; d < Dh; d += 32) qs[d] = qr[d] * scale;
    }
    __syncwarp();
    float m = -RECUR_INF, l = 0.f;
    float acc[RECUR_ATTN_MAX_DH / 32];
#pragma unroll
    for (int c = 0; c < RECUR_ATTN_MAX_DH / 32; c++) acc[c] = 0.f;
    // With a causal mask no row of this block sees keys past the last row's position.
    int lastRow = min(Tq - 1, (int)blockIdx.x * RECUR_ATTN_WARPS + RECUR_ATTN_WARPS - 1);
    int keyEnd = causal ? min(S, lastRow + S - Tq + 1) : S;
    const float* kb = k + (long long)b * S * width + h * Dh;
    const float* vb = v + (long long)b * S * width + h * Dh;
    for (int s0 = 0; s0 < keyEnd; s0 += BK) {
        for (int e = threadIdx.x; e < BK * Dh; e += blockDim.x) {
            int jj = e / Dh;
            int d = e % Dh;
            int j = s0 + jj;
            bool in = j < S;
            Ks[jj * ldk + d] = in ? kb[(long long)j * width + d] : 0.f;
            Vs[jj * ldk + d] = in ? vb[(long long)j * width + d] : 0.f;
        }
        __syncthreads();
        if (active) {
            int j = s0 + lane;
            float s = -RECUR_INF;
            if (lane < BK && j < S && !recur_attn_masked(b, i, j, Tq, S, causal, attnMask, keyPad)) {
                float dot = 0.f;
                const float* kr = Ks + lane * ldk;
                for (int d = 0; d < Dh; d++) dot += qs[d] * kr[d];
                s = dot;
            }
            float mNew = fmaxf(m, recur_warp_max(s));
            if (mNew != -RECUR_INF) {
                float p = s == -RECUR_INF ? 0.f : expf(s - mNew);
                float corr = m == -RECUR_INF ? 0.f : expf(m - mNew);
                l = l * corr + recur_warp_sum(p);
#pragma unroll
                for (int c = 0; c < RECUR_ATTN_MAX_DH / 32; c++) acc[c] *= corr;
                for (int jj = 0; jj < BK; jj++) {
                    float pj = __shfl_sync(0xffffffffu, p, jj);
                    if (pj != 0.f) {
#pragma unroll
                        for (int c = 0; c < RECUR_ATTN_MAX_DH / 32; c++) {
                            int d = lane + 32 * c;
                            if (d < Dh) acc[c] += pj * Vs[jj * ldk + d];
                        }
                    }
                }
                m = mNew;
            }
        }
        __syncthreads();
    }
    if (active) {
        float inv = 1.f / l;
        float* orow = out + ((long long)b * Tq + i) * width + h * Dh;
#pragma unroll
        for (int c = 0; c < RECUR_ATTN_MAX_DH / 32; c++) {
            int d = lane + 32 * c;
            if (d < Dh) orow[d] = acc[c] * inv;
        }
        if (lse && lane == 0) lse[((long long)b * NH + h) * Tq + i] = m + logf(l);
    }
}

// The head-averaged weights avg[b, i, j] = sum_h A_h[i, j] / NH, A_h = e^(P - lse) (0 where masked), recomputing
// the scores from q, k and the saved lse [B, NH, Tq]. One thread per (b, i, j).
extern "C" __global__ void attn_avg_weights(const float* q, const float* k, const float* lse,
                                            const unsigned char* keyPad, const unsigned char* attnMask, float* avg,
                                            int B, int Tq, int S, int NH, int Dh, int causal, float scale) {
    int width = NH * Dh;
    RECUR_FOR(idx, (long long)B * Tq * S) {
        int j = (int)(idx % S);
        long long bi = idx / S;
        int i = (int)(bi % Tq);
        int b = (int)(bi / Tq);
        float a = 0.f;
        if (!recur_attn_masked(b, i, j, Tq, S, causal, attnMask, keyPad)) {
            const float* qr = q + ((long long)b * Tq + i) * width;
            const float* kr = k + ((long long)b * S + j) * width;
            for (int h = 0; h < NH; h++) {
                float dot = 0.f;
                for (int d = 0; d < Dh; d++) dot += qr[h * Dh + d] * kr[h * Dh + d];
                a += expf(dot * scale - lse[((long long)b * NH + h) * Tq + i]);
            }
        }
        avg[idx] = a / NH;
    }
}

// Backward's softmax part for batch row b, one warp per (h, i) row of [NH, Tq, S]:
//   in:  P [NH, Tq, S] = scale q_h k_h^T;  dA [NH, Tq, S] = dOut_h v_h^T;  lse [NH, Tq] (this b)
//   A  = e^(P - lse), 0 where masked                   (written over P)
//   dA += dAvg[i, j] / NH  (dAvg [Tq, S] of this b, null: none)
//   dP = A (dA - sum_j dA A)                           (written over dA)
extern "C" __global__ void attn_bwd_softmax(float* P, float* dA, const float* lse, const float* dAvg,
                                            const unsigned char* keyPad, const unsigned char* attnMask, int b,
                                            int Tq, int S, int NH, int causal, float invHeads) {
    int warpsPerBlock = blockDim.x >> 5;
    long long row = (long long)blockIdx.x * warpsPerBlock + (threadIdx.x >> 5);
    int lane = threadIdx.x & 31;
    if (row >= (long long)NH * Tq) return;
    int i = (int)(row % Tq);
    float* pr = P + row * S;
    float* dr = dA + row * S;
    float l = lse[row];
    float sum = 0.f;
    for (int j = lane; j < S; j += 32) {
        float a = recur_attn_masked(b, i, j, Tq, S, causal, attnMask, keyPad) ? 0.f : expf(pr[j] - l);
        pr[j] = a;
        float g = dr[j];
        if (dAvg) g += dAvg[(long long)i * S + j] * invHeads;
        dr[j] = g;
        sum += g * a;
    }
    sum = recur_warp_sum(sum);
    for (int j = lane; j < S; j += 32) dr[j] = pr[j] * (dr[j] - sum);
}
