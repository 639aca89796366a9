/*
 * Recur's native step kernels, for x86-64 CPUs with AVX2 and FMA, called through JNI once per step and thread
 * (dev.recur.cpu.internal.NativeKernels): the recurrent step's GEMM on packed weights (PackedGemm), and the LSTM
 * and GRU cells (CellKernels.lstmForwardArrays, gruForwardArrays), at the end of this file.
 *
 *   out[gateOf(v)][r * ldo + unitOf(p, v) - u0 + lane] += sum_k a[aOff + r * lda + k] * w[((p * K + k) * V + v) * 8 + lane]
 *   for rows r in [0, rows), panels p in [p0, p1), vectors v in [0, V), lanes with unitOf(p, v) - u0 + lane < ldo
 *
 * Layout (PackedWeights): a panel is V vectors of 8 columns for every k, contiguous. With gates = 3 or 4 a panel
 * is 8 hidden units and vector v is gate v (gateOf(v) = v, unitOf(p, v) = 8p); with gates = 1 it is 32 columns of
 * one output (gateOf(v) = 0, unitOf(p, v) = 32p + 8v).
 *
 * Why native: the Vector API kernel is held to 8 or 9 accumulators (2 rows x 4 vectors, 3 x 3 for the GRU) because
 * C2 issues all of an iteration's loads before its FMAs and spills wider tiles out of AVX2's 16 registers
 * (NOTES.md). Here gcc
 * keeps 12 accumulators in registers: 3 rows x 4 vectors (LSTM, RNN, backward) or 4 rows x 3 vectors (GRU), one
 * broadcast per row and one load per vector each k. A lone row splits k over two accumulator sets, so it still
 * has 8 (6) independent FMA chains. k runs in chunks so that a panel's chunk stays in L1 across the row tiles.
 * Loads are unaligned: a Java float[]'s elements start 16 bytes into the object, not on a 32-byte boundary.
 *
 * The file is compiled without -mavx2; only the kernels carry target("avx2,fma"), and Java calls them only after
 * supported0 below has checked the CPU.
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

/* One trip of tile's k loop: k + s into accumulator set s, for s in [0, S). */
KERNEL void kTrip(const int R, const int V, const int S, const float *a, int lda, const float *panel, int k,
                  __m256 acc[2][4][4]) {
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
    if (S == 1) {
        /* unrolled twice: half the counter and branch work per k, the same additions in the same order */
        #pragma GCC unroll 2
        for (; k < k1; k++)
            kTrip(R, V, 1, a, lda, panel, k, acc);
    } else {
        for (; k + S <= k1; k += S)
            kTrip(R, V, S, a, lda, panel, k, acc);
    }
    for (; k < k1; k++) /* S = 2 and an odd chunk: the last k into set 0 */
        kTrip(R, V, 1, a, lda, panel, k, acc);
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

/*
 * The cells: CellKernels' arrays kernels, operation for operation, so they give the same floats as Java does.
 * Java rounds every multiply and add (no fused multiply-add): the build passes -ffp-contract=off, and the
 * sigmoid and tanh are FastMath's rational functions with the same coefficients and clamps. min/max take the
 * constant first: _mm256_min_ps(a, b) returns b when either is NaN, so a NaN x comes through as Java's
 * Math.min(18f, x) lets it.
 */
#define SPLAT(c) _mm256_set1_ps(c)

KERNEL __m256 sigmoid8(__m256 x) {
    x = _mm256_max_ps(SPLAT(-18.0f), _mm256_min_ps(SPLAT(18.0f), x));
    __m256 x2 = _mm256_mul_ps(x, x);
    __m256 p = _mm256_add_ps(_mm256_mul_ps(x2, SPLAT(4.37031012579801e-11f)), SPLAT(1.15627324459942e-07f));
    p = _mm256_add_ps(_mm256_mul_ps(p, x2), SPLAT(6.08574864600143e-05f));
    p = _mm256_add_ps(_mm256_mul_ps(p, x2), SPLAT(8.51377133304701e-03f));
    p = _mm256_add_ps(_mm256_mul_ps(p, x2), SPLAT(2.48287947061529e-01f));
    p = _mm256_mul_ps(p, x);
    __m256 q = _mm256_add_ps(_mm256_mul_ps(x2, SPLAT(6.10247389755681e-13f)), SPLAT(5.76102136993427e-09f));
    q = _mm256_add_ps(_mm256_mul_ps(q, x2), SPLAT(6.29106785017040e-06f));
    q = _mm256_add_ps(_mm256_mul_ps(q, x2), SPLAT(1.70198817374094e-03f));
    q = _mm256_add_ps(_mm256_mul_ps(q, x2), SPLAT(1.16817656904453e-01f));
    q = _mm256_add_ps(_mm256_mul_ps(q, x2), SPLAT(9.93151921023180e-01f));
    __m256 y = _mm256_add_ps(_mm256_div_ps(p, q), SPLAT(0.5f));
    return _mm256_max_ps(SPLAT(0.0f), _mm256_min_ps(SPLAT(1.0f), y));
}

KERNEL __m256 tanh8(__m256 x) {
    x = _mm256_max_ps(SPLAT(-9.0f), _mm256_min_ps(SPLAT(9.0f), x));
    __m256 x2 = _mm256_mul_ps(x, x);
    __m256 p = _mm256_add_ps(_mm256_mul_ps(x2, SPLAT(-2.76076847742355e-16f)), SPLAT(2.00018790482477e-13f));
    p = _mm256_add_ps(_mm256_mul_ps(p, x2), SPLAT(-8.60467152213735e-11f));
    p = _mm256_add_ps(_mm256_mul_ps(p, x2), SPLAT(5.12229709037114e-08f));
    p = _mm256_add_ps(_mm256_mul_ps(p, x2), SPLAT(1.48572235717979e-05f));
    p = _mm256_add_ps(_mm256_mul_ps(p, x2), SPLAT(6.37261928875436e-04f));
    p = _mm256_add_ps(_mm256_mul_ps(p, x2), SPLAT(4.89352455891786e-03f));
    p = _mm256_mul_ps(p, x);
    __m256 q = _mm256_add_ps(_mm256_mul_ps(x2, SPLAT(1.19825839466702e-06f)), SPLAT(1.18534705686654e-04f));
    q = _mm256_add_ps(_mm256_mul_ps(q, x2), SPLAT(2.26843463243900e-03f));
    q = _mm256_add_ps(_mm256_mul_ps(q, x2), SPLAT(4.89352518554385e-03f));
    return _mm256_div_ps(p, q);
}

/* Loads lanes [j, j + count) of x (count < 8 at the tail, the rest zero); stores them back. */
KERNEL __m256 load8(const float *x, int j, int count) {
    if (count == LANES)
        return _mm256_loadu_ps(x + j);
    float lanes[LANES] = {0};
    for (int l = 0; l < count; l++)
        lanes[l] = x[j + l];
    return _mm256_loadu_ps(lanes);
}

KERNEL void store8(float *x, int j, int count, __m256 v) {
    if (count == LANES) {
        _mm256_storeu_ps(x + j, v);
        return;
    }
    float lanes[LANES];
    _mm256_storeu_ps(lanes, v);
    for (int l = 0; l < count; l++)
        x[j + l] = lanes[l];
}

/* CellKernels.lstmForwardArrays: i, f, g, o activated in place; c = f c + i g in place; m = o tanh(c). */
__attribute__((target("avx2,fma")))
static void lstmCell(float *i, float *f, float *g, float *o, float *c, float *m, int n) {
    for (int j = 0; j < n; j += LANES) {
        int count = n - j < LANES ? n - j : LANES;
        __m256 vi = sigmoid8(load8(i, j, count));
        __m256 vf = sigmoid8(load8(f, j, count));
        __m256 vg = tanh8(load8(g, j, count));
        __m256 vo = sigmoid8(load8(o, j, count));
        __m256 vc = _mm256_add_ps(_mm256_mul_ps(vf, load8(c, j, count)), _mm256_mul_ps(vi, vg));
        store8(i, j, count, vi);
        store8(f, j, count, vf);
        store8(g, j, count, vg);
        store8(o, j, count, vo);
        store8(c, j, count, vc);
        store8(m, j, count, _mm256_mul_ps(vo, tanh8(vc)));
    }
}

/*
 * CellKernels.gruForwardArrays: r = sigmoid(r + hr), z = sigmoid(z + hz), nn = tanh(nn + r hn) in place;
 * h = (1 - z) nn + z h in place.
 */
__attribute__((target("avx2,fma")))
static void gruCell(float *r, float *z, float *nn, const float *hr, const float *hz, const float *hn, float *h,
                    int n) {
    for (int j = 0; j < n; j += LANES) {
        int count = n - j < LANES ? n - j : LANES;
        __m256 vr = sigmoid8(_mm256_add_ps(load8(r, j, count), load8(hr, j, count)));
        __m256 vz = sigmoid8(_mm256_add_ps(load8(z, j, count), load8(hz, j, count)));
        __m256 vn = tanh8(_mm256_add_ps(load8(nn, j, count), _mm256_mul_ps(vr, load8(hn, j, count))));
        __m256 vh = _mm256_add_ps(_mm256_mul_ps(_mm256_sub_ps(SPLAT(1.0f), vz), vn),
                                  _mm256_mul_ps(vz, load8(h, j, count)));
        store8(r, j, count, vr);
        store8(z, j, count, vz);
        store8(nn, j, count, vn);
        store8(h, j, count, vh);
    }
}

/* Whether this CPU runs the kernels: AVX2 and FMA (checked before any of them is called). */
JNIEXPORT jboolean JNICALL Java_dev_recur_cpu_internal_NativeKernels_supported0(JNIEnv *env, jclass cls) {
    (void) env;
    (void) cls;
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") ? JNI_TRUE : JNI_FALSE;
}

/*
 * Pins the arrays (null ones skipped) for a call: no allocation and no JNI call until unpin. Returns how many it
 * pinned, fewer than n (with an OutOfMemoryError pending after unpin) when one could not be.
 */
static int pin(JNIEnv *env, jfloatArray *arrays, float **ptrs, int n) {
    for (int i = 0; i < n; i++) {
        ptrs[i] = NULL;
        if (arrays[i] != NULL && (ptrs[i] = (*env)->GetPrimitiveArrayCritical(env, arrays[i], NULL)) == NULL)
            return i;
    }
    return n;
}

/* Unpins what pin pinned; the arrays from firstWritten on are copied back (where the JVM copied at all). */
static void unpin(JNIEnv *env, jfloatArray *arrays, float **ptrs, int pinned, int n, int firstWritten) {
    for (int i = 0; i < pinned; i++) {
        if (ptrs[i] != NULL)
            (*env)->ReleasePrimitiveArrayCritical(env, arrays[i], ptrs[i], i >= firstWritten ? 0 : JNI_ABORT);
    }
    if (pinned < n) {
        jclass oom = (*env)->FindClass(env, "java/lang/OutOfMemoryError");
        if (oom != NULL)
            (*env)->ThrowNew(env, oom, "recur native kernel: could not pin a float[] (GetPrimitiveArrayCritical)");
    }
}

/*
 * See the file comment. NativeKernels.multiplyAdd has checked every index against the arrays' lengths;
 * out1..out3 are null where unused.
 */
JNIEXPORT void JNICALL Java_dev_recur_cpu_internal_NativeKernels_multiplyAdd0(
        JNIEnv *env, jclass cls, jfloatArray a, jint aOff, jint lda, jint rows, jfloatArray w, jint k, jint gates,
        jint p0, jint p1, jfloatArray out0, jfloatArray out1, jfloatArray out2, jfloatArray out3, jint ldo, jint u0) {
    (void) cls;
    jfloatArray arrays[6] = {a, w, out0, out1, out2, out3};
    float *p[6];
    int pinned = pin(env, arrays, p, 6);
    if (pinned == 6) {
        float *const out[4] = {p[2], p[3], p[4], p[5]};
        multiplyAdd(p[0] + aOff, lda, rows, p[1], k, gates, p0, p1, out, ldo, u0);
    }
    unpin(env, arrays, p, pinned, 6, 2);
}

/* lstmCell on the first n elements of each array (NativeKernels.lstmCell has checked their lengths). */
JNIEXPORT void JNICALL Java_dev_recur_cpu_internal_NativeKernels_lstmCell0(
        JNIEnv *env, jclass cls, jfloatArray i, jfloatArray f, jfloatArray g, jfloatArray o, jfloatArray c,
        jfloatArray m, jint n) {
    (void) cls;
    jfloatArray arrays[6] = {i, f, g, o, c, m};
    float *p[6];
    int pinned = pin(env, arrays, p, 6);
    if (pinned == 6)
        lstmCell(p[0], p[1], p[2], p[3], p[4], p[5], n);
    unpin(env, arrays, p, pinned, 6, 0);
}

/* gruCell on the first n elements of each array (NativeKernels.gruCell has checked their lengths). */
JNIEXPORT void JNICALL Java_dev_recur_cpu_internal_NativeKernels_gruCell0(
        JNIEnv *env, jclass cls, jfloatArray r, jfloatArray z, jfloatArray nn, jfloatArray hr, jfloatArray hz,
        jfloatArray hn, jfloatArray h, jint n) {
    (void) cls;
    jfloatArray arrays[7] = {r, z, nn, hr, hz, hn, h};
    float *p[7];
    int pinned = pin(env, arrays, p, 7);
    if (pinned == 7)
        gruCell(p[0], p[1], p[2], p[3], p[4], p[5], p[6], n);
    unpin(env, arrays, p, pinned, 7, 0);
}
