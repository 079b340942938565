/* Q8_0 and Q5_0 rows times several tokens (prompt evaluation) in general
 * registers, bit-identical to the generic-order vec_dot.
 *
 * Under QEMU's TCG, integer instructions on general registers run as host
 * instructions, while SSE integer code goes through the vector registers'
 * memory copies (pmaddwd is a helper call). So G tokens' Q8_0 values are
 * packed into one 64-bit word, F bits each:
 *     P[i] = x0[i] + x1[i] * 2^F + x2[i] * 2^2F (+ x3[i] * 2^3F)
 * and one multiply by a weight w[i] gives w[i] x_t[i] for all G, in their
 * fields. Summed over n elements, each field is that token's integer sum,
 * and |x| <= 127 (the activation quantizer's range) bounds it:
 *  - Q8_0 (|w| <= 128): G = 3, F = 21, a whole block (n = 32) per sum:
 *    32 * 128 * 127 < 2^20;
 *  - Q5_0 (|w| <= 16): G = 4, F = 16, half a block (n = 16) per sum:
 *    16 * 16 * 127 < 2^15.
 * So the fields never overlap, and the 64-bit arithmetic (modulo 2^64)
 * gives them exactly. One load of P[i] serves four rows.
 *
 * The 4G (row, token) block sums then take the scalar kernel's float steps,
 * sum += (float)isum * (d_w * d_x), in G SSE vectors; integer sums are
 * exact in any order, so every result is vec_dot's. */
#include <emmintrin.h>

#include "math/matmul_q8.h"
#include "math/q8_blocks.h"
#include "lib/string.h"

static size_t round16(size_t n) { return (n + 15) & ~(size_t)15; }

#define SW_ROWS 4   /* rows per pass */
#define GMAX 4      /* tokens per word, at most */
/* Tokens per word, bits per token and elements per sum (see above). */
#define Q8_G 3
#define Q8_BITS 21
#define Q8_SPAN 32
#define Q5_G 4
#define Q5_BITS 16
#define Q5_SPAN 16

static inline uint32_t tokens_per_word(uint32_t type) { return type == QT_Q5_0 ? Q5_G : Q8_G; }
static inline uint32_t field_bits(uint32_t type) { return type == QT_Q5_0 ? Q5_BITS : Q8_BITS; }

/* Scratch: the tokens' Q8_0 rows (conv), the packed words per group of G
 * tokens and element (pk), per group and block the tokens' scales in the
 * 4G lanes (dxv), one pass's four weight rows as bytes (wb) and their
 * scales in the lanes (dwv). Lane G r + t is (row r, token t). */
struct swar_layout { size_t conv, pk, dxv, wb, dwv, total; };

static void swar_layout(size_t cols, uint32_t n_tok, uint32_t g, struct swar_layout *l)
{
    size_t nb = cols / QK8_0, ng = (n_tok + g - 1) / g;
    l->conv = 0;
    l->pk = round16(l->conv + n_tok * quant_row_bytes(QT_Q8_0, cols));
    l->dxv = round16(l->pk + ng * cols * sizeof(uint64_t));
    l->wb = round16(l->dxv + ng * nb * SW_ROWS * g * sizeof(float));
    l->dwv = round16(l->wb + SW_ROWS * cols);
    l->total = round16(l->dwv + nb * SW_ROWS * g * sizeof(float)) + 16;
}

size_t matmul_q8_scratch_bytes(size_t cols, uint32_t n_tok)
{
    struct swar_layout l3, l4;   /* Q8_0's and Q5_0's */
    swar_layout(cols, n_tok, Q8_G, &l3);
    swar_layout(cols, n_tok, Q5_G, &l4);
    return l3.total > l4.total ? l3.total : l4.total;
}

static inline uint64_t ld64(const void *p)
{
    uint64_t v;
    __builtin_memcpy(&v, p, sizeof v);
    return v;
}

/* The low `bits` bits of v, sign-extended. */
static inline int32_t field(int64_t v, uint32_t bits)
{
    return (int32_t)((int64_t)((uint64_t)v << (64 - bits)) >> (64 - bits));
}

/* The g fields of a sum (each within `bits` bits, signed) into f[0..g):
 * stored by the first span of a block, added by the next (first is a
 * constant at each call: no zeroing, no reloads of f under TCG). */
static inline __attribute__((always_inline)) void add_fields(uint64_t a, int32_t *f, const uint32_t g,
                                                             const uint32_t bits, const int first)
{
    int64_t v = (int64_t)a;
    for (uint32_t t = 0; t + 1 < g; t++) {
        const int32_t x = field(v, bits);
        f[t] = first ? x : f[t] + x;
        v = (v - x) >> bits;
    }
    f[g - 1] = first ? (int32_t)v : f[g - 1] + (int32_t)v;
}

/* Four int32 as floats in one vector, through 64-bit moves (an unpack or
 * shuffle would be a helper call under TCG). */
static inline __m128 pack_i32x4(const int32_t *f)
{
    uint64_t lo = (uint32_t)f[0] | (uint64_t)(uint32_t)f[1] << 32, hi = (uint32_t)f[2] | (uint64_t)(uint32_t)f[3] << 32;
    return _mm_cvtepi32_ps(_mm_castps_si128(_mm_movelh_ps(_mm_castsi128_ps(_mm_cvtsi64_si128((long long)lo)),
                                                          _mm_castsi128_ps(_mm_cvtsi64_si128((long long)hi)))));
}

/* acc += (byte k of the weight word, signed) * the packed word pk */
#define SW_MAC(acc, wq, k) acc += (uint64_t)(int64_t)(int8_t)((wq) >> (8 * (k))) * pk

/* Every token to Q8_0 (conv), packed g to a word per element (pk), and its
 * block scales in its lanes (dxv); padding tokens are zeros. */
static void pack_tokens(const float *x, size_t ldx, uint32_t n_tok, size_t cols, uint32_t g, uint32_t bits,
                        const struct swar_layout *l, uint8_t *base)
{
    const float *f16 = quant_f16_table();
    const size_t nb = cols / QK8_0, xrow = quant_row_bytes(QT_Q8_0, cols), lanes = SW_ROWS * g;
    const uint32_t ng = (n_tok + g - 1) / g;
    uint64_t *pk = (uint64_t *)(base + l->pk);
    float *dxv = (float *)(base + l->dxv);
    memset(pk, 0, ng * cols * sizeof(uint64_t));
    for (uint32_t k = 0; k < ng * g; k++) {
        const uint32_t grp = k / g, tt = k % g;
        struct block_q8_0 *xb = (struct block_q8_0 *)(base + l->conv + (size_t)k * xrow);
        if (k < n_tok) {
            quant_convert_activations(QT_Q8_0, x + (size_t)k * ldx, xb, cols);
            for (size_t i = 0; i < cols; i++)
                pk[grp * cols + i] += (uint64_t)(int64_t)xb[i / QK8_0].qs[i % QK8_0] << (bits * tt);
        }
        for (size_t i = 0; i < nb; i++)
            for (int r = 0; r < SW_ROWS; r++)
                dxv[((size_t)grp * nb + i) * lanes + g * r + tt] = k < n_tok ? f16[xb[i].d] : 0.0f;
    }
}

/* Four weight rows as bytes (wb, row r at r * cols) and their block
 * scales in their lanes (dwv). */
static void unpack_rows(const struct quant_type *t, const uint8_t *row, size_t wrow, size_t cols, uint32_t g,
                        int8_t *wb, float *dwv)
{
    const float *f16 = quant_f16_table();
    for (int r = 0; r < SW_ROWS; r++, row += wrow)
        for (size_t i = 0; i < cols / QK8_0; i++) {
            __m128i e0, e1;
            block_bytes(t->type, row + i * t->block_bytes, &e0, &e1);
            _mm_storeu_si128((__m128i *)(wb + r * cols + 32 * i), e0);
            _mm_storeu_si128((__m128i *)(wb + r * cols + 32 * i + 16), e1);
            const float d = f16[*(const uint16_t *)(row + i * t->block_bytes)];   /* d leads both block types */
            for (uint32_t tt = 0; tt < g; tt++)
                dwv[i * SW_ROWS * g + g * r + tt] = d;
        }
}

/* The four rows' block sums with g tokens: 4g integers, lane order; the
 * fields are taken out every `span` elements (32 or 16). */
static inline __attribute__((always_inline)) void block_sums(const int8_t *w0, size_t cols, const uint64_t *p,
                                                             int32_t *f, const uint32_t g, const uint32_t bits,
                                                             const int span)
{
#pragma GCC unroll 2
    for (int h = 0; h < 32; h += span) {
        uint64_t a0 = 0, a1 = 0, a2 = 0, a3 = 0;
#pragma GCC unroll 4
        for (int e = h; e < h + span; e += 8) {
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
        add_fields(a0, f, g, bits, h == 0);
        add_fields(a1, f + g, g, bits, h == 0);
        add_fields(a2, f + 2 * g, g, bits, h == 0);
        add_fields(a3, f + 3 * g, g, bits, h == 0);
    }
}

/* The whole product for one weight type (g, bits, span constants). */
static inline __attribute__((always_inline)) void swar_rows(const struct quant_type *t, const void *w, size_t rows,
                                                            size_t cols, uint32_t n_tok, float *out, size_t ldo,
                                                            const struct swar_layout *l, uint8_t *base,
                                                            const uint32_t g, const uint32_t bits, const int span,
                                                            size_t *done)
{
    const size_t nb = cols / QK8_0, wrow = quant_row_bytes(t->type, cols), lanes = SW_ROWS * g;
    const uint32_t ng = (n_tok + g - 1) / g;
    const uint64_t *pk = (const uint64_t *)(base + l->pk);
    const float *dxv = (const float *)(base + l->dxv);
    float *dwv = (float *)(base + l->dwv);
    int8_t *wb = (int8_t *)(base + l->wb);
    size_t r0 = 0;
    for (; r0 + SW_ROWS <= rows; r0 += SW_ROWS) {
        unpack_rows(t, (const uint8_t *)w + r0 * wrow, wrow, cols, g, wb, dwv);
        for (uint32_t grp = 0; grp < ng; grp++) {
            const float *dx = dxv + (size_t)grp * nb * lanes;
            __m128 s[GMAX];
            for (uint32_t v = 0; v < g; v++)
                s[v] = _mm_setzero_ps();
            for (size_t i = 0; i < nb; i++, dx += lanes) {
                int32_t f[SW_ROWS * GMAX];
                block_sums(wb + 32 * i, cols, pk + (size_t)grp * cols + 32 * i, f, g, bits, span);
                const float *dw = dwv + lanes * i;
                for (uint32_t v = 0; v < g; v++)
                    s[v] = _mm_add_ps(s[v], _mm_mul_ps(pack_i32x4(f + 4 * v),
                                                       _mm_mul_ps(_mm_load_ps(dw + 4 * v), _mm_load_ps(dx + 4 * v))));
            }
            float lane[SW_ROWS * GMAX] __attribute__((aligned(16)));
            for (uint32_t v = 0; v < g; v++)
                _mm_store_ps(lane + 4 * v, s[v]);
            for (int r = 0; r < SW_ROWS; r++)
                for (uint32_t tt = 0; tt < g && grp * g + tt < n_tok; tt++)
                    out[(size_t)(grp * g + tt) * ldo + r0 + r] = lane[g * r + tt];
        }
    }
    *done = r0;
}

int matmul_q8(const struct quant_type *t, const void *w, size_t rows, size_t cols, const float *x, size_t ldx,
              uint32_t n_tok, float *out, size_t ldo, void *scratch)
{
    const size_t xrow = quant_row_bytes(QT_Q8_0, cols), wrow = quant_row_bytes(t->type, cols);
    const uint32_t g = tokens_per_word(t->type), bits = field_bits(t->type);
    struct swar_layout l;
    swar_layout(cols, n_tok, g, &l);
    uint8_t *base = (uint8_t *)(((uintptr_t)scratch + 15) & ~(uintptr_t)15);
    pack_tokens(x, ldx, n_tok, cols, g, bits, &l, base);
    size_t r0;
    if (t->type == QT_Q5_0)
        swar_rows(t, w, rows, cols, n_tok, out, ldo, &l, base, Q5_G, Q5_BITS, Q5_SPAN, &r0);
    else
        swar_rows(t, w, rows, cols, n_tok, out, ldo, &l, base, Q8_G, Q8_BITS, Q8_SPAN, &r0);
    for (; r0 < rows; r0++)   /* tail rows: vec_dot on the converted tokens */
        for (uint32_t k = 0; k < n_tok; k++)
            t->vec_dot(cols, &out[(size_t)k * ldo + r0], (const uint8_t *)w + r0 * wrow,
                       base + l.conv + (size_t)k * xrow);
    return 0;
}
