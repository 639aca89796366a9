// elementwise.cu — pointwise ops, row/column helpers, reductions and batch permutations.
// n counts elements; every kernel is a grid-stride loop unless it says otherwise.
#include "recur_common.cuh"

// y[i] += alpha * x[i].
extern "C" __global__ void axpy_f32(float alpha, const float* x, float* y, long long n) {
    RECUR_FOR(i, n) y[i] += alpha * x[i];
}

// out[i] = a[i] * b[i]; out may alias a or b.
extern "C" __global__ void mul_f32(const float* a, const float* b, float* out, long long n) {
    RECUR_FOR(i, n) out[i] = a[i] * b[i];
}

// t[i] *= s.
extern "C" __global__ void scale_f32(float* t, float s, long long n) {
    RECUR_FOR(i, n) t[i] *= s;
}

// t[i] = min(max(t[i], lo), hi).
extern "C" __global__ void clamp_f32(float* t, float lo, float hi, long long n) {
    RECUR_FOR(i, n) t[i] = fminf(fmaxf(t[i], lo), hi);
}

// y = act(x), act (dev.recur.backend.Activation ordinal): 0 tanh, 1 relu, 2 sigmoid,
// 3 gelu: y = x Phi(x) = 0.5 x erfc(-x / sqrt 2) (exact erf form). y may alias x.
extern "C" __global__ void activation_fwd(int act, const float* x, float* y, long long n) {
    RECUR_FOR(i, n) {
        float v = x[i];
        float r;
        switch (act) {
            case 0: r = recur_tanh(v); break;
            case 1: r = fmaxf(v, 0.f); break;
            case 2: r = recur_sigmoid(v); break;
            default: r = 0.5f * v * erfcf(-v * 0.70710678118654752f); break;
        }
        y[i] = r;
    }
}

// dx = dy * act'(.), dx may alias dy. tanh: (1 - y^2); relu: [y > 0]; sigmoid: y (1 - y) — from the forward
// output y; gelu: Phi(x) + x phi(x), phi(x) = e^(-x^2/2) / sqrt(2 pi) — from the input x.
extern "C" __global__ void activation_bwd(int act, const float* x, const float* y, const float* dy, float* dx,
                                          long long n) {
    RECUR_FOR(i, n) {
        float d = dy[i];
        float r;
        if (act == 3) {
            float v = x[i];
            float cdf = 0.5f * erfcf(-v * 0.70710678118654752f);
            float pdf = 0.39894228040143268f * expf(-0.5f * v * v);
            r = d * (cdf + v * pdf);
        } else {
            float v = y[i];
            r = act == 0 ? d * (1.f - v * v) : act == 1 ? (v > 0.f ? d : 0.f) : d * v * (1.f - v);
        }
        dx[i] = r;
    }
}

// y[r, c] += b1[c] (+ b2[c] when b2 is not null): y [rows, cols], b1, b2 [cols].
extern "C" __global__ void add_bias2(float* y, const float* b1, const float* b2, long long rows, int cols) {
    RECUR_FOR(i, rows * cols) {
        int c = (int)(i % cols);
        float b = b1[c];
        if (b2) b += b2[c];
        y[i] += b;
    }
}

// out[c] += sum_r x[r, c]: x [rows, cols], out [cols]. Block (32, 32): threadIdx.x a column of the block's 32,
// threadIdx.y strides over rows; summed in double, then over threadIdx.y in shared memory (deterministic).
extern "C" __global__ void sum_rows(const float* x, long long rows, int cols, float* out) {
    __shared__ double part[32][33];
    int c = blockIdx.x * 32 + threadIdx.x;
    double s = 0.0;
    if (c < cols) {
        for (long long r = threadIdx.y; r < rows; r += blockDim.y) s += x[r * cols + c];
    }
    part[threadIdx.y][threadIdx.x] = s;
    __syncthreads();
    if (threadIdx.y == 0 && c < cols) {
        double t = 0.0;
        for (int k = 0; k < blockDim.y; k++) t += part[k][threadIdx.x];
        out[c] = (float)(out[c] + t);
    }
}

// *out += sum_i x[i]^2 in double (out zeroed by the caller). Block size a multiple of 32.
extern "C" __global__ void sum_squares(const float* x, long long n, double* out) {
    __shared__ double scratch[32];
    double s = 0.0;
    RECUR_FOR(i, n) {
        double v = x[i];
        s += v * v;
    }
    s = recur_block_sum_d(s, scratch);
    if (threadIdx.x == 0) atomicAdd(out, s);
}

// *out = min(*out, i) over i with x[i] not finite (out set to all ones by the caller: none found).
extern "C" __global__ void first_non_finite(const float* x, long long n, unsigned long long* out) {
    RECUR_FOR(i, n) {
        // exponent all ones: inf or NaN (a bit test, independent of the math headers NVRTC provides)
        if ((__float_as_uint(x[i]) & 0x7f800000u) == 0x7f800000u) atomicMin(out, (unsigned long long)i);
    }
}

// Inverted dropout with the cpu backend's counter-based stream (SplittableRandom(seed).nextDouble(), element i):
//   z = seed + (i + 1) * 0x9e3779b97f4a7c15; z = (z ^ z>>30) * 0xbf58476d1ce4e5b9; z = (z ^ z>>27) * 0x94d049bb133111eb;
//   z ^= z>>31; u = (z >> 11) * 2^-53;  keep[i] = u < p ? 0 : scale;  y[i] = x[i] * keep[i]
// scale = 1/(1-p) computed in float by the caller (0 when p >= 1). With p == 0 every keep is 1.
extern "C" __global__ void dropout_f32(const float* x, double p, long long seed, float scale, float* keep, float* y,
                                       long long n) {
    RECUR_FOR(i, n) {
        float k;
        if (p == 0.0) {
            k = 1.f;
        } else {
            unsigned long long z = (unsigned long long)seed + (unsigned long long)(i + 1) * 0x9e3779b97f4a7c15ULL;
            z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
            z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
            z = z ^ (z >> 31);
            double u = (double)(z >> 11) * 1.1102230246251565e-16;  // 2^-53
            k = u < p ? 0.f : scale;
        }
        keep[i] = k;
        y[i] = x[i] * k;
    }
}

// y[c, a, f] = x[a, c, f]: x [A, C, F] -> y [C, A, F].
extern "C" __global__ void transpose01_f32(const float* x, float* y, int A, int C, int F) {
    RECUR_FOR(i, (long long)A * C * F) {
        int f = (int)(i % F);
        long long ac = i / F;
        int c = (int)(ac % C);
        int a = (int)(ac / C);
        y[((long long)c * A + a) * F + f] = x[i];
    }
}

// dst[r * ldd + c] = src[r * lds + c], r < rows, c < cols (strided 2-D copy; regions must not overlap).
extern "C" __global__ void copy_rows(const float* src, int lds, float* dst, int ldd, int rows, int cols) {
    RECUR_FOR(i, (long long)rows * cols) {
        int r = (int)(i / cols);
        int c = (int)(i % cols);
        dst[(long long)r * ldd + c] = src[(long long)r * lds + c];
    }
}

// dst[r * ldd + c] = a[r * lda + c] + b[r * ldb + c] (b null: + 0), r < rows, c < cols.
extern "C" __global__ void add_rows(const float* a, int lda, const float* b, int ldb, float* dst, int ldd, int rows,
                                    int cols) {
    RECUR_FOR(i, (long long)rows * cols) {
        int r = (int)(i / cols);
        int c = (int)(i % cols);
        float v = a[(long long)r * lda + c];
        if (b) v += b[(long long)r * ldb + c];
        dst[(long long)r * ldd + c] = v;
    }
}

// Batch permutation of [A, B, F] tensors (the batch sorted by length for the recurrent ops):
// gather: dst[a, i, :] = src[a, perm[i], :];  scatter: dst[a, perm[i], :] = src[a, i, :]. perm [B] int32.
extern "C" __global__ void gather_batch(const float* src, float* dst, const int* perm, int A, int B, int F) {
    RECUR_FOR(idx, (long long)A * B * F) {
        int f = (int)(idx % F);
        long long ai = idx / F;
        int i = (int)(ai % B);
        int a = (int)(ai / B);
        dst[idx] = src[((long long)a * B + perm[i]) * F + f];
    }
}

extern "C" __global__ void scatter_batch(const float* src, float* dst, const int* perm, int A, int B, int F) {
    RECUR_FOR(idx, (long long)A * B * F) {
        int f = (int)(idx % F);
        long long ai = idx / F;
        int i = (int)(ai % B);
        int a = (int)(ai / B);
        dst[((long long)a * B + perm[i]) * F + f] = src[idx];
    }
}
