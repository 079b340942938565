/* F32 rows in fixed point (see f32_fixed.h for why and how exact).
 *
 * Weight w (IEEE single, biased exponent e, 24-bit mantissa m with the
 * implicit bit) is m * 2^(e - 150). Activation element x is v * 2^(X - 30)
 * with |v| <= 2^30, X chosen per vector so that max|x| < 2^X. Then
 *     w * x = (m * v) * 2^(e - 150 + X - 30)
 * and (m * v) >> (SHIFT0 - e) puts every term on one scale, 2^(SHIFT0 - 180 + X).
 * With e <= E_REF the shift is at least GUARD, so a term is below
 * 2^(24 + 30 - GUARD) = 2^48 and F32FX_MAX_COLS = 2^15 terms fit in int64.
 * Zero and subnormal weights (e = 0) shift out entirely (63 bits: at most
 * one unit, 2^-48 of the largest possible term). A row with a larger or
 * non-finite weight goes to the caller's exact path. */
#include <emmintrin.h>

#include "math/f32_fixed.h"
#include "math/kmath.h"
#include "lib/errno.h"

#define XBITS 30
#define E_REF 130                 /* |w| < 2^(E_REF - 126) = 16 */
#define GUARD 6
#define SHIFT0 (E_REF + GUARD)
#define TOK_GROUP 4

static int exact_mode;

void f32fx_set_exact(int exact) { exact_mode = exact != 0; }
int f32fx_exact(void) { return exact_mode; }

size_t f32fx_scratch_bytes(size_t cols, uint32_t n_tok)
{
    if (cols == 0 || cols > F32FX_MAX_COLS)
        return 0;
    return (size_t)(n_tok + 1) * (cols * sizeof(int32_t) + sizeof(int)) + 16;
}

static inline uint32_t float_bits(float f)
{
    union { float f; uint32_t u; } b = { .f = f };
    return b.u;
}

/* 2^k as a double, -1022 <= k <= 1023, without libm. */
static inline double pow2d(int k)
{
    union { uint64_t u; double d; } b = { .u = (uint64_t)(1023 + k) << 52 };
    return b.d;
}

/* x -> v (rounded to nearest) and its exponent. -ERANGE if an element is
 * infinite or NaN. */
static int to_fixed(const float *x, size_t n, int32_t *v, int *exp)
{
    uint32_t maxbits = 0;
    for (size_t i = 0; i < n; i++) {
        uint32_t u = float_bits(x[i]) & 0x7fffffffu;
        if (u >= 0x7f800000u)
            return -ERANGE;
        maxbits = u > maxbits ? u : maxbits;
    }
    int ex = (int)(maxbits >> 23) - 126;      /* max|x| < 2^ex, -126 <= ex <= 128 */
    const double scale = pow2d(XBITS - ex);   /* exact in double for every ex */
    for (size_t i = 0; i < n; i++)
        v[i] = _mm_cvtsd_si32(_mm_set_sd((double)x[i] * scale));   /* nearest; |v| <= 2^30 */
    *exp = ex;
    return 0;
}

/* The largest biased exponent in a row (exact, for rows the OR test flags). */
static uint32_t max_exponent(const uint32_t *w, size_t n)
{
    uint32_t m = 0;
    for (size_t i = 0; i < n; i++) {
        uint32_t e = (w[i] >> 23) & 0xff;
        m = e > m ? e : m;
    }
    return m;
}

/* A weight's shift to the common scale (clamped: zero and subnormal weights
 * shift out; e > E_REF gives garbage, and the row is redone) and its
 * mantissa with the sign applied. */
#define DECODE(u, s, m)                                                       \
    do {                                                                      \
        int32_t s_ = SHIFT0 - (int32_t)(((u) >> 23) & 0xff);                  \
        (s) = (s_ > 63 ? 63 : s_) & 63;                                       \
        int64_t sg_ = (int64_t)((int32_t)(u) >> 31);                          \
        (m) = ((int64_t)(((u) & 0x7fffffu) | 0x800000u) ^ sg_) - sg_;         \
    } while (0)

/* An encoded weight (QT_F32FX, f32_fixed.h): its signed mantissa and its
 * shift (zeros, shift 64 or 65, have mantissa 0: any shift will do). */
#define ENC_M(v) ((int64_t)((int32_t)(v) >> 7))
#define ENC_S(v) ((v) & 63)

/* One weight's mantissa and shift, from the float (tracking the OR of the
 * row's bits in *o) or from its encoding; `encoded` is a constant at every
 * call, so each instance has no branch on it. */
static inline __attribute__((always_inline)) void weight(uint32_t u, const int encoded, int64_t *m, uint32_t *s,
                                                         uint32_t *o)
{
    if (encoded) {
        *m = ENC_M(u);
        *s = ENC_S(u);
        return;
    }
    int32_t sh;
    *o |= u;
    DECODE(u, sh, *m);
    *s = (uint32_t)sh;
}

/* Fixed-point dot of one row with one activation; *ob gets the OR of the
 * row's bits (its exponent field bounds every exponent in the row; 0 for
 * encoded rows, which need no check). Two weights and two activations per
 * load: under TCG a guest load is a softmmu lookup, a shift is one host
 * instruction. */
static inline __attribute__((always_inline)) int64_t row_dot1(const uint32_t *w, size_t cols, const int32_t *x,
                                                              uint32_t *ob, const int encoded)
{
    int64_t acc = 0;
    uint32_t o = 0;
    size_t i = 0;
    for (; i + 2 <= cols; i += 2) {
        uint64_t wp, xp;
        __builtin_memcpy(&wp, w + i, sizeof wp);
        __builtin_memcpy(&xp, x + i, sizeof xp);
        int64_t m0, m1;
        uint32_t s0, s1;
        weight((uint32_t)wp, encoded, &m0, &s0, &o);
        weight((uint32_t)(wp >> 32), encoded, &m1, &s1, &o);
        acc += (m0 * (int32_t)xp) >> s0;
        acc += (m1 * (int32_t)(xp >> 32)) >> s1;
    }
    for (; i < cols; i++) {
        int64_t m0;
        uint32_t s0;
        weight(w[i], encoded, &m0, &s0, &o);
        acc += (m0 * x[i]) >> s0;
    }
    *ob = o;
    return acc;
}

/* The same for TOK_GROUP activations stored interleaved (element i of
 * token k at x[i * TOK_GROUP + k]): each weight is decoded once for the
 * group, and two activations come per 64-bit load. */
static inline __attribute__((always_inline)) void row_dot_group(const uint32_t *w, size_t cols, const int32_t *x,
                                                                int64_t acc[TOK_GROUP], uint32_t *ob,
                                                                const int encoded)
{
    int64_t a[TOK_GROUP] = { 0 };
    uint32_t o = 0;
    for (size_t i = 0; i < cols; i++, x += TOK_GROUP) {
        int64_t m;
        uint32_t s;
        weight(w[i], encoded, &m, &s, &o);
#pragma GCC unroll 8
        for (int k = 0; k < TOK_GROUP; k += 2) {
            uint64_t xp;
            __builtin_memcpy(&xp, x + k, sizeof xp);
            a[k] += (m * (int32_t)xp) >> s;
            a[k + 1] += (m * ((int64_t)xp >> 32)) >> s;
        }
    }
    for (int k = 0; k < TOK_GROUP; k++)
        acc[k] = a[k];
    *ob = o;
}

/* The activations to fixed point (exps[k] per token), groups of
 * TOK_GROUP interleaved; -ERANGE if one is not finite. */
static int prepare_x(const float *x, size_t ldx, uint32_t n_tok, size_t cols, int32_t *xv, int *exps, int32_t *tmp)
{
    const uint32_t n_grouped = n_tok / TOK_GROUP * TOK_GROUP;
    for (uint32_t k = 0; k < n_tok; k++) {
        int32_t *dst = k < n_grouped ? tmp : xv + (size_t)k * cols;
        int rc = to_fixed(x + (size_t)k * ldx, cols, dst, &exps[k]);
        if (rc < 0)
            return rc;
        if (k < n_grouped) {   /* interleave: group k / G, element i at [i * G + k % G] */
            int32_t *g = xv + (size_t)(k / TOK_GROUP) * TOK_GROUP * cols + k % TOK_GROUP;
            for (size_t i = 0; i < cols; i++)
                g[i * TOK_GROUP] = tmp[i];
        }
    }
    return 0;
}

static inline float scale_out(int64_t acc, int exp) { return (float)((double)acc * pow2d(SHIFT0 - 150 - XBITS + exp)); }

/* Both matmuls; `encoded` is a constant at each call (no fallback then:
 * every encoded weight is in range). */
static inline __attribute__((always_inline)) int matmul_body(const uint32_t *w, size_t rows, size_t cols,
                                                             const float *x, size_t ldx, uint32_t n_tok, float *out,
                                                             size_t ldo, void *scratch, f32fx_fallback_fn fallback,
                                                             const int encoded)
{
    if (!f32fx_scratch_bytes(cols, n_tok) || n_tok == 0)
        return -EINVAL;
    int32_t *xv = (int32_t *)(((uintptr_t)scratch + 15) & ~(uintptr_t)15);
    int *exps = (int *)(xv + (size_t)n_tok * cols);
    int rc = prepare_x(x, ldx, n_tok, cols, xv, exps, (int32_t *)(exps + n_tok));
    if (rc < 0)
        return rc;
    const uint32_t *row = w;
    for (size_t r = 0; r < rows; r++, row += cols) {
        for (uint32_t k0 = 0; k0 < n_tok;) {
            const int nt = n_tok - k0 < TOK_GROUP ? 1 : TOK_GROUP;   /* the tail one at a time */
            const int32_t *x0 = xv + (size_t)k0 * cols;
            int64_t acc[TOK_GROUP];
            uint32_t ob;
            if (nt == 1)
                acc[0] = row_dot1(row, cols, x0, &ob, encoded);
            else
                row_dot_group(row, cols, x0, acc, &ob, encoded);
            const int redo = !encoded && ((ob >> 23) & 0xff) > E_REF && max_exponent(row, cols) > E_REF;
            for (int k = 0; k < nt; k++) {
                float *o = &out[(size_t)(k0 + k) * ldo + r];
                if (redo)
                    fallback(cols, o, row, x + (size_t)(k0 + k) * ldx);
                else
                    *o = scale_out(acc[k], exps[k0 + k]);
            }
            k0 += (uint32_t)nt;
        }
    }
    return 0;
}

int f32fx_matmul(const float *w, size_t rows, size_t cols, const float *x, size_t ldx, uint32_t n_tok,
                 float *out, size_t ldo, void *scratch, f32fx_fallback_fn fallback)
{
    return matmul_body((const uint32_t *)w, rows, cols, x, ldx, n_tok, out, ldo, scratch, fallback, 0);
}

int f32fx_matmul_encoded(const uint32_t *w, size_t rows, size_t cols, const float *x, size_t ldx, uint32_t n_tok,
                         float *out, size_t ldo, void *scratch)
{
    return matmul_body(w, rows, cols, x, ldx, n_tok, out, ldo, scratch, 0, 1);
}

/* ---- the encoding ---- */

int f32fx_encode(uint32_t *w, size_t n)
{
    for (size_t i = 0; i < n; i++) {   /* every weight must qualify, or none is touched */
        const uint32_t a = w[i] & 0x7fffffffu, e = a >> 23;
        if (a != 0 && (e < SHIFT0 - 63 || e > E_REF))
            return 0;
    }
    for (size_t i = 0; i < n; i++) {
        const uint32_t u = w[i], a = u & 0x7fffffffu;
        if (a == 0) {
            w[i] = 64u | (u >> 31);   /* mantissa 0; shift 64 (+0) or 65 (-0) */
            continue;
        }
        const int32_t m = (int32_t)((a & 0x7fffffu) | 0x800000u);
        w[i] = (uint32_t)((u >> 31 ? -m : m) * 128) | (uint32_t)(SHIFT0 - (a >> 23));
    }
    return 1;
}

static inline float decode_one(uint32_t v)
{
    const int32_t m = (int32_t)v >> 7;
    if (m == 0)
        return k_bits_float((v & 1) << 31);
    const uint32_t mag = (uint32_t)(m < 0 ? -m : m), e = SHIFT0 - (v & 127);
    return k_bits_float((m < 0 ? 0x80000000u : 0) | e << 23 | (mag & 0x7fffffu));
}

void f32fx_decode_row(const uint32_t *v, float *dst, size_t n)
{
    for (size_t i = 0; i < n; i++)
        dst[i] = decode_one(v[i]);
}
