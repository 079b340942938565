/* The K-quants (256-element super-blocks) Q2_K..Q6_K and the activation type
 * Q8_K: dequantization bit-exact with ggml-quants.c; dot products with
 * integer sums per sub-block, scaled in float in the order of ggml-cpu's
 * generic quants.c (eight float partial sums for Q3_K..Q6_K, as ggml). */
#include "math/kmath.h"
#include "math/quant.h"
#include "lib/string.h"

/* fp16 scales by table lookup (the same values as fp16_to_fp32) */
#define H2F(h) (quant_f16_table()[h])

/* The 6-bit scale and min of sub-block j (0..7) of Q4_K/Q5_K. */
static inline void scale_min_k4(int j, const uint8_t *q, int *d, int *m)
{
    if (j < 4) {
        *d = q[j] & 63;
        *m = q[j + 4] & 63;
    } else {
        *d = (q[j + 4] & 0xF) | ((q[j - 4] >> 6) << 4);
        *m = (q[j + 4] >> 4) | ((q[j] >> 6) << 4);
    }
}

/* Sub-block j's scale and min of a Q4_K/Q5_K super-block, as floats:
 * d * scale and dmin * min, the products ggml's dequantization uses. */
static inline void scaled_min_k4(int j, const uint8_t *scales, float d, float dmin, float *dj, float *mj)
{
    int sc, m;
    scale_min_k4(j, scales, &sc, &m);
    *dj = d * (float)sc;
    *mj = dmin * (float)m;
}

/* The sixteen 6-bit scales of Q3_K (still biased by 32). */
static void q3k_scales(const uint8_t packed[12], int8_t out[16])
{
    for (int j = 0; j < 16; j++) {
        int lo = j < 8 ? (packed[j] & 0xF) : (packed[j - 8] >> 4);
        int hi = (packed[8 + (j & 3)] >> (2 * (j >> 2))) & 3;
        out[j] = (int8_t)(lo | (hi << 4));
    }
}

void dequant_q2_K(const void *src, float *y, size_t n)
{
    const struct block_q2_K *b = src;
    for (size_t i = 0; i < n / QK_K; i++) {
        float d = H2F(b[i].d), min = H2F(b[i].dmin);
        const uint8_t *q = b[i].qs;
        int is = 0;
        for (int half = 0; half < 2; half++, q += 32) {
            for (int shift = 0; shift < 8; shift += 2) {
                for (int part = 0; part < 2; part++) {
                    uint8_t sc = b[i].scales[is++];
                    float dl = d * (float)(sc & 0xF), ml = min * (float)(sc >> 4);
                    for (int l = 0; l < 16; l++)
                        *y++ = dl * (float)((q[l + 16 * part] >> shift) & 3) - ml;
                }
            }
        }
    }
}

void dequant_q3_K(const void *src, float *y, size_t n)
{
    const struct block_q3_K *b = src;
    for (size_t i = 0; i < n / QK_K; i++) {
        float d = H2F(b[i].d);
        int8_t sc[16];
        q3k_scales(b[i].scales, sc);
        const uint8_t *q = b[i].qs, *hm = b[i].hmask;
        int is = 0;
        uint8_t m = 1;
        for (int half = 0; half < 2; half++, q += 32) {
            for (int shift = 0; shift < 8; shift += 2, m <<= 1) {
                for (int part = 0; part < 2; part++) {
                    float dl = d * (float)(sc[is++] - 32);
                    for (int l = 16 * part; l < 16 * part + 16; l++)
                        *y++ = dl * (float)(((q[l] >> shift) & 3) - ((hm[l] & m) ? 0 : 4));
                }
            }
        }
    }
}

void dequant_q4_K(const void *src, float *y, size_t n)
{
    const struct block_q4_K *b = src;
    for (size_t i = 0; i < n / QK_K; i++) {
        float d = H2F(b[i].d), min = H2F(b[i].dmin);
        const uint8_t *q = b[i].qs;
        for (int j = 0; j < 8; j += 2, q += 32) {
            float d1, m1, d2, m2;
            scaled_min_k4(j, b[i].scales, d, min, &d1, &m1);
            scaled_min_k4(j + 1, b[i].scales, d, min, &d2, &m2);
            for (int l = 0; l < 32; l++)
                *y++ = d1 * (float)(q[l] & 0xF) - m1;
            for (int l = 0; l < 32; l++)
                *y++ = d2 * (float)(q[l] >> 4) - m2;
        }
    }
}

void dequant_q5_K(const void *src, float *y, size_t n)
{
    const struct block_q5_K *b = src;
    for (size_t i = 0; i < n / QK_K; i++) {
        float d = H2F(b[i].d), min = H2F(b[i].dmin);
        const uint8_t *ql = b[i].qs, *qh = b[i].qh;
        uint8_t u1 = 1, u2 = 2;
        for (int j = 0; j < 8; j += 2, ql += 32, u1 <<= 2, u2 <<= 2) {
            float d1, m1, d2, m2;
            scaled_min_k4(j, b[i].scales, d, min, &d1, &m1);
            scaled_min_k4(j + 1, b[i].scales, d, min, &d2, &m2);
            for (int l = 0; l < 32; l++)
                *y++ = d1 * (float)((ql[l] & 0xF) + ((qh[l] & u1) ? 16 : 0)) - m1;
            for (int l = 0; l < 32; l++)
                *y++ = d2 * (float)((ql[l] >> 4) + ((qh[l] & u2) ? 16 : 0)) - m2;
        }
    }
}

/* The 256 signed 6-bit values of a Q6_K block, in element order. */
static void q6k_values(const struct block_q6_K *b, int8_t a[QK_K])
{
    const uint8_t *ql = b->ql, *qh = b->qh;
    for (int n = 0; n < QK_K; n += 128, ql += 64, qh += 32, a += 128) {
        for (int l = 0; l < 32; l++) {
            a[l] = (int8_t)(((ql[l] & 0xF) | (((qh[l] >> 0) & 3) << 4)) - 32);
            a[l + 32] = (int8_t)(((ql[l + 32] & 0xF) | (((qh[l] >> 2) & 3) << 4)) - 32);
            a[l + 64] = (int8_t)(((ql[l] >> 4) | (((qh[l] >> 4) & 3) << 4)) - 32);
            a[l + 96] = (int8_t)(((ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4)) - 32);
        }
    }
}

void dequant_q6_K(const void *src, float *y, size_t n)
{
    const struct block_q6_K *b = src;
    int8_t a[QK_K];
    for (size_t i = 0; i < n / QK_K; i++, y += QK_K) {
        float d = H2F(b[i].d);
        q6k_values(&b[i], a);
        /* ggml: d * sc * q, left to right; scale index = element / 16 */
        for (int e = 0; e < QK_K; e++)
            y[e] = d * (float)b[i].scales[e / 16] * (float)a[e];
    }
}

/* ---- dot products with Q8_K activations ---- */

void dot_q2_K(size_t n, float *out, const void *w, const void *x)
{
    const struct block_q2_K *a = w;
    const struct block_q8_K *b = x;
    float sum = 0;
    for (size_t i = 0; i < n / QK_K; i++) {
        const uint8_t *q2 = a[i].qs, *sc = a[i].scales;
        const int8_t *q8 = b[i].qs;
        int summs = 0;
        for (int j = 0; j < 16; j++)
            summs += b[i].bsums[j] * (sc[j] >> 4);
        float dall = b[i].d * H2F(a[i].d), dmin = b[i].d * H2F(a[i].dmin);
        int isum = 0, is = 0;
        for (int half = 0; half < 2; half++, q2 += 32) {
            for (int shift = 0; shift < 8; shift += 2, q8 += 32) {
                for (int part = 0; part < 2; part++) {
                    int s = 0;
                    for (int l = 16 * part; l < 16 * part + 16; l++)
                        s += q8[l] * ((q2[l] >> shift) & 3);
                    isum += (sc[is++] & 0xF) * s;
                }
            }
        }
        sum += dall * (float)isum - dmin * (float)summs;
    }
    *out = sum;
}

/* Q3_K..Q6_K share the tail: 8 int32 lanes per block, scaled by d into 8
 * float partial sums, which are added at the very end. aux[l] sums over the
 * elements e with e % 8 == l, weighted by their 16-element sub-block scale. */
static void lanes_accumulate(int32_t aux[8], const int8_t *a, const int8_t *q8, const int *scale16)
{
    for (int e = 0; e < QK_K; e++)
        aux[e & 7] += scale16[e >> 4] * (a[e] * q8[e]);
}

static float lanes_finish(const float sums[8], float sum)
{
    for (int l = 0; l < 8; l++)
        sum += sums[l];
    return sum;
}

void dot_q3_K(size_t n, float *out, const void *w, const void *x)
{
    const struct block_q3_K *a = w;
    const struct block_q8_K *b = x;
    float sums[8] = { 0 };
    int8_t v[QK_K];
    for (size_t i = 0; i < n / QK_K; i++) {
        const uint8_t *q3 = a[i].qs, *hm = a[i].hmask;
        int8_t *p = v;
        uint8_t m = 1;
        for (int half = 0; half < 2; half++, q3 += 32)
            for (int shift = 0; shift < 8; shift += 2, m <<= 1, p += 32)
                for (int l = 0; l < 32; l++)
                    p[l] = (int8_t)(((q3[l] >> shift) & 3) - ((hm[l] & m) ? 0 : 4));
        int8_t sc8[16];
        int sc[16];
        q3k_scales(a[i].scales, sc8);
        for (int j = 0; j < 16; j++)
            sc[j] = sc8[j] - 32;
        int32_t aux[8] = { 0 };
        lanes_accumulate(aux, v, b[i].qs, sc);
        float d = H2F(a[i].d) * b[i].d;
        for (int l = 0; l < 8; l++)
            sums[l] += d * (float)aux[l];
    }
    *out = lanes_finish(sums, 0);
}

/* Q4_K and Q5_K: identical but for the fifth bit. */
static void dot_q45_K(size_t n, float *out, const void *w, const void *x, int five)
{
    const struct block_q8_K *b = x;
    float sums[8] = { 0 }, sum = 0;
    int8_t v[QK_K];
    for (size_t i = 0; i < n / QK_K; i++) {
        const struct k45_fields f = k45_superblock(w, i, five);
        const uint8_t *scales = f.scales, *q = f.qs, *qh = f.qh;
        const qhalf hd = f.d, hdmin = f.dmin;
        uint8_t m = 1;
        for (int j = 0; j < 4; j++, q += 32) {
            for (int l = 0; l < 32; l++) {
                v[64 * j + l] = (int8_t)((q[l] & 0xF) + (qh && (qh[l] & m) ? 16 : 0));
                v[64 * j + 32 + l] = (int8_t)((q[l] >> 4) + (qh && (qh[l] & (m << 1)) ? 16 : 0));
            }
            m <<= 2;
        }
        int sc[16], mins[8];
        for (int j = 0; j < 8; j++) {
            scale_min_k4(j, scales, &sc[2 * j], &mins[j]);
            sc[2 * j + 1] = sc[2 * j];
        }
        int sumi = 0;
        for (int j = 0; j < 16; j++)
            sumi += b[i].bsums[j] * mins[j / 2];
        int32_t aux[8] = { 0 };
        lanes_accumulate(aux, v, b[i].qs, sc);
        float d = H2F(hd) * b[i].d;
        for (int l = 0; l < 8; l++)
            sums[l] += d * (float)aux[l];
        float dmin = H2F(hdmin) * b[i].d;
        sum -= dmin * (float)sumi;
    }
    *out = lanes_finish(sums, sum);
}

void dot_q4_K(size_t n, float *out, const void *w, const void *x) { dot_q45_K(n, out, w, x, 0); }
void dot_q5_K(size_t n, float *out, const void *w, const void *x) { dot_q45_K(n, out, w, x, 1); }

void dot_q6_K(size_t n, float *out, const void *w, const void *x)
{
    const struct block_q6_K *a = w;
    const struct block_q8_K *b = x;
    float sums[8] = { 0 };
    int8_t v[QK_K];
    for (size_t i = 0; i < n / QK_K; i++) {
        q6k_values(&a[i], v);
        int sc[16];
        for (int j = 0; j < 16; j++)
            sc[j] = a[i].scales[j];
        int32_t aux[8] = { 0 };
        lanes_accumulate(aux, v, b[i].qs, sc);
        float d = H2F(a[i].d) * b[i].d;
        for (int l = 0; l < 8; l++)
            sums[l] += d * (float)aux[l];
    }
    *out = lanes_finish(sums, 0);
}

/* ggml's quantize_row_q8_K_ref (used by every x86 build): scale from the
 * signed value of largest magnitude, round half to even, 16-element sums. */
void quantize_q8_K(const float *x, void *dst, size_t n)
{
    struct block_q8_K *y = dst;
    for (size_t i = 0; i < n / QK_K; i++, x += QK_K) {
        float max = 0, amax = 0;
        for (int j = 0; j < QK_K; j++) {
            float ax = k_fabsf(x[j]);
            if (ax > amax) {
                amax = ax;
                max = x[j];
            }
        }
        if (amax == 0.0f) {
            memset(&y[i], 0, sizeof(y[i]));   /* ggml leaves bsums alone; they are unused */
            continue;
        }
        float iscale = -127.f / max;
        for (int j = 0; j < QK_K; j++) {
            float t = iscale * x[j] + 12582912.f;   /* nearest_int: round half to even */
            int v = (int)(k_float_bits(t) & 0x007fffff) - 0x00400000;
            y[i].qs[j] = (int8_t)(v < 127 ? v : 127);
        }
        for (int j = 0; j < QK_K / 16; j++) {
            int s = 0;
            for (int l = 0; l < 16; l++)
                s += y[i].qs[16 * j + l];
            y[i].bsums[j] = (int16_t)s;
        }
        y[i].d = 1 / iscale;
    }
}
