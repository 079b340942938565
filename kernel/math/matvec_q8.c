/* Q8_0 and Q5_0 rows times one token (decode), four rows at a time,
 * bit-identical to the generic-order vec_dot: the Q8_0 activation is split
 * once into even and odd int16 elements, the four rows' integer block
 * sums come out in one vector, and the float steps are the scalar kernel's
 *     sum += (float)isum * (d_w * d_x)
 * per lane (lane = row; IEEE multiplication commutes, so Q5_0's
 * (d_w * d_x) * isum is the same). Integer sums are exact in any order. */
#include <emmintrin.h>

#include "math/matmul_q8.h"
#include "math/q8_blocks.h"

/* Four int32x4 partial sums -> the four totals in one vector. */
static inline __m128i hsum4(__m128i a, __m128i b, __m128i c, __m128i d)
{
    __m128i ab = _mm_add_epi32(_mm_unpacklo_epi32(a, b), _mm_unpackhi_epi32(a, b));
    __m128i cd = _mm_add_epi32(_mm_unpacklo_epi32(c, d), _mm_unpackhi_epi32(c, d));
    return _mm_add_epi32(_mm_unpacklo_epi64(ab, cd), _mm_unpackhi_epi64(ab, cd));
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

/* Sum of w*x over one block, w as 32 signed bytes, x split (4 vectors):
 * int16 products (pmullw, a host vector op under TCG) added in int16 as far
 * as they fit, then pmaddwd with ones (a helper call) to widen. The bounds
 * use |x| <= 127 (the activation quantizer's range). Measured (mathbench
 * --decode, 32000x288): Q8_0 12.0 -> 10.7 ms, Q5_0 16.4 -> 12.2 ms against
 * four pmaddwd of the products. */
/* Q5_0 (|w| <= 16): int16 products (pmullw, a host vector op) summed in
 * int16 (4 * 16 * 127 per lane), one pmaddwd with ones to widen. */
static inline __m128i block_dot_q5(__m128i e0, __m128i e1, const __m128i *xv)
{
    const __m128i p0 = _mm_add_epi16(_mm_mullo_epi16(_mm_srai_epi16(_mm_slli_epi16(e0, 8), 8), xv[0]),
                                     _mm_mullo_epi16(_mm_srai_epi16(e0, 8), xv[1]));
    const __m128i p1 = _mm_add_epi16(_mm_mullo_epi16(_mm_srai_epi16(_mm_slli_epi16(e1, 8), 8), xv[2]),
                                     _mm_mullo_epi16(_mm_srai_epi16(e1, 8), xv[3]));
    return _mm_madd_epi16(_mm_add_epi16(p0, p1), _mm_set1_epi16(1));
}

/* Q8_0 (|w| <= 128): two int16 products per lane (<= 2 * 128 * 127), two
 * pmaddwd with ones to widen. */
static inline __m128i block_dot_q8(__m128i e0, __m128i e1, const __m128i *xv)
{
    const __m128i ones = _mm_set1_epi16(1);
    const __m128i p0 = _mm_add_epi16(_mm_mullo_epi16(_mm_srai_epi16(_mm_slli_epi16(e0, 8), 8), xv[0]),
                                     _mm_mullo_epi16(_mm_srai_epi16(e0, 8), xv[1]));
    const __m128i p1 = _mm_add_epi16(_mm_mullo_epi16(_mm_srai_epi16(_mm_slli_epi16(e1, 8), 8), xv[2]),
                                     _mm_mullo_epi16(_mm_srai_epi16(e1, 8), xv[3]));
    return _mm_add_epi32(_mm_madd_epi16(p0, ones), _mm_madd_epi16(p1, ones));
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
                s[j] = type == QT_Q5_0 ? block_dot_q5(e0, e1, xsplit + 4 * i) : block_dot_q8(e0, e1, xsplit + 4 * i);
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

void matvec_q8(const struct quant_type *t, const void *w, size_t rows, size_t cols, const void *xq,
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

