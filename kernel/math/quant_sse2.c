/* SSE2 dot products with the float order of ggml's generic C code (the x64
 * build llama.cpp loads on qemu64): the integer sums of a block are computed
 * with vector instructions, which QEMU's TCG runs as host vector code with
 * one guest memory access per 16 bytes, and then scaled exactly as the scalar
 * kernels (quant_legacy.c, quant_k.c) do. Integer sums are exact, so these
 * are bit-exact with the scalar oracle (tests/host/test_quant.c). */
#include <emmintrin.h>

#include "math/kmath.h"
#include "math/quant.h"

#define H2F(h) f16[h]

/* 16 signed bytes -> two vectors of 8 int16 (elements 0-7, 8-15). */
static inline void widen_i8(__m128i v, __m128i *lo, __m128i *hi)
{
    *lo = _mm_srai_epi16(_mm_unpacklo_epi8(v, v), 8);
    *hi = _mm_srai_epi16(_mm_unpackhi_epi8(v, v), 8);
}

/* sum(a*b) over 16 signed bytes, as 4 int32 partial sums. */
static inline __m128i madd_i8x16(__m128i a, __m128i b)
{
    __m128i a0, a1, b0, b1;
    widen_i8(a, &a0, &a1);
    widen_i8(b, &b0, &b1);
    return _mm_add_epi32(_mm_madd_epi16(a0, b0), _mm_madd_epi16(a1, b1));
}

static inline int hsum_i32x4(__m128i v)
{
    v = _mm_add_epi32(v, _mm_shuffle_epi32(v, _MM_SHUFFLE(1, 0, 3, 2)));
    v = _mm_add_epi32(v, _mm_shuffle_epi32(v, _MM_SHUFFLE(2, 3, 0, 1)));
    return _mm_cvtsi128_si32(v);
}

static inline __m128i load16(const void *p) { return _mm_loadu_si128((const __m128i *)p); }

void dot_q8_0_sse2(size_t n, float *out, const void *w, const void *x)
{
    const float *f16 = quant_f16_table();
    const struct block_q8_0 *a = w, *b = x;
    float sum = 0;
    for (size_t i = 0; i < n / QK8_0; i++) {
        __m128i s = _mm_add_epi32(madd_i8x16(load16(a[i].qs), load16(b[i].qs)),
                                  madd_i8x16(load16(a[i].qs + 16), load16(b[i].qs + 16)));
        sum += (float)hsum_i32x4(s) * (H2F(a[i].d) * H2F(b[i].d));
    }
    *out = sum;
}

void dot_q4_0_sse2(size_t n, float *out, const void *w, const void *x)
{
    const float *f16 = quant_f16_table();
    const struct block_q4_0 *a = w;
    const struct block_q8_0 *b = x;
    const __m128i m4 = _mm_set1_epi8(0x0F), eight = _mm_set1_epi8(8);
    float sum = 0;
    for (size_t i = 0; i < n / QK8_0; i++) {
        __m128i q = load16(a[i].qs);
        __m128i lo = _mm_sub_epi8(_mm_and_si128(q, m4), eight);                      /* elements 0..15 */
        __m128i hi = _mm_sub_epi8(_mm_and_si128(_mm_srli_epi16(q, 4), m4), eight);   /* 16..31 */
        __m128i s = _mm_add_epi32(madd_i8x16(lo, load16(b[i].qs)), madd_i8x16(hi, load16(b[i].qs + 16)));
        sum += (float)hsum_i32x4(s) * H2F(a[i].d) * H2F(b[i].d);
    }
    *out = sum;
}

/* The generic K-quant kernels keep eight int32 lanes, lane l summing the
 * elements e with e % 8 == l, each weighted by its 16-element sub-block scale.
 * For one 16-element sub-block: lane l gets scale * (a[l]*q[l] + a[l+8]*q[l+8]).
 * Products of 6-bit values and int8 fit int16, and so does the pair sum. */
static inline void lanes_add16(__m128i *acc_lo, __m128i *acc_hi, __m128i a, __m128i q8, int scale)
{
    __m128i a0, a1, q0, q1;
    widen_i8(a, &a0, &a1);
    widen_i8(q8, &q0, &q1);
    __m128i t = _mm_add_epi16(_mm_mullo_epi16(a0, q0), _mm_mullo_epi16(a1, q1));
    /* int16 pairs (t_l, 0) times (scale, 0): scale * t_l as int32 */
    __m128i s = _mm_set1_epi32(scale & 0xffff), zero = _mm_setzero_si128();
    *acc_lo = _mm_add_epi32(*acc_lo, _mm_madd_epi16(_mm_unpacklo_epi16(t, zero), s));
    *acc_hi = _mm_add_epi32(*acc_hi, _mm_madd_epi16(_mm_unpackhi_epi16(t, zero), s));
}

static inline void lanes_to_sums(float sums[8], float d, __m128i lo, __m128i hi)
{
    int32_t aux[8];
    _mm_storeu_si128((__m128i *)aux, lo);
    _mm_storeu_si128((__m128i *)(aux + 4), hi);
    for (int l = 0; l < 8; l++)
        sums[l] += d * (float)aux[l];
}

/* Q4_K and Q5_K (the fifth bit of element 64j + 32k + t is bit 2j + k of qh[t]). */
static void dot_q45_K_sse2(size_t n, float *out, const void *w, const void *x, int five)
{
    const float *f16 = quant_f16_table();
    const struct block_q8_K *b = x;
    const __m128i m4 = _mm_set1_epi8(0x0F), one = _mm_set1_epi8(1);
    float sums[8] = { 0 }, sum = 0;
    for (size_t i = 0; i < n / QK_K; i++) {
        const struct k45_fields f = k45_superblock(w, i, five);
        const uint8_t *qs = f.qs, *qh = f.qh;
        const qhalf hd = f.d, hdmin = f.dmin;
        int sc[8], mn[8];
        k45_scales_mins(f.scales, sc, mn);
        int sumi = 0;
        for (int j = 0; j < 16; j++)
            sumi += b[i].bsums[j] * mn[j / 2];
        __m128i lo = _mm_setzero_si128(), hi = lo;
        const int8_t *q8 = b[i].qs;
        for (int j = 0; j < 4; j++) {   /* 64 elements: 32 low nibbles, 32 high */
            const uint8_t *q = qs + 32 * j;
            for (int h = 0; h < 2; h++) {
                __m128i v = load16(q + 16 * h);
                __m128i vl = _mm_and_si128(v, m4), vh = _mm_and_si128(_mm_srli_epi16(v, 4), m4);
                if (five) {
                    __m128i hb = load16(qh + 16 * h);
                    vl = _mm_or_si128(vl, _mm_slli_epi16(_mm_and_si128(_mm_srli_epi16(hb, 2 * j), one), 4));
                    vh = _mm_or_si128(vh, _mm_slli_epi16(_mm_and_si128(_mm_srli_epi16(hb, 2 * j + 1), one), 4));
                }
                lanes_add16(&lo, &hi, vl, load16(q8 + 64 * j + 16 * h), sc[2 * j]);
                lanes_add16(&lo, &hi, vh, load16(q8 + 64 * j + 32 + 16 * h), sc[2 * j + 1]);
            }
        }
        lanes_to_sums(sums, H2F(hd) * b[i].d, lo, hi);
        sum -= H2F(hdmin) * b[i].d * (float)sumi;
    }
    for (int l = 0; l < 8; l++)
        sum += sums[l];
    *out = sum;
}

void dot_q4_K_sse2(size_t n, float *out, const void *w, const void *x) { dot_q45_K_sse2(n, out, w, x, 0); }
void dot_q5_K_sse2(size_t n, float *out, const void *w, const void *x) { dot_q45_K_sse2(n, out, w, x, 1); }

void dot_q6_K_sse2(size_t n, float *out, const void *w, const void *x)
{
    const float *f16 = quant_f16_table();
    const struct block_q6_K *a = w;
    const struct block_q8_K *b = x;
    const __m128i m4 = _mm_set1_epi8(0x0F), m3 = _mm_set1_epi8(3), off = _mm_set1_epi8(32);
    float sums[8] = { 0 };
    for (size_t i = 0; i < n / QK_K; i++) {
        __m128i lo = _mm_setzero_si128(), hi = lo;
        for (int j = 0; j < 2; j++) {            /* 128-element halves */
            const uint8_t *ql = a[i].ql + 64 * j, *qh = a[i].qh + 32 * j;
            const int8_t *q8 = b[i].qs + 128 * j, *sc = a[i].scales + 8 * j;
            for (int h = 0; h < 2; h++) {        /* bytes 16h..16h+15 of each 32-byte group */
                __m128i l1 = load16(ql + 16 * h), l2 = load16(ql + 32 + 16 * h), hb = load16(qh + 16 * h);
                __m128i v[4];
                v[0] = _mm_or_si128(_mm_and_si128(l1, m4), _mm_slli_epi16(_mm_and_si128(hb, m3), 4));
                v[1] = _mm_or_si128(_mm_and_si128(l2, m4), _mm_slli_epi16(_mm_and_si128(_mm_srli_epi16(hb, 2), m3), 4));
                v[2] = _mm_or_si128(_mm_and_si128(_mm_srli_epi16(l1, 4), m4),
                                    _mm_slli_epi16(_mm_and_si128(_mm_srli_epi16(hb, 4), m3), 4));
                v[3] = _mm_or_si128(_mm_and_si128(_mm_srli_epi16(l2, 4), m4),
                                    _mm_slli_epi16(_mm_and_si128(_mm_srli_epi16(hb, 6), m3), 4));
                for (int g = 0; g < 4; g++)      /* group g: elements 32g + 16h .. +15 */
                    lanes_add16(&lo, &hi, _mm_sub_epi8(v[g], off), load16(q8 + 32 * g + 16 * h), sc[2 * g + h]);
            }
        }
        lanes_to_sums(sums, H2F(a[i].d) * b[i].d, lo, hi);
    }
    float sum = 0;
    for (int l = 0; l < 8; l++)
        sum += sums[l];
    *out = sum;
}

/* F32: four products per mulps, then the same sequential double sum as
 * the generic code (float product, widened, added in order). Fewer emulated
 * float instructions under TCG: 7 per 4 elements instead of 12. */
void dot_f32_sse2(size_t n, float *out, const void *w, const void *x)
{
    const float *a = w, *b = x;
    __m128d sum = _mm_setzero_pd();
    size_t i = 0;
    for (; i + 4 <= n; i += 4) {
        __m128 p = _mm_mul_ps(_mm_loadu_ps(a + i), _mm_loadu_ps(b + i));
        __m128d lo = _mm_cvtps_pd(p), hi = _mm_cvtps_pd(_mm_movehl_ps(p, p));
        sum = _mm_add_sd(sum, lo);
        sum = _mm_add_sd(sum, _mm_unpackhi_pd(lo, lo));
        sum = _mm_add_sd(sum, hi);
        sum = _mm_add_sd(sum, _mm_unpackhi_pd(hi, hi));
    }
    double s = _mm_cvtsd_f64(sum);
    for (; i < n; i++)
        s += (double)(a[i] * b[i]);
    *out = (float)s;
}

/* F32 in float lanes (NOT ggml's generic order): four partial float sums of
 * mulps/addps, for when speed matters more than bit-equality with the x64
 * build (differs by float rounding, ~1e-7 relative to sum|w x|). */
void dot_f32_sse2_fast(size_t n, float *out, const void *w, const void *x)
{
    const float *a = w, *b = x;
    __m128 s0 = _mm_setzero_ps(), s1 = s0;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        s0 = _mm_add_ps(s0, _mm_mul_ps(_mm_loadu_ps(a + i), _mm_loadu_ps(b + i)));
        s1 = _mm_add_ps(s1, _mm_mul_ps(_mm_loadu_ps(a + i + 4), _mm_loadu_ps(b + i + 4)));
    }
    s0 = _mm_add_ps(s0, s1);
    s0 = _mm_add_ps(s0, _mm_movehl_ps(s0, s0));
    s0 = _mm_add_ss(s0, _mm_shuffle_ps(s0, s0, 1));
    float sum = _mm_cvtss_f32(s0);
    for (; i < n; i++)
        sum += a[i] * b[i];
    *out = sum;
}

/* F16 the same way (values from the exact fp16 table). */
void dot_f16_sse2_fast(size_t n, float *out, const void *w, const void *x)
{
    const uint16_t *a = w, *b = x;
    const float *t = quant_f16_table();
    __m128 s0 = _mm_setzero_ps(), s1 = s0;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        __m128 a0 = _mm_setr_ps(t[a[i]], t[a[i + 1]], t[a[i + 2]], t[a[i + 3]]);
        __m128 b0 = _mm_setr_ps(t[b[i]], t[b[i + 1]], t[b[i + 2]], t[b[i + 3]]);
        __m128 a1 = _mm_setr_ps(t[a[i + 4]], t[a[i + 5]], t[a[i + 6]], t[a[i + 7]]);
        __m128 b1 = _mm_setr_ps(t[b[i + 4]], t[b[i + 5]], t[b[i + 6]], t[b[i + 7]]);
        s0 = _mm_add_ps(s0, _mm_mul_ps(a0, b0));
        s1 = _mm_add_ps(s1, _mm_mul_ps(a1, b1));
    }
    s0 = _mm_add_ps(s0, s1);
    s0 = _mm_add_ps(s0, _mm_movehl_ps(s0, s0));
    s0 = _mm_add_ss(s0, _mm_shuffle_ps(s0, s0, 1));
    float sum = _mm_cvtss_f32(s0);
    for (; i < n; i++)
        sum += t[a[i]] * t[b[i]];
    *out = sum;
}
