/*
 * The FMA peak of this machine's cores, for NOTES.md's ceilings: each thread runs 12 independent chains of 8-wide
 * fused multiply-adds on registers (no memory traffic), first on one thread, then on two at once, `rounds` times.
 * Prints GFLOP/s per round; two threads give twice one thread's only while the two vCPUs run on separate cores.
 *
 *   gcc -O2 -mavx2 -mfma -pthread tools/fma-peak.c -o /tmp/fma-peak && /tmp/fma-peak 30
 */
#define _POSIX_C_SOURCE 200809L
#include <immintrin.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static const long ITERATIONS = 2000000000L / 12;

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

/* arg: a float seed in, the sum of the chains out (so the compiler cannot drop or merge them) */
static void *chains(void *arg) {
    float b = *(float *) arg;
    __m256 a[12];
    for (int i = 0; i < 12; i++)
        a[i] = _mm256_set1_ps(b + (float) i);
    const __m256 m = _mm256_set1_ps(0.9999999f), c = _mm256_set1_ps(1e-7f);
    for (long it = 0; it < ITERATIONS; it++) {
#pragma GCC unroll 12
        for (int i = 0; i < 12; i++)
            a[i] = _mm256_fmadd_ps(a[i], m, c);
    }
    __m256 s = a[0];
    for (int i = 1; i < 12; i++)
        s = _mm256_add_ps(s, a[i]);
    float out[8];
    _mm256_storeu_ps(out, s);
    *(float *) arg = out[0];
    return NULL;
}

int main(int argc, char **argv) {
    int rounds = argc > 1 ? atoi(argv[1]) : 5;
    for (int r = 0; r < rounds; r++) {
        for (int n = 1; n <= 2; n++) {
            pthread_t t[2];
            float seed[2] = {0.5f, 0.25f};
            double t0 = now();
            for (int i = 0; i < n; i++)
                pthread_create(&t[i], NULL, chains, &seed[i]);
            for (int i = 0; i < n; i++)
                pthread_join(t[i], NULL);
            double dt = now() - t0;
            printf("round %d, %d thread%s: %.1f GFLOP/s (%.3f s, checksum %g)\n", r, n, n == 1 ? "" : "s",
                   (double) n * ITERATIONS * 12 * 8 * 2 / dt * 1e-9, dt, seed[0]);
        }
    }
    return 0;
}
