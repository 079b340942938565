/* matmul: W (rows x cols, any weight type) times n_tok activation vectors.
 *
 * Generic path: convert every token's activation once, then for each row
 * call the type's vec_dot with every token (the row stays in cache).
 *
 * Q8_0 and Q5_0 rows with the generic-order kernels (scalar or SSE2, which
 * are bit-exact with each other): under QEMU's TCG the cost is instructions,
 * not memory, so sharing work across tokens is what pays. Each weight row is
 * unpacked once to int16, each token's Q8_0 activation once to int16, and
 * four tokens are dotted at a time: the four integer block sums come out in
 * one vector (pmaddwd, then a transpose-add), are converted with one
 * cvtdq2ps and scaled with one mulps per factor. Each lane does exactly the
 * scalar kernel's float operations, in its order:
 *     sum += (float)isum * (d_w * d_x)
 * (IEEE multiplication commutes, so Q5_0's (d_w * d_x) * isum is the same),
 * and integer sums are exact in any order, so every result is bit-identical
 * to vec_dot's for that row and token.
 *
 * Q4_K/Q5_K/Q6_K (generic order): matmul_k.c for several tokens,
 * matvec_k.c for one. */
#include <emmintrin.h>

#include "math/f32_fixed.h"
#include "math/matmul.h"
#include "math/matmul_k.h"
#include "math/quant.h"
#include "lib/errno.h"
#include "lib/string.h"

#define TOK_GROUP 4

static size_t round16(size_t n) { return (n + 15) & ~(size_t)15; }
static uint32_t pad_tok(uint32_t n) { return (n + TOK_GROUP - 1) / TOK_GROUP * TOK_GROUP; }

/* The int16 fast path applies: Q8_0/Q5_0 weights whose dot is in the
 * generic float order (every variant but the haswell-order ones is
 * bit-exact with the scalar oracle). */
static int fast_path(const struct quant_type *t)
{
    return (t->type == QT_Q8_0 || t->type == QT_Q5_0) && t->vec_dot_type == QT_Q8_0 &&
           quant_dot_order(t->vec_dot) == QUANT_ORDER_GENERIC;
}

/* Fast-path scratch: the converted Q8_0 rows (n_tok), the tokens' int16
 * values (padded token count x cols), their scales laid out [block][token],
 * and one unpacked weight row (int16 values, float scales). */
struct fast_layout { size_t conv, xw, dx, ww, dw, total; };

static void fast_layout(size_t cols, uint32_t n_tok, struct fast_layout *l)
{
    size_t nb = cols / QK8_0;
    uint32_t np = pad_tok(n_tok);
    l->conv = 0;
    l->xw = round16(l->conv + n_tok * quant_row_bytes(QT_Q8_0, cols));
    l->dx = round16(l->xw + (size_t)np * cols * sizeof(int16_t));
    l->ww = round16(l->dx + nb * np * sizeof(float));
    l->dw = round16(l->ww + cols * sizeof(int16_t));
    l->total = round16(l->dw + nb * sizeof(float)) + 16;   /* + alignment slack */
}

size_t matmul_scratch_bytes(uint32_t type, size_t cols, uint32_t n_tok)
{
    const struct quant_type *t = quant_type_get(type);
    if (!t || !quant_row_bytes(type, cols))
        return 0;
    if (t->type == QT_F32)
        return f32fx_scratch_bytes(cols, n_tok);   /* 0 where only the exact path runs */
    size_t generic = t->vec_dot_type == QT_F32 ? 0 : n_tok * quant_row_bytes(t->vec_dot_type, cols);
    if (t->type == QT_Q4_K || t->type == QT_Q5_K || t->type == QT_Q6_K) {
        size_t k = n_tok == 1 ? matvec_k_scratch_bytes(cols) : matmul_k_scratch_bytes(cols, n_tok);
        return k > generic ? k : generic;
    }
    if (n_tok == 1)
        return generic;   /* one token: matvec_rows4 needs only the converted row, as matvec */
    if (t->type != QT_Q8_0 && t->type != QT_Q5_0)
        return generic;
    struct fast_layout l;
    fast_layout(cols, n_tok, &l);   /* whether or not the fast path is chosen at run time */
    return l.total > generic ? l.total : generic;
}

/* One weight row to int16 values and float scales. */
static void unpack_q8_0(const void *row, size_t nb, int16_t *ww, float *dw, const float *f16)
{
    const struct block_q8_0 *b = row;
    for (size_t i = 0; i < nb; i++) {
        dw[i] = f16[b[i].d];
        for (int h = 0; h < 2; h++) {
            __m128i v = _mm_loadu_si128((const __m128i *)(b[i].qs + 16 * h));
            _mm_store_si128((__m128i *)(ww + 32 * i + 16 * h), _mm_srai_epi16(_mm_unpacklo_epi8(v, v), 8));
            _mm_store_si128((__m128i *)(ww + 32 * i + 16 * h + 8), _mm_srai_epi16(_mm_unpackhi_epi8(v, v), 8));
        }
    }
}

/* Four int32x4 partial sums -> the four totals in one vector. */
static inline __m128i hsum4(__m128i a, __m128i b, __m128i c, __m128i d)
{
    __m128i ab = _mm_add_epi32(_mm_unpacklo_epi32(a, b), _mm_unpackhi_epi32(a, b));
    __m128i cd = _mm_add_epi32(_mm_unpacklo_epi32(c, d), _mm_unpackhi_epi32(c, d));
    return _mm_add_epi32(_mm_unpacklo_epi64(ab, cd), _mm_unpackhi_epi64(ab, cd));
}

static inline __m128i dot32(const int16_t *w, const int16_t *x)
{
    const __m128i *a = (const __m128i *)w, *b = (const __m128i *)x;
    __m128i s = _mm_add_epi32(_mm_madd_epi16(a[0], b[0]), _mm_madd_epi16(a[1], b[1]));
    return _mm_add_epi32(s, _mm_add_epi32(_mm_madd_epi16(a[2], b[2]), _mm_madd_epi16(a[3], b[3])));
}


/* 16 signed bytes -> two int16 vectors. */
static inline void widen(__m128i v, __m128i *lo, __m128i *hi)
{
    *lo = _mm_srai_epi16(_mm_unpacklo_epi8(v, v), 8);
    *hi = _mm_srai_epi16(_mm_unpackhi_epi8(v, v), 8);
}

/* Q5_0's fifth bits: for 8 bits of qh, the 8 bytes to add to the low
 * nibbles so that they become the signed values (nibble | bit << 4) - 16,
 * i.e. 0 where the bit is set and -16 (0xF0) where it is not. Two 8-byte
 * loads per 16 elements instead of the unpack/compare sequence (unpacks are
 * helper calls under TCG); 2 KiB of constants, built by the compiler. */
#define Q5B(v, j) ((uint64_t)(((v) >> (j)) & 1 ? 0x00 : 0xF0) << (8 * (j)))
#define Q5E(v) (Q5B(v, 0) | Q5B(v, 1) | Q5B(v, 2) | Q5B(v, 3) | Q5B(v, 4) | Q5B(v, 5) | Q5B(v, 6) | Q5B(v, 7))
#define Q5E4(v) Q5E(v), Q5E((v) + 1), Q5E((v) + 2), Q5E((v) + 3)
#define Q5E16(v) Q5E4(v), Q5E4((v) + 4), Q5E4((v) + 8), Q5E4((v) + 12)
#define Q5E64(v) Q5E16(v), Q5E16((v) + 16), Q5E16((v) + 32), Q5E16((v) + 48)
static const uint64_t q5_high_bits[256] = { Q5E64(0), Q5E64(64), Q5E64(128), Q5E64(192) };

/* One Q8_0 or Q5_0 weight block as signed bytes (elements 0-15, 16-31). */
static inline void block_bytes(uint32_t type, const uint8_t *blk, __m128i *e0, __m128i *e1)
{
    if (type == QT_Q8_0) {
        const struct block_q8_0 *b = (const void *)blk;
        *e0 = _mm_loadu_si128((const __m128i *)b->qs);
        *e1 = _mm_loadu_si128((const __m128i *)(b->qs + 16));
        return;
    }
    const struct block_q5_0 *b = (const void *)blk;
    const __m128i m4 = _mm_set1_epi8(0x0F);
    const uint64_t *hb = q5_high_bits;
    uint32_t qh = (uint32_t)b->qh[0] | (uint32_t)b->qh[1] << 8 | (uint32_t)b->qh[2] << 16 | (uint32_t)b->qh[3] << 24;
    __m128i q = _mm_loadu_si128((const __m128i *)b->qs);
    const __m128i h0 = _mm_set_epi64x((long long)hb[(qh >> 8) & 0xFF], (long long)hb[qh & 0xFF]);
    const __m128i h1 = _mm_set_epi64x((long long)hb[qh >> 24], (long long)hb[(qh >> 16) & 0xFF]);
    *e0 = _mm_add_epi8(_mm_and_si128(q, m4), h0);
    *e1 = _mm_add_epi8(_mm_and_si128(_mm_srli_epi16(q, 4), m4), h1);
}

/* One Q5_0 weight row to int16 values and float scales (prefill). */
static void unpack_q5_0(const void *row, size_t nb, int16_t *ww, float *dw, const float *f16)
{
    const struct block_q5_0 *b = row;
    for (size_t i = 0; i < nb; i++) {
        __m128i e0, e1, v0, v1;
        dw[i] = f16[b[i].d];
        block_bytes(QT_Q5_0, (const uint8_t *)&b[i], &e0, &e1);
        widen(e0, &v0, &v1);
        _mm_store_si128((__m128i *)(ww + 32 * i), v0);
        _mm_store_si128((__m128i *)(ww + 32 * i + 8), v1);
        widen(e1, &v0, &v1);
        _mm_store_si128((__m128i *)(ww + 32 * i + 16), v0);
        _mm_store_si128((__m128i *)(ww + 32 * i + 24), v1);
    }
}

/* The activation, widened once per matvec and split into even and odd
 * elements per 16: for block i, vectors 4i..4i+3 hold elements
 * (0,2,..,14), (1,3,..,15), (16,..,30), (17,..,31). Then a weight byte pair
 * read as one int16 word gives its even element with two shifts and its odd
 * one with one (shifts are host vector ops under TCG; unpacks are helper
 * calls). Up to XSPLIT_MAX columns; wider rows use vec_dot. */
#define XSPLIT_MAX 32768
static __m128i xsplit[XSPLIT_MAX / 8];

static void split_x(const struct block_q8_0 *x, size_t nb)
{
    int16_t *o = (int16_t *)xsplit;
    for (size_t i = 0; i < nb; i++, o += 32)
        for (int h = 0; h < 2; h++)
            for (int k = 0; k < 8; k++) {
                o[16 * h + k] = x[i].qs[16 * h + 2 * k];
                o[16 * h + 8 + k] = x[i].qs[16 * h + 2 * k + 1];
            }
}

/* sum of w*x over one block: w as 32 signed bytes, x split (4 vectors). */
static inline __m128i block_dot_split(__m128i e0, __m128i e1, const __m128i *xv)
{
    __m128i s0 = _mm_add_epi32(_mm_madd_epi16(_mm_srai_epi16(_mm_slli_epi16(e0, 8), 8), xv[0]),
                               _mm_madd_epi16(_mm_srai_epi16(e0, 8), xv[1]));
    __m128i s1 = _mm_add_epi32(_mm_madd_epi16(_mm_srai_epi16(_mm_slli_epi16(e1, 8), 8), xv[2]),
                               _mm_madd_epi16(_mm_srai_epi16(e1, 8), xv[3]));
    return _mm_add_epi32(s0, s1);
}

/* One token, four rows at a time: the rows' block sums come out in one
 * vector and are scaled in float lanes (lane = row), each lane doing the
 * scalar kernel's sum += (float)isum * (d_w * d_x). Tail rows go through
 * vec_dot. Instantiated per weight type so that the loop body has no
 * branch: under TCG every branch ends a translation block, and each block
 * stores and reloads the guest registers it uses. */
static inline __attribute__((always_inline)) void rows4_body(uint32_t type, const void *w, size_t rows, size_t cols,
                                                             const struct block_q8_0 *x, float *out,
                                                             const float *f16, size_t *done)
{
    const size_t nb = cols / QK8_0, wrow = quant_row_bytes(type, cols);
    const size_t bb = type == QT_Q8_0 ? sizeof(struct block_q8_0) : sizeof(struct block_q5_0);
    const uint8_t *row = w;
    size_t r = 0;
    for (; r + 4 <= rows; r += 4, row += 4 * wrow) {
        __m128 sum = _mm_setzero_ps();
        const uint8_t *blk = row;
        for (size_t i = 0; i < nb; i++, blk += bb) {
            __m128i e0, e1, s[4];
#pragma GCC unroll 4
            for (int j = 0; j < 4; j++) {
                block_bytes(type, blk + j * wrow, &e0, &e1);
                s[j] = block_dot_split(e0, e1, xsplit + 4 * i);
            }
            /* d is the first field of both block types */
            __m128 dw = _mm_set_ps(f16[*(const uint16_t *)(blk + 3 * wrow)], f16[*(const uint16_t *)(blk + 2 * wrow)],
                                   f16[*(const uint16_t *)(blk + wrow)], f16[*(const uint16_t *)blk]);
            __m128 d = _mm_mul_ps(dw, _mm_set1_ps(f16[x[i].d]));
            sum = _mm_add_ps(sum, _mm_mul_ps(_mm_cvtepi32_ps(hsum4(s[0], s[1], s[2], s[3])), d));
        }
        _mm_storeu_ps(out + r, sum);
    }
    *done = r;
}

static void matvec_rows4(const struct quant_type *t, const void *w, size_t rows, size_t cols, const void *xq,
                         float *out)
{
    const struct block_q8_0 *x = xq;
    const size_t wrow = quant_row_bytes(t->type, cols);
    size_t r = 0;
    if (cols <= XSPLIT_MAX) {   /* wider rows: vec_dot */
        split_x(x, cols / QK8_0);
        if (t->type == QT_Q8_0)
            rows4_body(QT_Q8_0, w, rows, cols, x, out, quant_f16_table(), &r);
        else
            rows4_body(QT_Q5_0, w, rows, cols, x, out, quant_f16_table(), &r);
    }
    for (const uint8_t *row = (const uint8_t *)w + r * wrow; r < rows; r++, row += wrow)
        t->vec_dot(cols, &out[r], row, xq);
}

static int matmul_fast(const struct quant_type *t, const void *w, size_t rows, size_t cols, const float *x,
                       size_t ldx, uint32_t n_tok, float *out, size_t ldo, void *scratch)
{
    const float *f16 = quant_f16_table();
    const size_t nb = cols / QK8_0, xrow = quant_row_bytes(QT_Q8_0, cols), wrow = quant_row_bytes(t->type, cols);
    const uint32_t np = pad_tok(n_tok);
    struct fast_layout l;
    fast_layout(cols, n_tok, &l);
    uint8_t *base = (uint8_t *)(((uintptr_t)scratch + 15) & ~(uintptr_t)15);
    uint8_t *conv = base + l.conv;
    int16_t *xw = (int16_t *)(base + l.xw), *ww = (int16_t *)(base + l.ww);
    float *dx = (float *)(base + l.dx), *dw = (float *)(base + l.dw);
    for (uint32_t k = 0; k < np; k++) {
        if (k >= n_tok) {   /* padding tokens: zeros, results discarded */
            memset(xw + (size_t)k * cols, 0, cols * sizeof(int16_t));
            for (size_t i = 0; i < nb; i++)
                dx[i * np + k] = 0.0f;
            continue;
        }
        quant_convert_activations(QT_Q8_0, x + (size_t)k * ldx, conv + (size_t)k * xrow, cols);
        unpack_q8_0(conv + (size_t)k * xrow, nb, xw + (size_t)k * cols, dw, f16);
        for (size_t i = 0; i < nb; i++)
            dx[i * np + k] = dw[i];
    }
    void (*unpack)(const void *, size_t, int16_t *, float *, const float *) =
        t->type == QT_Q8_0 ? unpack_q8_0 : unpack_q5_0;
    const uint8_t *row = w;
    for (size_t r = 0; r < rows; r++, row += wrow) {
        unpack(row, nb, ww, dw, f16);
        for (uint32_t k = 0; k < np; k += TOK_GROUP) {
            const int16_t *x0 = xw + (size_t)k * cols;
            __m128 sum = _mm_setzero_ps();
            for (size_t i = 0; i < nb; i++) {
                const int16_t *wi = ww + 32 * i, *xi = x0 + 32 * i;
                __m128i s = hsum4(dot32(wi, xi), dot32(wi, xi + cols), dot32(wi, xi + 2 * cols),
                                  dot32(wi, xi + 3 * cols));
                __m128 d = _mm_mul_ps(_mm_set1_ps(dw[i]), _mm_load_ps(dx + i * np + k));
                sum = _mm_add_ps(sum, _mm_mul_ps(_mm_cvtepi32_ps(s), d));
            }
            float lanes[TOK_GROUP];
            _mm_storeu_ps(lanes, sum);
            for (uint32_t j = 0; j < TOK_GROUP && k + j < n_tok; j++)
                out[(size_t)(k + j) * ldo + r] = lanes[j];
        }
    }
    return 0;
}

int matmul(uint32_t type, const void *w, size_t rows, size_t cols, const float *x, size_t ldx, uint32_t n_tok,
           float *out, size_t ldo, void *scratch)
{
    const struct quant_type *t = quant_type_get(type);
    if (!t)
        return -ENOTSUP;
    size_t wrow = quant_row_bytes(type, cols), xrow = quant_row_bytes(t->vec_dot_type, cols);
    if (!wrow || !xrow || n_tok == 0)
        return -EINVAL;
    /* F32 in fixed point unless exact mode; not finite activations (-ERANGE)
     * or too wide rows run the exact path */
    if (type == QT_F32 && !f32fx_exact() && scratch &&
        f32fx_matmul(w, rows, cols, x, ldx, n_tok, out, ldo, scratch, t->vec_dot) == 0)
        return 0;
    if (fast_path(t) && n_tok == 1) {
        quant_convert_activations(QT_Q8_0, x, scratch, cols);
        matvec_rows4(t, w, rows, cols, scratch, out);
        return 0;
    }
    if (n_tok == 1 && matmul_k_supported(t))
        return matvec_k(t, w, rows, cols, x, out, scratch);
    if (n_tok > 1 && matmul_k_supported(t))
        return matmul_k(t, w, rows, cols, x, ldx, n_tok, out, ldo, scratch);
    if (fast_path(t))
        return matmul_fast(t, w, rows, cols, x, ldx, n_tok, out, ldo, scratch);
    const uint8_t *xc = (const uint8_t *)x;
    if (t->vec_dot_type == QT_F32) {
        xrow = ldx * sizeof(float);
    } else {
        for (uint32_t k = 0; k < n_tok; k++)
            quant_convert_activations(t->vec_dot_type, x + (size_t)k * ldx, (uint8_t *)scratch + k * xrow, cols);
        xc = scratch;
    }
    quant_dot_fn dot = t->vec_dot;
    const uint8_t *row = w;
    for (size_t r = 0; r < rows; r++, row += wrow)
        for (uint32_t k = 0; k < n_tok; k++)
            dot(cols, &out[(size_t)k * ldo + r], row, xc + (size_t)k * xrow);
    return 0;
}
