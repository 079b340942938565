/* matmul for Q4_K, Q5_K and Q6_K rows over several tokens (prompt
 * evaluation), bit-identical to the generic-order vec_dot (scalar and SSE2
 * kernels of quant_k.c / quant_sse2.c):
 *
 * Those keep eight int32 lanes per 256-element superblock, lane l summing
 * scale(s) * (a[16s+l]*q[16s+l] + a[16s+l+8]*q[16s+l+8]) over the 16
 * sub-blocks s, then sums[l] += d * (float)lane[l] per superblock (and, for
 * Q4_K/Q5_K, sum -= dmin * (float)sum(bsums * mins)), and finally
 * sum + sums[0] + ... + sums[7]. Integer lane values are exact in any order,
 * so here each weight row is unpacked once into int16 pairs
 * (a[l]*scale, a[l+8]*scale) (|a*scale| <= 63*63 or 32*128: int16), each
 * token's Q8_K values once into pairs (q[l], q[l+8]), and one pmaddwd gives
 * four lanes' contribution of a sub-block. The float steps are the same
 * operations in the same order, in SSE lanes (lane = l). */
#include <emmintrin.h>

#include "math/matmul_k.h"
#include "math/quant.h"
#include "lib/string.h"

static size_t r16(size_t n) { return (n + 15) & ~(size_t)15; }

int matmul_k_supported(const struct quant_type *t)
{
    return (t->type == QT_Q4_K || t->type == QT_Q5_K || t->type == QT_Q6_K) && t->vec_dot_type == QT_Q8_K &&
           quant_dot_order(t->vec_dot) == QUANT_ORDER_GENERIC;
}

/* Scratch: converted tokens, their int16 pairs, one unpacked row (pairs,
 * per-superblock d, dmin and 8 mins). */
struct k_layout { size_t conv, xp, wp, fl, mins, total; };

static void k_layout(size_t cols, uint32_t n_tok, struct k_layout *l)
{
    size_t nsb = cols / QK_K;
    l->conv = 0;
    l->xp = r16(n_tok * quant_row_bytes(QT_Q8_K, cols));
    l->wp = r16(l->xp + (size_t)n_tok * cols * sizeof(int16_t));
    l->fl = r16(l->wp + cols * sizeof(int16_t));
    l->mins = r16(l->fl + 2 * nsb * sizeof(float));
    l->total = r16(l->mins + 8 * nsb * sizeof(int)) + 16;
}

size_t matmul_k_scratch_bytes(size_t cols, uint32_t n_tok)
{
    struct k_layout l;
    k_layout(cols, n_tok, &l);
    return l.total;
}

/* 256 values (element order) and 16 sub-block scales -> interleaved pairs. */
static void pairs(int16_t *o, const int8_t *v, const int *sc)
{
    for (int s = 0; s < 16; s++, o += 16)
        for (int l = 0; l < 8; l++) {
            o[2 * l] = (int16_t)(v[16 * s + l] * sc[s]);
            o[2 * l + 1] = (int16_t)(v[16 * s + l + 8] * sc[s]);
        }
}

static void unpack_row(uint32_t type, const uint8_t *row, size_t nsb, int16_t *wp, float *fl, int *mins,
                       const float *f16)
{
    int8_t v[QK_K];
    int sc[16];
    for (size_t i = 0; i < nsb; i++) {
        if (type == QT_Q6_K) {
            const struct block_q6_K *b = (const struct block_q6_K *)row + i;
            const uint8_t *ql = b->ql, *qh = b->qh;
            for (int n = 0; n < QK_K; n += 128, ql += 64, qh += 32)
                for (int l = 0; l < 32; l++) {
                    v[n + l] = (int8_t)(((ql[l] & 0xF) | ((qh[l] & 3) << 4)) - 32);
                    v[n + l + 32] = (int8_t)(((ql[l + 32] & 0xF) | (((qh[l] >> 2) & 3) << 4)) - 32);
                    v[n + l + 64] = (int8_t)(((ql[l] >> 4) | (((qh[l] >> 4) & 3) << 4)) - 32);
                    v[n + l + 96] = (int8_t)(((ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4)) - 32);
                }
            for (int s = 0; s < 16; s++)
                sc[s] = b->scales[s];
            fl[2 * i] = f16[b->d];
            fl[2 * i + 1] = 0.0f;
        } else {
            const uint8_t *s, *q, *qh = 0;
            qhalf hd, hdmin;
            if (type == QT_Q5_K) {
                const struct block_q5_K *b = (const struct block_q5_K *)row + i;
                s = b->scales; q = b->qs; qh = b->qh; hd = b->d; hdmin = b->dmin;
            } else {
                const struct block_q4_K *b = (const struct block_q4_K *)row + i;
                s = b->scales; q = b->qs; hd = b->d; hdmin = b->dmin;
            }
            uint8_t m = 1;
            for (int j = 0; j < 4; j++, q += 32, m <<= 2)
                for (int l = 0; l < 32; l++) {
                    v[64 * j + l] = (int8_t)((q[l] & 0xF) + (qh && (qh[l] & m) ? 16 : 0));
                    v[64 * j + 32 + l] = (int8_t)((q[l] >> 4) + (qh && (qh[l] & (m << 1)) ? 16 : 0));
                }
            for (int j = 0; j < 8; j++) {
                int scj = j < 4 ? (s[j] & 63) : ((s[j + 4] & 0xF) | ((s[j - 4] >> 6) << 4));
                mins[8 * i + j] = j < 4 ? (s[j + 4] & 63) : ((s[j + 4] >> 4) | ((s[j] >> 6) << 4));
                sc[2 * j] = sc[2 * j + 1] = scj;
            }
            fl[2 * i] = f16[hd];
            fl[2 * i + 1] = f16[hdmin];
        }
        pairs(wp + (size_t)i * QK_K, v, sc);
    }
}

/* One token's Q8_K values as pairs (q[16s+l], q[16s+l+8]). */
static void token_pairs(int16_t *o, const struct block_q8_K *x, size_t nsb)
{
    for (size_t i = 0; i < nsb; i++)
        for (int s = 0; s < 16; s++, o += 16)
            for (int l = 0; l < 8; l++) {
                o[2 * l] = x[i].qs[16 * s + l];
                o[2 * l + 1] = x[i].qs[16 * s + l + 8];
            }
}

/* One weight row (unpacked) times tokens k0 .. n_tok - 1; mins_used is a
 * constant at each call, so the loop has no branch on it. */
static inline __attribute__((always_inline)) void row_tokens(const int16_t *wp, const float *fl, const int *mins,
                                                             const uint8_t *base, const struct k_layout *l,
                                                             size_t nsb, size_t cols, size_t xrow, uint32_t k0,
                                                             uint32_t n_tok, float *out, size_t ldo,
                                                             const int mins_used)
{
    const int16_t *xp = (const int16_t *)(base + l->xp);
    for (uint32_t k = k0; k < n_tok; k++) {
        const struct block_q8_K *xb = (const struct block_q8_K *)(base + k * xrow);
        const __m128i *xv = (const __m128i *)(xp + (size_t)k * cols), *wv = (const __m128i *)wp;
        __m128 s_lo = _mm_setzero_ps(), s_hi = _mm_setzero_ps();
        float sum = 0.0f;
        for (size_t i = 0; i < nsb; i++, xv += 32, wv += 32) {
            __m128i lo = _mm_setzero_si128(), hi = lo;
            for (int s = 0; s < 16; s++) {
                lo = _mm_add_epi32(lo, _mm_madd_epi16(wv[2 * s], xv[2 * s]));
                hi = _mm_add_epi32(hi, _mm_madd_epi16(wv[2 * s + 1], xv[2 * s + 1]));
            }
            const __m128 d = _mm_set1_ps(fl[2 * i] * xb[i].d);
            s_lo = _mm_add_ps(s_lo, _mm_mul_ps(d, _mm_cvtepi32_ps(lo)));
            s_hi = _mm_add_ps(s_hi, _mm_mul_ps(d, _mm_cvtepi32_ps(hi)));
            if (mins_used) {
                int sumi = 0;
                for (int j = 0; j < 16; j++)
                    sumi += xb[i].bsums[j] * mins[8 * i + j / 2];
                sum -= fl[2 * i + 1] * xb[i].d * (float)sumi;
            }
        }
        float lanes[8];
        _mm_storeu_ps(lanes, s_lo);
        _mm_storeu_ps(lanes + 4, s_hi);
        for (int j = 0; j < 8; j++)
            sum += lanes[j];
        out[(size_t)k * ldo] = sum;
    }
}

/* Two tokens per weight vector load (and one row_tokens call for an odd
 * last token); with_mins is a constant at each call. Measured under TCG
 * (mathbench --prompt 41, 288x768): Q6_K 14.9 -> 12.0 ms. */
static inline __attribute__((always_inline)) void row_pairs(const int16_t *wp, const float *fl, const int *mins,
                                                            const uint8_t *base, const struct k_layout *l,
                                                            size_t nsb, size_t cols, size_t xrow, uint32_t n_tok,
                                                            float *out, size_t ldo, const int with_mins)
{
    const int16_t *xp = (const int16_t *)(base + l->xp);
    uint32_t k = 0;
    for (; k + 2 <= n_tok; k += 2) {
        const struct block_q8_K *xa = (const struct block_q8_K *)(base + k * xrow),
                                *xb = (const struct block_q8_K *)(base + (k + 1) * xrow);
        const __m128i *va = (const __m128i *)(xp + (size_t)k * cols), *vb = va + cols / 8;
        const __m128i *wv = (const __m128i *)wp;
        __m128 a_lo = _mm_setzero_ps(), a_hi = a_lo, b_lo = a_lo, b_hi = a_lo;
        float sa = 0.0f, sb = 0.0f;
        for (size_t i = 0; i < nsb; i++, va += 32, vb += 32, wv += 32) {
            __m128i alo = _mm_setzero_si128(), ahi = alo, blo = alo, bhi = alo;
            for (int s = 0; s < 16; s++) {
                const __m128i w0 = wv[2 * s], w1 = wv[2 * s + 1];
                alo = _mm_add_epi32(alo, _mm_madd_epi16(w0, va[2 * s]));
                ahi = _mm_add_epi32(ahi, _mm_madd_epi16(w1, va[2 * s + 1]));
                blo = _mm_add_epi32(blo, _mm_madd_epi16(w0, vb[2 * s]));
                bhi = _mm_add_epi32(bhi, _mm_madd_epi16(w1, vb[2 * s + 1]));
            }
            const __m128 da = _mm_set1_ps(fl[2 * i] * xa[i].d), db = _mm_set1_ps(fl[2 * i] * xb[i].d);
            a_lo = _mm_add_ps(a_lo, _mm_mul_ps(da, _mm_cvtepi32_ps(alo)));
            a_hi = _mm_add_ps(a_hi, _mm_mul_ps(da, _mm_cvtepi32_ps(ahi)));
            b_lo = _mm_add_ps(b_lo, _mm_mul_ps(db, _mm_cvtepi32_ps(blo)));
            b_hi = _mm_add_ps(b_hi, _mm_mul_ps(db, _mm_cvtepi32_ps(bhi)));
            if (with_mins) {
                int ia = 0, ib = 0;
                for (int j = 0; j < 16; j++) {
                    ia += xa[i].bsums[j] * mins[8 * i + j / 2];
                    ib += xb[i].bsums[j] * mins[8 * i + j / 2];
                }
                sa -= fl[2 * i + 1] * xa[i].d * (float)ia;
                sb -= fl[2 * i + 1] * xb[i].d * (float)ib;
            }
        }
        float lanes[16];
        _mm_storeu_ps(lanes, a_lo);
        _mm_storeu_ps(lanes + 4, a_hi);
        _mm_storeu_ps(lanes + 8, b_lo);
        _mm_storeu_ps(lanes + 12, b_hi);
        for (int j = 0; j < 8; j++) {
            sa += lanes[j];
            sb += lanes[8 + j];
        }
        out[(size_t)k * ldo] = sa;
        out[(size_t)(k + 1) * ldo] = sb;
    }
    row_tokens(wp, fl, mins, base, l, nsb, cols, xrow, k, n_tok, out, ldo, with_mins);
}

__attribute__((optimize("no-tree-vectorize")))   /* the mins loop: scalar beats pmuludq helpers under TCG */
int matmul_k(const struct quant_type *t, const void *w, size_t rows, size_t cols, const float *x, size_t ldx,
             uint32_t n_tok, float *out, size_t ldo, void *scratch)
{
    const float *f16 = quant_f16_table();
    const size_t nsb = cols / QK_K, xrow = quant_row_bytes(QT_Q8_K, cols), wrow = quant_row_bytes(t->type, cols);
    struct k_layout l;
    k_layout(cols, n_tok, &l);
    uint8_t *base = (uint8_t *)(((uintptr_t)scratch + 15) & ~(uintptr_t)15);
    int16_t *xp = (int16_t *)(base + l.xp), *wp = (int16_t *)(base + l.wp);
    float *fl = (float *)(base + l.fl);
    int *mins = (int *)(base + l.mins);
    for (uint32_t k = 0; k < n_tok; k++) {
        quant_convert_activations(QT_Q8_K, x + (size_t)k * ldx, base + k * xrow, cols);
        token_pairs(xp + (size_t)k * cols, (const struct block_q8_K *)(base + k * xrow), nsb);
    }
    const uint8_t *row = w;
    for (size_t r = 0; r < rows; r++, row += wrow) {
        unpack_row(t->type, row, nsb, wp, fl, mins, f16);
        if (t->type == QT_Q6_K)
            row_pairs(wp, fl, mins, base, &l, nsb, cols, xrow, n_tok, out + r, ldo, 0);
        else
            row_pairs(wp, fl, mins, base, &l, nsb, cols, xrow, n_tok, out + r, ldo, 1);
    }
    return 0;
}
