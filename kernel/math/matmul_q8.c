/* Q8_0 and Q5_0 rows times several tokens (prompt evaluation) in general
 * registers, bit-identical to the generic-order vec_dot.
 *
 * Under QEMU's TCG, integer instructions on general registers run as host
 * instructions, while SSE integer code goes through the vector registers'
 * memory copies (pmaddwd is a helper call). So three tokens' Q8_0 values
 * are packed into one 64-bit word, 21 bits each:
 *     P[i] = x0[i] + x1[i] * 2^21 + x2[i] * 2^42
 * and one multiply by a weight w[i] gives w[i] x_t[i] for all three, in
 * their fields. Summed over a 32-element block, each field is that token's
 * integer block sum: |w| <= 128 and |x| <= 127 (the activation quantizer's
 * range) bound it by 32 * 128 * 127 < 2^20, so the fields never overlap
 * and the 64-bit arithmetic (modulo 2^64) gives them exactly. One load of
 * P[i] serves four rows.
 *
 * The twelve (row, token) block sums then take the scalar kernel's float
 * steps, sum += (float)isum * (d_w * d_x), in three SSE vectors; integer
 * sums are exact in any order, so every result is vec_dot's. */
#include <emmintrin.h>

#include "math/matmul_q8.h"
#include "math/q8_blocks.h"
#include "lib/string.h"

static size_t round16(size_t n) { return (n + 15) & ~(size_t)15; }

#define SW_TOK 3      /* tokens per 64-bit word */
#define SW_ROWS 4     /* rows per pass: 12 (row, token) sums = 3 SSE vectors */
#define SW_FIELD 21   /* bits per token in a word */

/* Scratch: the tokens' Q8_0 rows (conv), the packed words per group of
 * three tokens and element (pk), per group and block the tokens' scales in
 * the twelve lanes (dxv), one pass's four weight rows as bytes (wb) and
 * their scales in the lanes (dwv). Lane 3r + t is (row r, token t). */
struct swar_layout { size_t conv, pk, dxv, wb, dwv, total; };

static void swar_layout(size_t cols, uint32_t n_tok, struct swar_layout *l)
{
    size_t nb = cols / QK8_0, ng = (n_tok + SW_TOK - 1) / SW_TOK;
    l->conv = 0;
    l->pk = round16(l->conv + n_tok * quant_row_bytes(QT_Q8_0, cols));
    l->dxv = round16(l->pk + ng * cols * sizeof(uint64_t));
    l->wb = round16(l->dxv + ng * nb * 12 * sizeof(float));
    l->dwv = round16(l->wb + SW_ROWS * cols);
    l->total = round16(l->dwv + nb * 12 * sizeof(float)) + 16;
}

size_t matmul_q8_scratch_bytes(size_t cols, uint32_t n_tok)
{
    struct swar_layout l;
    swar_layout(cols, n_tok, &l);
    return l.total;
}

static inline uint64_t ld64(const void *p)
{
    uint64_t v;
    __builtin_memcpy(&v, p, sizeof v);
    return v;
}

/* The low field of v, sign-extended. */
static inline int32_t field(int64_t v) { return (int32_t)((int64_t)((uint64_t)v << (64 - SW_FIELD)) >> (64 - SW_FIELD)); }

/* The three fields of a sum (each |F| < 2^20) -> f[0..2]. */
static inline void unpack3(uint64_t a, int32_t *f)
{
    int64_t v = (int64_t)a;
    f[0] = field(v);
    v = (v - f[0]) >> SW_FIELD;
    f[1] = field(v);
    v = (v - f[1]) >> SW_FIELD;
    f[2] = (int32_t)v;
}

/* Four int32 as floats in one vector, through 64-bit moves (an unpack or
 * shuffle would be a helper call under TCG). */
static inline __m128 pack_i32x4(int32_t a, int32_t b, int32_t c, int32_t d)
{
    uint64_t lo = (uint32_t)a | (uint64_t)(uint32_t)b << 32, hi = (uint32_t)c | (uint64_t)(uint32_t)d << 32;
    return _mm_cvtepi32_ps(_mm_castps_si128(_mm_movelh_ps(_mm_castsi128_ps(_mm_cvtsi64_si128((long long)lo)),
                                                          _mm_castsi128_ps(_mm_cvtsi64_si128((long long)hi)))));
}

/* acc += (byte k of the weight word, signed) * the packed word pk */
#define SW_MAC(acc, wq, k) acc += (uint64_t)(int64_t)(int8_t)((wq) >> (8 * (k))) * pk

/* Every token to Q8_0 (conv), packed three to a word per element (pk),
 * and its block scales in its lanes (dxv); padding tokens are zeros. */
static void pack_tokens(const float *x, size_t ldx, uint32_t n_tok, size_t cols, const struct swar_layout *l,
                        uint8_t *base)
{
    const float *f16 = quant_f16_table();
    const size_t nb = cols / QK8_0, xrow = quant_row_bytes(QT_Q8_0, cols);
    const uint32_t ng = (n_tok + SW_TOK - 1) / SW_TOK;
    uint64_t *pk = (uint64_t *)(base + l->pk);
    float *dxv = (float *)(base + l->dxv);
    memset(pk, 0, ng * cols * sizeof(uint64_t));
    for (uint32_t k = 0; k < ng * SW_TOK; k++) {
        const uint32_t g = k / SW_TOK, tt = k % SW_TOK;
        struct block_q8_0 *xb = (struct block_q8_0 *)(base + l->conv + (size_t)k * xrow);
        if (k < n_tok) {
            quant_convert_activations(QT_Q8_0, x + (size_t)k * ldx, xb, cols);
            for (size_t i = 0; i < cols; i++)
                pk[g * cols + i] += (uint64_t)(int64_t)xb[i / QK8_0].qs[i % QK8_0] << (SW_FIELD * tt);
        }
        for (size_t i = 0; i < nb; i++)
            for (int r = 0; r < SW_ROWS; r++)
                dxv[((size_t)g * nb + i) * 12 + 3 * r + tt] = k < n_tok ? f16[xb[i].d] : 0.0f;
    }
}

/* Four weight rows as bytes (wb, row r at r * cols) and their block
 * scales in their lanes (dwv). */
static void unpack_rows(const struct quant_type *t, const uint8_t *row, size_t wrow, size_t cols, int8_t *wb,
                        float *dwv)
{
    const float *f16 = quant_f16_table();
    for (int r = 0; r < SW_ROWS; r++, row += wrow)
        for (size_t i = 0; i < cols / QK8_0; i++) {
            __m128i e0, e1;
            block_bytes(t->type, row + i * t->block_bytes, &e0, &e1);
            _mm_storeu_si128((__m128i *)(wb + r * cols + 32 * i), e0);
            _mm_storeu_si128((__m128i *)(wb + r * cols + 32 * i + 16), e1);
            const float d = f16[*(const uint16_t *)(row + i * t->block_bytes)];   /* d leads both block types */
            for (int tt = 0; tt < SW_TOK; tt++)
                dwv[i * 12 + 3 * r + tt] = d;
        }
}

/* The four rows' block sums with three tokens: 12 integers, lane order. */
static inline void block_sums(const int8_t *w0, size_t cols, const uint64_t *p, int32_t f[12])
{
    uint64_t a0 = 0, a1 = 0, a2 = 0, a3 = 0;
#pragma GCC unroll 4
    for (int e = 0; e < 32; e += 8) {
        const uint64_t q0 = ld64(w0 + e), q1 = ld64(w0 + cols + e), q2 = ld64(w0 + 2 * cols + e),
                       q3 = ld64(w0 + 3 * cols + e);
#pragma GCC unroll 8
        for (int k = 0; k < 8; k++) {
            uint64_t pk = p[e + k];
            __asm__("" : "+r"(pk));   /* one load for the four rows: gcc would fold it into each imul */
            SW_MAC(a0, q0, k);
            SW_MAC(a1, q1, k);
            SW_MAC(a2, q2, k);
            SW_MAC(a3, q3, k);
        }
    }
    unpack3(a0, f);
    unpack3(a1, f + 3);
    unpack3(a2, f + 6);
    unpack3(a3, f + 9);
}

int matmul_q8(const struct quant_type *t, const void *w, size_t rows, size_t cols, const float *x, size_t ldx,
              uint32_t n_tok, float *out, size_t ldo, void *scratch)
{
    const size_t nb = cols / QK8_0, xrow = quant_row_bytes(QT_Q8_0, cols), wrow = quant_row_bytes(t->type, cols);
    const uint32_t ng = (n_tok + SW_TOK - 1) / SW_TOK;
    struct swar_layout l;
    swar_layout(cols, n_tok, &l);
    uint8_t *base = (uint8_t *)(((uintptr_t)scratch + 15) & ~(uintptr_t)15);
    const uint64_t *pk = (const uint64_t *)(base + l.pk);
    const float *dxv = (const float *)(base + l.dxv);
    float *dwv = (float *)(base + l.dwv);
    int8_t *wb = (int8_t *)(base + l.wb);
    pack_tokens(x, ldx, n_tok, cols, &l, base);
    size_t r0 = 0;
    for (; r0 + SW_ROWS <= rows; r0 += SW_ROWS) {
        unpack_rows(t, (const uint8_t *)w + r0 * wrow, wrow, cols, wb, dwv);
        for (uint32_t g = 0; g < ng; g++) {
            const float *dx = dxv + (size_t)g * nb * 12;
            __m128 s0 = _mm_setzero_ps(), s1 = s0, s2 = s0;
            for (size_t i = 0; i < nb; i++, dx += 12) {
                int32_t f[12];
                block_sums(wb + 32 * i, cols, pk + (size_t)g * cols + 32 * i, f);
                const float *dw = dwv + 12 * i;
                s0 = _mm_add_ps(s0, _mm_mul_ps(pack_i32x4(f[0], f[1], f[2], f[3]),
                                               _mm_mul_ps(_mm_load_ps(dw), _mm_load_ps(dx))));
                s1 = _mm_add_ps(s1, _mm_mul_ps(pack_i32x4(f[4], f[5], f[6], f[7]),
                                               _mm_mul_ps(_mm_load_ps(dw + 4), _mm_load_ps(dx + 4))));
                s2 = _mm_add_ps(s2, _mm_mul_ps(pack_i32x4(f[8], f[9], f[10], f[11]),
                                               _mm_mul_ps(_mm_load_ps(dw + 8), _mm_load_ps(dx + 8))));
            }
            float lanes[12] __attribute__((aligned(16)));
            _mm_store_ps(lanes, s0);
            _mm_store_ps(lanes + 4, s1);
            _mm_store_ps(lanes + 8, s2);
            for (int r = 0; r < SW_ROWS; r++)
                for (uint32_t tt = 0; tt < SW_TOK && g * SW_TOK + tt < n_tok; tt++)
                    out[(size_t)(g * SW_TOK + tt) * ldo + r0 + r] = lanes[3 * r + tt];
        }
    }
    for (; r0 < rows; r0++)   /* tail rows: vec_dot on the converted tokens */
        for (uint32_t k = 0; k < n_tok; k++)
            t->vec_dot(cols, &out[(size_t)k * ldo + r0], (const uint8_t *)w + r0 * wrow,
                       base + l.conv + (size_t)k * xrow);
    return 0;
}
