/*
 * Recur's native step kernel: the recurrent step's GEMM on packed weights (dev.recur.cpu.internal.PackedGemm),
 * for x86-64 CPUs with AVX2 and FMA, called through JNI once per step and thread.
 *
 *   out[gateOf(v)][r * ldo + unitOf(p, v) - u0 + lane] += sum_k a[aOff + r * lda + k] * w[((p * K + k) * V + v) * 8 + lane]
 *   for rows r in [0, rows), panels p in [p0, p1), vectors v in [0, V), lanes with unitOf(p, v) - u0 + lane < ldo
 *
 * Layout (PackedWeights): a panel is V vectors of 8 columns for every k, contiguous. With gates = 3 or 4 a panel
 * is 8 hidden units and vector v is gate v (gateOf(v) = v, unitOf(p, v) = 8p); with gates = 1 it is 32 columns of
 * one output (gateOf(v) = 0, unitOf(p, v) = 32p + 8v).
 *
 * Why native: the Vector API kernel is held to 2 rows x 4 vectors (8 accumulators) because C2 issues all of an
 * iteration's loads before its FMAs and spills wider tiles out of AVX2's 16 registers (NOTES.md). Here gcc
 * keeps 12 accumulators in registers: 3 rows x 4 vectors (LSTM, RNN, backward) or 4 rows x 3 vectors (GRU), one
 * broadcast per row and one load per vector each k. A lone row splits k over two accumulator sets, so it still
 * has 8 (6) independent FMA chains. k runs in chunks so that a panel's chunk stays in L1 across the row tiles.
 * Loads are unaligned: a Java float[]'s elements start 16 bytes into the object, not on a 32-byte boundary.
 *
 * The file is compiled without -mavx2; only the kernels carry target("avx2,fma"), and Java calls them only after
 * recur_cpu_supported() has checked the CPU.
 */
#include <jni.h>
#include <immintrin.h>

#define LANES 8
#define K_CHUNK 128
#define KERNEL static inline __attribute__((always_inline, target("avx2,fma")))

/* Where vector v of the current panel adds its 8 columns: row 0's first column, and how many lanes are real. */
typedef struct {
    float *dst[4];
    int valid[4];
} Targets;

/*
 * One tile: R rows x V vectors of one panel over k in [k0, k1), with S accumulator sets taking alternate k
 * (S = 2 for a lone row). R, V, S are constants at every call, so gcc unrolls the loops and keeps acc in registers.
 */
KERNEL void tile(const int R, const int V, const int S, const float *a, int lda, const float *panel, int k0,
                 int k1, const Targets *t, int ldo, int row) {
    __m256 acc[2][4][4];
    #pragma GCC unroll 4
    for (int s = 0; s < S; s++)
        #pragma GCC unroll 4
        for (int r = 0; r < R; r++)
            #pragma GCC unroll 4
            for (int v = 0; v < V; v++)
                acc[s][r][v] = _mm256_setzero_ps();
    int k = k0;
    for (; k + S <= k1; k += S) {
        #pragma GCC unroll 4
        for (int s = 0; s < S; s++) {
            const float *wk = panel + (long) (k + s) * V * LANES;
            if (R <= V) {
                /* R broadcasts held, the panel's vectors streamed: R*V + R + 1 registers */
                __m256 x[4];
                #pragma GCC unroll 4
                for (int r = 0; r < R; r++)
                    x[r] = _mm256_broadcast_ss(a + (long) r * lda + k + s);
                #pragma GCC unroll 4
                for (int v = 0; v < V; v++) {
                    __m256 wv = _mm256_loadu_ps(wk + v * LANES);
                    #pragma GCC unroll 4
                    for (int r = 0; r < R; r++)
                        acc[s][r][v] = _mm256_fmadd_ps(x[r], wv, acc[s][r][v]);
                }
            } else {
                /* the panel's V vectors held, the rows' broadcasts streamed: R*V + V + 1 registers */
                __m256 wv[4];
                #pragma GCC unroll 4
                for (int v = 0; v < V; v++)
                    wv[v] = _mm256_loadu_ps(wk + v * LANES);
                #pragma GCC unroll 4
                for (int r = 0; r < R; r++) {
                    __m256 x = _mm256_broadcast_ss(a + (long) r * lda + k + s);
                    #pragma GCC unroll 4
                    for (int v = 0; v < V; v++)
                        acc[s][r][v] = _mm256_fmadd_ps(x, wv[v], acc[s][r][v]);
                }
            }
        }
    }
    for (; k < k1; k++) { /* S = 2 and an odd chunk */
        const float *wk = panel + (long) k * V * LANES;
        #pragma GCC unroll 4
        for (int v = 0; v < V; v++) {
            __m256 wv = _mm256_loadu_ps(wk + v * LANES);
            #pragma GCC unroll 4
            for (int r = 0; r < R; r++)
                acc[0][r][v] = _mm256_fmadd_ps(_mm256_broadcast_ss(a + (long) r * lda + k), wv, acc[0][r][v]);
        }
    }
    #pragma GCC unroll 4
    for (int r = 0; r < R; r++) {
        #pragma GCC unroll 4
        for (int v = 0; v < V; v++) {
            __m256 sum = S == 2 ? _mm256_add_ps(acc[0][r][v], acc[1][r][v]) : acc[0][r][v];
            float *d = t->dst[v] + (long) (row + r) * ldo;
            if (t->valid[v] == LANES) {
                _mm256_storeu_ps(d, _mm256_add_ps(_mm256_loadu_ps(d), sum));
            } else {
                float lanes[LANES];
                _mm256_storeu_ps(lanes, sum);
                #pragma GCC unroll 4
                for (int l = 0; l < t->valid[v]; l++)
                    d[l] += lanes[l];
            }
        }
    }
}

/* All rows of one panel's k chunk, in tiles of 3 rows (V = 4) or 4 rows (V = 3); leftovers never a lone row. */
KERNEL void rowsOfChunk(const int V, const float *a, int lda, int rows, const float *panel, int k0, int k1,
                        const Targets *t, int ldo) {
    int r = 0;
    if (rows == 1) {
        tile(1, V, 2, a, lda, panel, k0, k1, t, ldo, 0);
        return;
    }
    if (V == 4) {
        /* rows = 3q + 1 ends in two pairs instead of a lone row */
        int threes = rows % 3 == 1 ? rows / 3 - 1 : rows / 3;
        for (; r < 3 * threes; r += 3)
            tile(3, 4, 1, a + (long) r * lda, lda, panel, k0, k1, t, ldo, r);
        for (; r + 2 <= rows; r += 2)
            tile(2, 4, 1, a + (long) r * lda, lda, panel, k0, k1, t, ldo, r);
    } else {
        /* rows = 4q + 1 ends in a three and a pair instead of a lone row */
        int fours = rows % 4 == 1 ? rows / 4 - 1 : rows / 4;
        for (; r < 4 * fours; r += 4)
            tile(4, 3, 1, a + (long) r * lda, lda, panel, k0, k1, t, ldo, r);
        if (rows - r == 3 || rows - r == 5) {
            tile(3, 3, 1, a + (long) r * lda, lda, panel, k0, k1, t, ldo, r);
            r += 3;
        }
        if (rows - r == 2)
            tile(2, 3, 1, a + (long) r * lda, lda, panel, k0, k1, t, ldo, r);
    }
}

__attribute__((target("avx2,fma")))
static void multiplyAdd(const float *a, int lda, int rows, const float *w, int k, int gates, int p0, int p1,
                        float *const out[4], int ldo, int u0) {
    const int vectors = gates == 1 ? 4 : gates;
    for (int p = p0; p < p1; p++) {
        Targets t;
        for (int v = 0; v < vectors; v++) {
            int col = gates == 1 ? 32 * p + LANES * v - u0 : LANES * p - u0;
            int valid = ldo - col < LANES ? ldo - col : LANES;
            t.valid[v] = valid < 0 ? 0 : valid;
            t.dst[v] = (gates == 1 ? out[0] : out[v]) + col;
        }
        const float *panel = w + (long) p * k * vectors * LANES;
        for (int k0 = 0; k0 < k; k0 += K_CHUNK) {
            int k1 = k0 + K_CHUNK < k ? k0 + K_CHUNK : k;
            if (vectors == 4)
                rowsOfChunk(4, a, lda, rows, panel, k0, k1, &t, ldo);
            else
                rowsOfChunk(3, a, lda, rows, panel, k0, k1, &t, ldo);
        }
    }
}

/* Whether this CPU runs the kernels: AVX2 and FMA (checked before any of them is called). */
JNIEXPORT jboolean JNICALL Java_dev_recur_cpu_internal_NativeGemm_supported0(JNIEnv *env, jclass cls) {
    (void) env;
    (void) cls;
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") ? JNI_TRUE : JNI_FALSE;
}

/*
 * See the file comment. NativeGemm.multiplyAdd has checked every index against the arrays' lengths; out1..out3
 * are null where unused. The arrays are pinned (critical) for the call: no allocation, no JNI call inside.
 */
JNIEXPORT void JNICALL Java_dev_recur_cpu_internal_NativeGemm_multiplyAdd0(
        JNIEnv *env, jclass cls, jfloatArray a, jint aOff, jint lda, jint rows, jfloatArray w, jint k, jint gates,
        jint p0, jint p1, jfloatArray out0, jfloatArray out1, jfloatArray out2, jfloatArray out3, jint ldo, jint u0) {
    (void) cls;
    jfloatArray arrays[6] = {a, w, out0, out1, out2, out3};
    float *ptrs[6] = {0};
    int pinned = 0;
    for (; pinned < 6; pinned++) {
        if (arrays[pinned] == NULL)
            continue;
        ptrs[pinned] = (*env)->GetPrimitiveArrayCritical(env, arrays[pinned], NULL);
        if (ptrs[pinned] == NULL)
            break;
    }
    if (pinned == 6) {
        float *const out[4] = {ptrs[2], ptrs[3], ptrs[4], ptrs[5]};
        multiplyAdd(ptrs[0] + aOff, lda, rows, ptrs[1], k, gates, p0, p1, out, ldo, u0);
    }
    for (int i = 0; i < pinned; i++) {
        if (ptrs[i] != NULL)
            (*env)->ReleasePrimitiveArrayCritical(env, arrays[i], ptrs[i], i >= 2 ? 0 : JNI_ABORT);
    }
    if (pinned < 6) {
        jclass oom = (*env)->FindClass(env, "java/lang/OutOfMemoryError");
        if (oom != NULL)
            (*env)->ThrowNew(env, oom, "recur native kernel: could not pin a float[] (GetPrimitiveArrayCritical)");
    }
}
