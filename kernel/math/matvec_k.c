/* matmul for Q4_K, Q5_K and Q6_K rows and one token (decode), bit-identical
 * to the generic-order vec_dot (quant_k.c, quant_sse2.c), shaped for QEMU's
 * TCG, where pmullw, pand/por, paddw/d and shifts by an immediate are host
 * vector ops but pmaddwd, unpacks and shuffles are helper calls, and every
 * guest memory access is a softmmu lookup.
 *
 * The generic kernels keep eight int32 lanes per 256-element superblock,
 * lane l summing scale(s) * a[e] * q[e] over the elements e = l (mod 8) of
 * every sub-block s, then do sums[l] += d * (float)lane[l] (and, for
 * Q4_K/Q5_K, sum -= dmin * (float)sum(bsums * mins)) and finally
 * sum + sums[0] + ... + sums[7]. Integer lanes are exact in any order, so:
 *
 *  - the Q8_K activation is split once per matvec into int16, per 16
 *    elements the 8 even ones then the 8 odd ones (split_q8_K);
 *  - a weight's 16 bytes then give its even elements with one mask and its
 *    odd ones with one shift (host vector ops), and pmullw multiplies them
 *    with the activation into int16 products;
 *  - products of one sub-block and lane are added in int16 (|sum| <= 4 *
 *    31 * 127), the two halves of a vector folded with 64-bit moves
 *    (movlhps/movhlps, no helper): words (lanes 0,2,4,6 | 1,3,5,7);
 *  - two sub-blocks' words are interleaved per dword with shifts and masks
 *    and one pmaddwd with their two scales gives four scaled int32 lanes:
 *    one pmaddwd per 8 (sub-block, lane) sums instead of one per 8 elements.
 *
 * The int32 accumulators hold lanes (0,4,1,5) and (2,6,3,7); the float steps
 * are the scalar kernel's, per lane, in SSE lanes. */
#include <emmintrin.h>

#include "math/matmul_k.h"
#include "math/quant.h"
#include "lib/string.h"

static size_t r16(size_t n) { return (n + 15) & ~(size_t)15; }

/* Scratch: the converted Q8_K row, its split int16 values, and per
 * superblock the eight 32-element sums of bsums (for the mins). */
struct kv_layout { size_t xs, bs, total; };

static void kv_layout(size_t cols, struct kv_layout *l)
{
    l->xs = r16(quant_row_bytes(QT_Q8_K, cols));
    l->bs = r16(l->xs + cols * sizeof(int16_t));
    l->total = r16(l->bs + cols / QK_K * 8 * sizeof(int32_t)) + 16;   /* + alignment slack */
}

size_t matvec_k_scratch_bytes(size_t cols)
{
    struct kv_layout l;
    kv_layout(cols, &l);
    return l.total;
}

/* Per 16 elements: the 8 even ones, then the 8 odd ones, as int16. */
static void split_q8_K(const struct block_q8_K *x, size_t nsb, int16_t *xs, int32_t *bs)
{
    for (size_t i = 0; i < nsb; i++) {
        const int8_t *q = x[i].qs;
        for (int c = 0; c < QK_K / 16; c++, q += 16, xs += 16)
            for (int k = 0; k < 8; k++) {
                xs[k] = q[2 * k];
                xs[8 + k] = q[2 * k + 1];
            }
        /* sum(bsums[j] * mins[j / 2]) == sum((bsums[2m] + bsums[2m + 1]) * mins[m]) in integers */
        for (int m = 0; m < 8; m++)
            bs[8 * i + m] = x[i].bsums[2 * m] + x[i].bsums[2 * m + 1];
    }
}

static inline __m128i load16(const void *p) { return _mm_loadu_si128((const __m128i *)p); }

/* v in all four dwords without a shuffle helper: a 64-bit move, movlhps. */
static inline __m128i bcast32(uint32_t v)
{
    __m128 x = _mm_castsi128_ps(_mm_cvtsi64_si128((long long)((uint64_t)v << 32 | v)));
    return _mm_castps_si128(_mm_movelh_ps(x, x));
}

static inline __m128 bcast_ps(float f)
{
    return _mm_castsi128_ps(bcast32((uint32_t)_mm_cvtsi128_si32(_mm_castps_si128(_mm_set_ss(f)))));
}

/* Lanes 2i, 2i+1 of v by 64-bit moves (extracting through memory or
 * shufps would cost loads or helper calls). */
static inline void lanes2(__m128 v, float *f)
{
    uint64_t lo = (uint64_t)_mm_cvtsi128_si64(_mm_castps_si128(v));
    uint64_t hi = (uint64_t)_mm_cvtsi128_si64(_mm_castps_si128(_mm_movehl_ps(v, v)));
    f[0] = _mm_cvtss_f32(_mm_castsi128_ps(_mm_cvtsi32_si128((int)(uint32_t)lo)));
    f[1] = _mm_cvtss_f32(_mm_castsi128_ps(_mm_cvtsi32_si128((int)(uint32_t)(lo >> 32))));
    f[2] = _mm_cvtss_f32(_mm_castsi128_ps(_mm_cvtsi32_si128((int)(uint32_t)hi)));
    f[3] = _mm_cvtss_f32(_mm_castsi128_ps(_mm_cvtsi32_si128((int)(uint32_t)(hi >> 32))));
}

/* (a.lo + a.hi, b.lo + b.hi): words k and k+4 of a product vector are the
 * same lane of the same sub-block. */
static inline __m128i fold(__m128i a, __m128i b)
{
    __m128 fa = _mm_castsi128_ps(a), fb = _mm_castsi128_ps(b);
    return _mm_add_epi16(_mm_castps_si128(_mm_movelh_ps(fa, fb)), _mm_castps_si128(_mm_movehl_ps(fb, fa)));
}

/* u, v: int16 sums of lanes (0,2,4,6,1,3,5,7) of two sub-blocks; sc: their
 * scales as int16 (sc_u, sc_v) in every dword. Adds sc_u*u + sc_v*v to the
 * int32 lanes (0,4,1,5) in *a and (2,6,3,7) in *b. */
static inline void scale_pairs(__m128i u, __m128i v, __m128i sc, __m128i *a, __m128i *b)
{
    const __m128i lo = _mm_set1_epi32(0xFFFF);
    __m128i z1 = _mm_or_si128(_mm_and_si128(u, lo), _mm_slli_epi32(v, 16));
    __m128i z2 = _mm_or_si128(_mm_srli_epi32(u, 16), _mm_andnot_si128(lo, v));
    *a = _mm_add_epi32(*a, _mm_madd_epi16(z1, sc));
    *b = _mm_add_epi32(*b, _mm_madd_epi16(z2, sc));
}

/* 16 unsigned byte weights times 16 split activations (xs: evens, odds):
 * int16 products added to *e (even elements) and *o (odd). */
static inline void mul_u8(__m128i w, const int16_t *xs, __m128i *e, __m128i *o)
{
    const __m128i m = _mm_set1_epi16(0xFF);
    *e = _mm_add_epi16(*e, _mm_mullo_epi16(_mm_and_si128(w, m), load16(xs)));
    *o = _mm_add_epi16(*o, _mm_mullo_epi16(_mm_srli_epi16(w, 8), load16(xs + 8)));
}

/* The same for signed byte weights. */
static inline __m128i mul_s8(__m128i w, const int16_t *xs)
{
    __m128i e = _mm_mullo_epi16(_mm_srai_epi16(_mm_slli_epi16(w, 8), 8), load16(xs));
    __m128i o = _mm_mullo_epi16(_mm_srai_epi16(w, 8), load16(xs + 8));
    return fold(e, o);
}

/* The float steps of one superblock, lanes as in the accumulators. */
static inline void lanes_scale(__m128 *sa, __m128 *sb, float d, __m128i a, __m128i b)
{
    __m128 dv = bcast_ps(d);
    *sa = _mm_add_ps(*sa, _mm_mul_ps(dv, _mm_cvtepi32_ps(a)));
    *sb = _mm_add_ps(*sb, _mm_mul_ps(dv, _mm_cvtepi32_ps(b)));
}

/* sum + sums[0] + ... + sums[7], in that order (scalar: vectorized, gcc
 * reassembles the lanes with shufps helpers; matvec_k is built without
 * the vectorizer). */
static inline float lanes_total(float sum, __m128 sa, __m128 sb)
{
    float a[4], b[4];
    lanes2(sa, a);
    lanes2(sb, b);
    const float sums[8] = { a[0], a[2], b[0], b[2], a[1], a[3], b[1], b[3] };
    for (int l = 0; l < 8; l++)
        sum += sums[l];
    return sum;
}

/* Group j of a Q4_K/Q5_K superblock: 32 bytes of qs, low nibbles elements
 * 64j..64j+31 (scale sc[2j]), high nibbles 64j+32.. (sc[2j+1]); for Q5_K
 * (qh set) the fifth bits are bits 2j, 2j+1 of qh[t], t = element mod 32. */
static inline void q45_group(const uint8_t *qs, const uint8_t *qh, const int *sc, const int16_t *xs, int j,
                             __m128i *a, __m128i *b)
{
    const __m128i m4 = _mm_set1_epi8(0x0F), b0 = _mm_set1_epi8(1), b1 = _mm_set1_epi8(2);
    __m128i el = _mm_setzero_si128(), ol = el, eh = el, oh = el;
    for (int k = 0; k < 2; k++) {   /* bytes 16k..16k+15: elements 64j + 16k (+32) */
        __m128i w = load16(qs + 32 * j + 16 * k);
        __m128i lo = _mm_and_si128(w, m4), hi = _mm_and_si128(_mm_srli_epi16(w, 4), m4);
        if (qh) {
            __m128i h = _mm_srli_epi16(load16(qh + 16 * k), 2 * j);   /* j is a constant: an immediate shift */
            lo = _mm_or_si128(lo, _mm_slli_epi16(_mm_and_si128(h, b0), 4));
            hi = _mm_or_si128(hi, _mm_slli_epi16(_mm_and_si128(h, b1), 3));
        }
        mul_u8(lo, xs + 64 * j + 16 * k, &el, &ol);
        mul_u8(hi, xs + 64 * j + 32 + 16 * k, &eh, &oh);
    }
    scale_pairs(fold(el, ol), fold(eh, oh), bcast32((uint32_t)sc[2 * j] | (uint32_t)sc[2 * j + 1] << 16), a, b);
}

/* One Q4_K/Q5_K row; five is a constant at each call (no branch in the
 * loop). */
static inline __attribute__((always_inline)) float row_q45_K(const uint8_t *row, size_t nsb, const int five, const struct block_q8_K *xb, const int16_t *xs,
                       const int32_t *bs, const float *f16)
{
    __m128 sa = _mm_setzero_ps(), sb = sa;
    float sum = 0.0f;
    for (size_t i = 0; i < nsb; i++, xs += QK_K, bs += 8) {
        const struct k45_fields f = k45_superblock(row, i, five);
        const uint8_t *qs = f.qs, *qh = f.qh;
        const qhalf hd = f.d, hdmin = f.dmin;
        int sc[8], mn[8];
        k45_scales_mins(f.scales, sc, mn);
        __m128i acc_a = _mm_setzero_si128(), acc_b = acc_a;
        q45_group(qs, qh, sc, xs, 0, &acc_a, &acc_b);
        q45_group(qs, qh, sc, xs, 1, &acc_a, &acc_b);
        q45_group(qs, qh, sc, xs, 2, &acc_a, &acc_b);
        q45_group(qs, qh, sc, xs, 3, &acc_a, &acc_b);
        int sumi = 0;
        for (int m = 0; m < 8; m++)
            sumi += bs[m] * mn[m];
        lanes_scale(&sa, &sb, f16[hd] * xb[i].d, acc_a, acc_b);
        sum -= f16[hdmin] * xb[i].d * (float)sumi;
    }
    return lanes_total(sum, sa, sb);
}

/* Q6_K: 16 signed weights, elements 32g + 16k .. +15 of a 128-element half,
 * from their ql bytes (low nibbles for g < 2, high ones for g >= 2) and qh
 * bytes (bits 2g, 2g+1 on top). */
static inline __m128i q6_bytes(__m128i l, __m128i hb, int g)
{
    const __m128i m4 = _mm_set1_epi8(0x0F), m30 = _mm_set1_epi8(0x30), off = _mm_set1_epi8(32);
    __m128i lo = _mm_and_si128(g < 2 ? l : _mm_srli_epi16(l, 4), m4);
    __m128i hi = g == 0 ? _mm_slli_epi16(hb, 4) : g == 1 ? _mm_slli_epi16(hb, 2) : g == 2 ? hb : _mm_srli_epi16(hb, 2);
    return _mm_sub_epi8(_mm_or_si128(lo, _mm_and_si128(hi, m30)), off);
}

/* Group g of a Q6_K half: sub-blocks 2g (k = 0) and 2g+1 (k = 1). Bytes are
 * loaded again per group: four loads cost less than keeping twelve
 * vectors, which spill to the stack. */
static inline void q6_group(const uint8_t *ql, const uint8_t *qh, const int8_t *sc, const int16_t *xs, int g,
                            __m128i *a, __m128i *b)
{
    const uint8_t *l = ql + 32 * (g & 1);
    __m128i u0 = mul_s8(q6_bytes(load16(l), load16(qh), g), xs + 32 * g);
    __m128i u1 = mul_s8(q6_bytes(load16(l + 16), load16(qh + 16), g), xs + 32 * g + 16);
    scale_pairs(u0, u1, bcast32((uint16_t)sc[2 * g] | (uint32_t)(uint16_t)sc[2 * g + 1] << 16), a, b);
}

/* One Q6_K row. Per 128-element half, byte t (0..31) of ql gives elements
 * t (low nibble) and t+64 (high), byte t+32 elements t+32 and t+96, with
 * bits 0-1, 4-5, 2-3, 6-7 of qh[t] as their top bits; 16-element
 * sub-blocks, each with its own int8 scale. */
static inline __attribute__((always_inline)) float row_q6_K(const uint8_t *row, size_t nsb, const struct block_q8_K *xb, const int16_t *xs,
                      const float *f16)
{
    __m128 sa = _mm_setzero_ps(), sb = sa;
    for (size_t i = 0; i < nsb; i++) {
        const struct block_q6_K *a = (const struct block_q6_K *)row + i;
        __m128i acc_a = _mm_setzero_si128(), acc_b = acc_a;
        for (int n = 0; n < 2; n++, xs += 128) {
            const uint8_t *ql = a->ql + 64 * n, *qh = a->qh + 32 * n;
            const int8_t *sc = a->scales + 8 * n;
            q6_group(ql, qh, sc, xs, 0, &acc_a, &acc_b);
            q6_group(ql, qh, sc, xs, 1, &acc_a, &acc_b);
            q6_group(ql, qh, sc, xs, 2, &acc_a, &acc_b);
            q6_group(ql, qh, sc, xs, 3, &acc_a, &acc_b);
        }
        lanes_scale(&sa, &sb, f16[a->d] * xb[i].d, acc_a, acc_b);
    }
    return lanes_total(0.0f, sa, sb);
}

__attribute__((optimize("no-tree-vectorize")))   /* the sumi loop: scalar beats pmuludq helpers */
int matvec_k(const struct quant_type *t, const void *w, size_t rows, size_t cols, const float *x, float *out,
             void *scratch)
{
    const float *f16 = quant_f16_table();
    const size_t nsb = cols / QK_K, wrow = quant_row_bytes(t->type, cols);
    struct kv_layout l;
    kv_layout(cols, &l);
    uint8_t *base = (uint8_t *)(((uintptr_t)scratch + 15) & ~(uintptr_t)15);
    const struct block_q8_K *xb = (const struct block_q8_K *)base;
    int16_t *xs = (int16_t *)(base + l.xs);
    int32_t *bs = (int32_t *)(base + l.bs);
    quant_convert_activations(QT_Q8_K, x, base, cols);
    split_q8_K(xb, nsb, xs, bs);
    /* one loop per type, each row inlined: under TCG a branch or a call
     * ends a translation block, and every block reloads and stores the
     * guest registers it uses */
    const uint8_t *row = w;
    if (t->type == QT_Q6_K)
        for (size_t r = 0; r < rows; r++, row += wrow)
            out[r] = row_q6_K(row, nsb, xb, xs, f16);
    else if (t->type == QT_Q5_K)
        for (size_t r = 0; r < rows; r++, row += wrow)
            out[r] = row_q45_K(row, nsb, 1, xb, xs, bs, f16);
    else
        for (size_t r = 0; r < rows; r++, row += wrow)
            out[r] = row_q45_K(row, nsb, 0, xb, xs, bs, f16);
    return 0;
}
