/* AVX2/FMA dot products, chosen at run time (quant.c) when cpu_features has
 * AVX2+FMA. They reproduce the float order of ggml's AVX2 build
 * (libggml-cpu-haswell.so, what llama.cpp loads under QEMU -cpu max): the
 * integer part of a block is spread over eight int32 lanes (lane k holds the
 * bytes 4k..4k+3 of every 32-byte group), each lane is scaled into its own
 * float accumulator with one FMA per block, and the eight accumulators are
 * added pairwise at the end. Integer sums are exact, so only the lane layout
 * and the float steps must match. Under TCG the integer vector instructions
 * run as host vector code, and one FMA instruction replaces eight scalar
 * float operations. tests/host/test_quant.c compares with ggml's haswell build. */
#include <immintrin.h>

#include "math/kmath.h"
#include "math/quant.h"
#include "lib/string.h"

#define AVX2 __attribute__((target("avx2,fma,f16c")))

/* (x0+x4, ...) then (r0+r2, r1+r3) then the two: ggml's hsum_float_8. */
AVX2 static inline float hsum8(__m256 v)
{
    __m128 r = _mm_add_ps(_mm256_extractf128_ps(v, 1), _mm256_castps256_ps128(v));
    r = _mm_add_ps(r, _mm_movehl_ps(r, r));
    r = _mm_add_ss(r, _mm_movehdup_ps(r));
    return _mm_cvtss_f32(r);
}

/* The F32/F16 reduction of four accumulators (GGML_F32x8_REDUCE): a0+a2,
 * a1+a3, then those two, then the 128-bit halves, then two horizontal adds. */
AVX2 static inline float reduce4(__m256 a0, __m256 a1, __m256 a2, __m256 a3)
{
    a0 = _mm256_add_ps(a0, a2);
    a1 = _mm256_add_ps(a1, a3);
    a0 = _mm256_add_ps(a0, a1);
    __m128 t = _mm_add_ps(_mm256_castps256_ps128(a0), _mm256_extractf128_ps(a0, 1));
    t = _mm_hadd_ps(t, t);
    return _mm_cvtss_f32(_mm_hadd_ps(t, t));
}

AVX2 void dot_f32_avx2(size_t n, float *out, const void *w, const void *x)
{
    const float *a = w, *b = x;
    size_t np = n & ~(size_t)31, i;
    __m256 s0 = _mm256_setzero_ps(), s1 = s0, s2 = s0, s3 = s0;
    for (i = 0; i < np; i += 32) {
        s0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), s0);
        s1 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 8), _mm256_loadu_ps(b + i + 8), s1);
        s2 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 16), _mm256_loadu_ps(b + i + 16), s2);
        s3 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 24), _mm256_loadu_ps(b + i + 24), s3);
    }
    float sum = reduce4(s0, s1, s2, s3);
    for (; i < n; i++)   /* leftovers: the haswell build contracts these into FMAs */
        sum = _mm_cvtss_f32(_mm_fmadd_ss(_mm_set_ss(a[i]), _mm_set_ss(b[i]), _mm_set_ss(sum)));
    *out = sum;
}

/* Eight fp16 -> fp32 by table: the same values as vcvtph2ps, which TCG
 * emulates lane by lane in software (slower than eight integer loads). */
AVX2 static inline __m256 load_f16x8(const float *t, const uint16_t *p)
{
    return _mm256_setr_ps(t[p[0]], t[p[1]], t[p[2]], t[p[3]], t[p[4]], t[p[5]], t[p[6]], t[p[7]]);
}

AVX2 void dot_f16_avx2(size_t n, float *out, const void *w, const void *x)
{
    const uint16_t *a = w, *b = x;
    const float *t = quant_f16_table();
    size_t np = n & ~(size_t)31, i;
    __m256 s0 = _mm256_setzero_ps(), s1 = s0, s2 = s0, s3 = s0;
    for (i = 0; i < np; i += 32) {
        s0 = _mm256_fmadd_ps(load_f16x8(t, a + i), load_f16x8(t, b + i), s0);
        s1 = _mm256_fmadd_ps(load_f16x8(t, a + i + 8), load_f16x8(t, b + i + 8), s1);
        s2 = _mm256_fmadd_ps(load_f16x8(t, a + i + 16), load_f16x8(t, b + i + 16), s2);
        s3 = _mm256_fmadd_ps(load_f16x8(t, a + i + 24), load_f16x8(t, b + i + 24), s3);
    }
    double sum = reduce4(s0, s1, s2, s3);   /* ggml_float: leftovers in double */
    for (; i < n; i++)
        sum += (double)(t[a[i]] * t[b[i]]);
    *out = (float)sum;
}

/* Eight int32 lanes of sum(x*y) over 32 signed bytes, lane k = bytes 4k..4k+3.
 * |x| goes into the unsigned operand and x's sign onto y, as maddubs needs. */
AVX2 static inline __m256i dot_i8x32(__m256i xv, __m256i yv)
{
    __m256i p16 = _mm256_maddubs_epi16(_mm256_sign_epi8(xv, xv), _mm256_sign_epi8(yv, xv));
    return _mm256_madd_epi16(p16, _mm256_set1_epi16(1));
}

AVX2 void dot_q8_0_avx2(size_t n, float *out, const void *w, const void *x)
{
    const float *f16 = quant_f16_table();
    const struct block_q8_0 *a = w, *b = x;
    __m256 acc = _mm256_setzero_ps();
    for (size_t i = 0; i < n / QK8_0; i++) {
        __m256i lanes = dot_i8x32(_mm256_loadu_si256((const __m256i *)a[i].qs),
                                  _mm256_loadu_si256((const __m256i *)b[i].qs));
        __m256 d = _mm256_set1_ps(f16[a[i].d] * f16[b[i].d]);
        acc = _mm256_fmadd_ps(d, _mm256_cvtepi32_ps(lanes), acc);
    }
    *out = hsum8(acc);
}

/* 32 nibbles -> 32 bytes: the low nibbles (elements 0..15) then the high ones. */
AVX2 static inline __m256i nibbles32(const uint8_t *p)
{
    __m128i v = _mm_loadu_si128((const __m128i *)p);
    __m256i both = _mm256_set_m128i(_mm_srli_epi16(v, 4), v);
    return _mm256_and_si256(both, _mm256_set1_epi8(0x0F));
}

AVX2 void dot_q4_0_avx2(size_t n, float *out, const void *w, const void *x)
{
    const float *f16 = quant_f16_table();
    const struct block_q4_0 *a = w;
    const struct block_q8_0 *b = x;
    __m256 acc = _mm256_setzero_ps();
    for (size_t i = 0; i < n / QK8_0; i++) {
        __m256i q = _mm256_sub_epi8(nibbles32(a[i].qs), _mm256_set1_epi8(8));
        __m256i lanes = dot_i8x32(q, _mm256_loadu_si256((const __m256i *)b[i].qs));
        __m256 d = _mm256_set1_ps(f16[a[i].d] * f16[b[i].d]);
        acc = _mm256_fmadd_ps(d, _mm256_cvtepi32_ps(lanes), acc);
    }
    *out = hsum8(acc);
}

/* Scales and mins of the eight 32-element sub-blocks of Q4_K/Q5_K. */
static inline void k4_scales(const uint8_t *q, int sc[8], int mn[8])
{
    for (int j = 0; j < 8; j++) {
        if (j < 4) {
            sc[j] = q[j] & 63;
            mn[j] = q[j + 4] & 63;
        } else {
            sc[j] = (q[j + 4] & 0xF) | ((q[j - 4] >> 6) << 4);
            mn[j] = (q[j + 4] >> 4) | ((q[j] >> 6) << 4);
        }
    }
}

/* Unsigned 32 bytes (0..63) times signed q8, eight int32 lanes, each 16-bit
 * pair product weighted by `scale` (int16 lanes). */
AVX2 static inline __m256i dot_u8_scaled(__m256i u, const int8_t *q8, __m256i scale)
{
    __m256i p16 = _mm256_maddubs_epi16(u, _mm256_loadu_si256((const __m256i *)q8));
    return _mm256_madd_epi16(p16, scale);
}

AVX2 void dot_q4_K_avx2(size_t n, float *out, const void *w, const void *x)
{
    const float *f16 = quant_f16_table();
    const struct block_q4_K *a = w;
    const struct block_q8_K *b = x;
    __m256 acc = _mm256_setzero_ps();
    __m128 acc_m = _mm_setzero_ps();
    const __m256i m4 = _mm256_set1_epi8(0x0F);
    for (size_t i = 0; i < n / QK_K; i++) {
        int sc[8], mn[8];
        k4_scales(a[i].scales, sc, mn);
        const int16_t *bs = b[i].bsums;
        /* min lanes: mins[2k] * (bsums 4k + 4k+1) + mins[2k+1] * (bsums 4k+2 + 4k+3) */
        int m[4];
        for (int k = 0; k < 4; k++)
            m[k] = mn[2 * k] * (bs[4 * k] + bs[4 * k + 1]) + mn[2 * k + 1] * (bs[4 * k + 2] + bs[4 * k + 3]);
        __m256i sumi = _mm256_setzero_si256();
        const int8_t *q8 = b[i].qs;
        for (int j = 0; j < 4; j++, q8 += 64) {
            __m256i bits = _mm256_loadu_si256((const __m256i *)(a[i].qs + 32 * j));
            __m256i lo = _mm256_and_si256(bits, m4), hi = _mm256_and_si256(_mm256_srli_epi16(bits, 4), m4);
            sumi = _mm256_add_epi32(sumi, _mm256_add_epi32(
                dot_u8_scaled(lo, q8, _mm256_set1_epi16((int16_t)sc[2 * j])),
                dot_u8_scaled(hi, q8 + 32, _mm256_set1_epi16((int16_t)sc[2 * j + 1]))));
        }
        float d = b[i].d * f16[a[i].d];
        float dmin = -b[i].d * f16[a[i].dmin];
        acc = _mm256_fmadd_ps(_mm256_set1_ps(d), _mm256_cvtepi32_ps(sumi), acc);
        acc_m = _mm_fmadd_ps(_mm_set1_ps(dmin), _mm_cvtepi32_ps(_mm_setr_epi32(m[0], m[1], m[2], m[3])), acc_m);
    }
    acc_m = _mm_add_ps(acc_m, _mm_movehl_ps(acc_m, acc_m));
    acc_m = _mm_add_ss(acc_m, _mm_movehdup_ps(acc_m));
    *out = hsum8(acc) + _mm_cvtss_f32(acc_m);
}

/* Q6_K: the unsigned 6-bit values (q + 32) are dotted, and 32 * sum(scale *
 * bsum) is taken off per lane (lane k: bsums 2k and 2k+1), as ggml does. */
AVX2 void dot_q6_K_avx2(size_t n, float *out, const void *w, const void *x)
{
    const float *f16 = quant_f16_table();
    const struct block_q6_K *a = w;
    const struct block_q8_K *b = x;
    __m256 acc = _mm256_setzero_ps();
    const __m256i m15 = _mm256_set1_epi8(15), m3 = _mm256_set1_epi8(3);
    for (size_t i = 0; i < n / QK_K; i++) {
        const int8_t *sc = a[i].scales, *q8 = b[i].qs;
        __m256i sc16 = _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)sc));
        __m256i bsum = _mm256_loadu_si256((const __m256i *)b[i].bsums);
        __m256i sub = _mm256_slli_epi32(_mm256_madd_epi16(bsum, sc16), 5);
        __m256i sumi = _mm256_setzero_si256();
        for (int j = 0; j < 2; j++) {
            const uint8_t *ql = a[i].ql + 64 * j, *qh = a[i].qh + 32 * j;
            __m256i l1 = _mm256_loadu_si256((const __m256i *)ql);
            __m256i l2 = _mm256_loadu_si256((const __m256i *)(ql + 32));
            __m256i h = _mm256_loadu_si256((const __m256i *)qh);
            __m256i u[4];
            u[0] = _mm256_or_si256(_mm256_and_si256(l1, m15), _mm256_slli_epi16(_mm256_and_si256(h, m3), 4));
            u[1] = _mm256_or_si256(_mm256_and_si256(l2, m15),
                                   _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(h, 2), m3), 4));
            u[2] = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(l1, 4), m15),
                                   _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(h, 4), m3), 4));
            u[3] = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(l2, 4), m15),
                                   _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(h, 6), m3), 4));
            for (int g = 0; g < 4; g++) {
                int s = 8 * j + 2 * g;   /* 16-element sub-blocks s and s+1 */
                __m256i scale = _mm256_set_m128i(_mm_set1_epi16(sc[s + 1]), _mm_set1_epi16(sc[s]));
                sumi = _mm256_add_epi32(sumi, dot_u8_scaled(u[g], q8 + 128 * j + 32 * g, scale));
            }
        }
        sumi = _mm256_sub_epi32(sumi, sub);
        float d = b[i].d * f16[a[i].d];
        acc = _mm256_fmadd_ps(_mm256_set1_ps(d), _mm256_cvtepi32_ps(sumi), acc);
    }
    *out = hsum8(acc);
}


/* Q5_K: Q4_K's lanes with the fifth bit (bit 2j+k of qh[t] for element
 * 64j + 32k + t); the mins are one integer per block, scaled into a scalar
 * float sum (the haswell build fuses that multiply-add: one FMA). */
AVX2 void dot_q5_K_avx2(size_t n, float *out, const void *w, const void *x)
{
    const float *f16 = quant_f16_table();
    const struct block_q5_K *a = w;
    const struct block_q8_K *b = x;
    __m256 acc = _mm256_setzero_ps();
    float summs = 0;
    const __m256i m4 = _mm256_set1_epi8(0x0F), one = _mm256_set1_epi8(1);
    for (size_t i = 0; i < n / QK_K; i++) {
        int sc[8], mn[8];
        k4_scales(a[i].scales, sc, mn);
        int m = 0;
        for (int j = 0; j < 16; j++)
            m += mn[j / 2] * b[i].bsums[j];
        __m256i hb = _mm256_loadu_si256((const __m256i *)a[i].qh);
        __m256i sumi = _mm256_setzero_si256();
        const int8_t *q8 = b[i].qs;
        for (int j = 0; j < 4; j++, q8 += 64) {
            __m256i bits = _mm256_loadu_si256((const __m256i *)(a[i].qs + 32 * j));
            __m256i lo = _mm256_and_si256(bits, m4), hi = _mm256_and_si256(_mm256_srli_epi16(bits, 4), m4);
            lo = _mm256_or_si256(lo, _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(hb, 2 * j), one), 4));
            hi = _mm256_or_si256(hi, _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(hb, 2 * j + 1), one), 4));
            sumi = _mm256_add_epi32(sumi, _mm256_add_epi32(
                dot_u8_scaled(lo, q8, _mm256_set1_epi16((int16_t)sc[2 * j])),
                dot_u8_scaled(hi, q8 + 32, _mm256_set1_epi16((int16_t)sc[2 * j + 1]))));
        }
        float d = b[i].d * f16[a[i].d];
        float dmin = -b[i].d * f16[a[i].dmin];
        acc = _mm256_fmadd_ps(_mm256_set1_ps(d), _mm256_cvtepi32_ps(sumi), acc);
        summs = _mm_cvtss_f32(_mm_fmadd_ss(_mm_set_ss(dmin), _mm_set_ss((float)m), _mm_set_ss(summs)));
    }
    *out = hsum8(acc) + summs;
}
