/* kernel/math/f32_fixed.c: F32 rows in fixed point against a long double
 * reference, on random rows and on the edges (zero and subnormal weights,
 * weights of 16 and more, infinities and NaN, activations that are zero,
 * tiny or huge, rows wider than the accumulator takes, several tokens),
 * and the in-place re-encoding of F32 weights (QT_F32FX). */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "check.h"
#include "lib/errno.h"
#include "math/f32_fixed.h"

static int fallback_calls;

/* ggml's generic order: float products summed in double. */
static void dot_ggml(size_t n, float *out, const void *w, const void *x)
{
    const float *a = w, *b = x;
    double s = 0;
    for (size_t i = 0; i < n; i++)
        s += (double)(a[i] * b[i]);
    *out = (float)s;
    fallback_calls++;
}

static long double dot_exact(const float *w, const float *x, size_t n, long double *abs_sum)
{
    long double s = 0, a = 0;
    for (size_t i = 0; i < n; i++) {
        s += (long double)w[i] * x[i];
        a += fabsl((long double)w[i]);
    }
    *abs_sum = a;
    return s;
}

static uint64_t rng = 88172645463325252ull;
static double uniform(void)
{
    rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
    return (double)(rng >> 11) / 9007199254740992.0;
}
static float gauss(float sd)
{
    double u = uniform() + 1e-300, v = uniform();
    return (float)(sd * sqrt(-2 * log(u)) * cos(6.283185307179586 * v));
}

/* ours within half an ulp of the exact sum plus the activation's rounding
 * (2^-31 of max|x| per element) and the accumulator's (n units of 2^-48 of
 * 16 max|x|). */
static int close_enough(float ours, long double exact, long double wabs, float xmax, size_t n)
{
    long double bound = fabsl(exact) * 0x1p-24L + wabs * xmax * 0x1p-30L + (long double)n * 16 * xmax * 0x1p-47L +
                        1e-40L;
    return fabsl((long double)ours - exact) <= bound;
}

static void random_rows(size_t rows, size_t cols, uint32_t n_tok, float wsd, float xsd)
{
    float *w = malloc(rows * cols * sizeof *w), *x = malloc(n_tok * cols * sizeof *x);
    float *out = malloc(n_tok * rows * sizeof *out);
    void *scratch = malloc(f32fx_scratch_bytes(cols, n_tok));
    for (size_t i = 0; i < rows * cols; i++)
        w[i] = gauss(wsd);
    float xmax[8] = { 0 };
    for (uint32_t k = 0; k < n_tok; k++)
        for (size_t i = 0; i < cols; i++) {
            x[k * cols + i] = gauss(xsd);
            xmax[k] = fmaxf(xmax[k], fabsf(x[k * cols + i]));
        }
    fallback_calls = 0;
    CHECK_EQ_INT(f32fx_matmul(w, rows, cols, x, cols, n_tok, out, rows, scratch, dot_ggml), 0);
    CHECK_EQ_INT(fallback_calls, 0);
    int bad = 0, same = 0;
    for (uint32_t k = 0; k < n_tok; k++)
        for (size_t r = 0; r < rows; r++) {
            long double wabs, e = dot_exact(w + r * cols, x + k * cols, cols, &wabs);
            bad += !close_enough(out[k * rows + r], e, wabs, xmax[k], cols);
            float g;
            dot_ggml(cols, &g, w + r * cols, x + k * cols);
            same += g == out[k * rows + r];
        }
    CHECK_EQ_INT(bad, 0);
    printf("  %zux%zu, %u token(s), w sd %g, x sd %g: all within the bound, %d/%zu equal to ggml's order\n",
           rows, cols, n_tok, wsd, xsd, same, rows * n_tok);
    free(w), free(x), free(out), free(scratch);
}

static void edges(void)
{
    enum { C = 64 };
    float w[4 * C], x[C], out[4];
    char scratch[1024];
    for (int i = 0; i < 4 * C; i++)
        w[i] = gauss(0.05f);
    for (int i = 0; i < C; i++)
        x[i] = gauss(1.0f);
    w[0] = 0.0f, w[1] = -0.0f, w[2] = 1e-40f;   /* zero and subnormal weights: no fallback */
    w[C] = 16.0f;                              /* row 1: a weight at the bound: exact path */
    w[2 * C + 5] = INFINITY;                   /* row 2: exact path (inf, as ggml) */
    w[3 * C + 7] = NAN;                        /* row 3: exact path (NaN) */
    fallback_calls = 0;
    CHECK_EQ_INT(f32fx_matmul(w, 4, C, x, C, 1, out, 4, scratch, dot_ggml), 0);
    CHECK_EQ_INT(fallback_calls, 3);
    long double wabs, e = dot_exact(w, x, C, &wabs);
    CHECK(close_enough(out[0], e, wabs, 4.0f, C));
    float ref;
    dot_ggml(C, &ref, w + C, x);
    CHECK(out[1] == ref);
    CHECK(isinf(out[2]) || isnan(out[2]));
    CHECK(isnan(out[3]));
    /* 15.99 still takes the fixed-point path */
    w[C] = 15.99f;
    fallback_calls = 0;
    CHECK_EQ_INT(f32fx_matmul(w, 2, C, x, C, 1, out, 2, scratch, dot_ggml), 0);
    CHECK_EQ_INT(fallback_calls, 0);
    e = dot_exact(w + C, x, C, &wabs);
    CHECK(close_enough(out[1], e, wabs, 4.0f, C));
    /* activations: all zero; tiny; large; not finite */
    memset(x, 0, sizeof x);
    CHECK_EQ_INT(f32fx_matmul(w, 1, C, x, C, 1, out, 1, scratch, dot_ggml), 0);
    CHECK(out[0] == 0.0f);
    for (int i = 0; i < C; i++)
        x[i] = gauss(1e-30f);
    CHECK_EQ_INT(f32fx_matmul(w, 1, C, x, C, 1, out, 1, scratch, dot_ggml), 0);
    e = dot_exact(w, x, C, &wabs);
    CHECK(close_enough(out[0], e, wabs, 1e-29f, C));
    for (int i = 0; i < C; i++)
        x[i] = gauss(1e30f);
    CHECK_EQ_INT(f32fx_matmul(w, 1, C, x, C, 1, out, 1, scratch, dot_ggml), 0);
    e = dot_exact(w, x, C, &wabs);
    CHECK(close_enough(out[0], e, wabs, 1e31f, C));
    x[3] = INFINITY;
    CHECK_EQ_INT(f32fx_matmul(w, 1, C, x, C, 1, out, 1, scratch, dot_ggml), -ERANGE);
    x[3] = NAN;
    CHECK_EQ_INT(f32fx_matmul(w, 1, C, x, C, 1, out, 1, scratch, dot_ggml), -ERANGE);
    /* too wide for the accumulator, or no tokens */
    CHECK_EQ_INT(f32fx_scratch_bytes(F32FX_MAX_COLS + 1, 1), 0);
    CHECK_EQ_INT(f32fx_matmul(w, 1, F32FX_MAX_COLS + 1, x, C, 1, out, 1, scratch, dot_ggml), -EINVAL);
    CHECK_EQ_INT(f32fx_matmul(w, 1, C, x, C, 0, out, 1, scratch, dot_ggml), -EINVAL);
}

/* The widest row at the largest weights and activations the path takes:
 * the accumulator must not overflow. */
static void widest(void)
{
    size_t n = F32FX_MAX_COLS;
    float *w = malloc(n * sizeof *w), *x = malloc(n * sizeof *x), out;
    void *scratch = malloc(f32fx_scratch_bytes(n, 1));
    for (size_t i = 0; i < n; i++)
        w[i] = 15.99f, x[i] = 3.0e38f;
    CHECK_EQ_INT(f32fx_matmul(w, 1, n, x, n, 1, &out, 1, scratch, dot_ggml), 0);
    CHECK(isinf(out) && out > 0);   /* 1.6e43: beyond float, as ggml's */
    for (size_t i = 0; i < n; i++)
        x[i] = (i & 1) ? -1.5f : 1.5f, w[i] = -15.99f;
    CHECK_EQ_INT(f32fx_matmul(w, 1, n, x, n, 1, &out, 1, scratch, dot_ggml), 0);
    CHECK(out == 0.0f);
    for (size_t i = 0; i < n; i++)
        x[i] = 1.5f;
    CHECK_EQ_INT(f32fx_matmul(w, 1, n, x, n, 1, &out, 1, scratch, dot_ggml), 0);
    CHECK(out == (float)(-15.99f * 1.5 * n) || fabsf(out + 15.99f * 1.5f * n) <= 1e-6f * 15.99f * 1.5f * n);
    free(w), free(x), free(scratch);
}

/* The in-place re-encoding (QT_F32FX): lossless for the weights it takes,
 * refuses a tensor with any other weight (untouched), and the encoded
 * fixed-point path gives the float path's results bit for bit. */
static void encoded(void)
{
    enum { ROWS = 24, COLS = 288, NT = 5 };
    static float w[ROWS * COLS], orig[ROWS * COLS], back[ROWS * COLS], x[NT * COLS], a[NT * ROWS], b[NT * ROWS];
    static unsigned char scratch[1 << 16];
    for (int i = 0; i < ROWS * COLS; i++)
        w[i] = gauss(i % 7 == 0 ? 3.0f : 0.05f);
    w[0] = 0.0f, w[1] = -0.0f, w[2] = 15.99f, w[3] = -0x1p-54f, w[4] = 0x1.fffffep-1f;
    for (int i = 0; i < NT * COLS; i++)
        x[i] = gauss(1.0f);
    memcpy(orig, w, sizeof w);
    CHECK_EQ_INT(f32fx_matmul(w, ROWS, COLS, x, COLS, NT, a, ROWS, scratch, dot_ggml), 0);
    CHECK_EQ_INT(f32fx_encode((uint32_t *)w, ROWS * COLS), 1);
    CHECK(memcmp(w, orig, sizeof w) != 0);
    f32fx_decode_row((const uint32_t *)w, back, ROWS * COLS);
    CHECK(memcmp(back, orig, sizeof w) == 0);   /* every bit, -0 included */
    for (uint32_t nt = 1; nt <= NT; nt++) {
        CHECK_EQ_INT(f32fx_matmul(orig, ROWS, COLS, x, COLS, nt, a, ROWS, scratch, dot_ggml), 0);
        CHECK_EQ_INT(f32fx_matmul_encoded((const uint32_t *)w, ROWS, COLS, x, COLS, nt, b, ROWS, scratch), 0);
        CHECK(memcmp(a, b, nt * ROWS * sizeof(float)) == 0);
    }
    x[3] = NAN;
    CHECK_EQ_INT(f32fx_matmul_encoded((const uint32_t *)w, ROWS, COLS, x, COLS, 1, b, ROWS, scratch), -ERANGE);
    /* one weight it cannot hold: the tensor stays as it was */
    static const float bad[] = { 16.0f, -20.0f, 0x1p-60f, 0x1p-130f /* subnormal */, INFINITY, NAN };
    for (unsigned k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        memcpy(w, orig, sizeof w);
        w[100] = bad[k];
        memcpy(back, w, sizeof w);
        CHECK_EQ_INT(f32fx_encode((uint32_t *)w, ROWS * COLS), 0);
        CHECK(memcmp(w, back, sizeof w) == 0);
    }
}

int main(void)
{
    random_rows(64, 288, 1, 0.02f, 1.0f);
    random_rows(64, 288, 5, 0.02f, 1.0f);     /* one group of four and a tail token */
    random_rows(32, 768, 4, 0.05f, 30.0f);
    random_rows(16, 4096, 1, 1.0f, 1e-3f);
    random_rows(8, 33, 3, 0.5f, 2.0f);        /* odd width */
    edges();
    widest();
    encoded();
    return check_summary("test_f32_fixed");
}
