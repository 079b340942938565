/* The legacy 32-element block types Q4_0, Q4_1, Q5_0, Q5_1, Q8_0 and the
 * activation types Q8_0/Q8_1: dequantization bit-exact with ggml-quants.c,
 * dot products with integer sums per block, scaled in float in the order of
 * ggml-cpu's generic quants.c. */
#include "math/kmath.h"
#include "math/quant.h"
#include "lib/string.h"

/* fp16 scales by table lookup (the same values as fp16_to_fp32) */
#define H2F(h) (quant_f16_table()[h])

void dequant_q4_0(const void *src, float *y, size_t n)
{
    const struct block_q4_0 *b = src;
    for (size_t i = 0; i < n / QK4_0; i++, y += QK4_0) {
        float d = H2F(b[i].d);
        for (int j = 0; j < QK4_0 / 2; j++) {
            y[j] = (float)((b[i].qs[j] & 0x0F) - 8) * d;
            y[j + QK4_0 / 2] = (float)((b[i].qs[j] >> 4) - 8) * d;
        }
    }
}

void dequant_q4_1(const void *src, float *y, size_t n)
{
    const struct block_q4_1 *b = src;
    for (size_t i = 0; i < n / QK4_1; i++, y += QK4_1) {
        float d = H2F(b[i].d), m = H2F(b[i].m);
        for (int j = 0; j < QK4_1 / 2; j++) {
            y[j] = (float)(b[i].qs[j] & 0x0F) * d + m;
            y[j + QK4_1 / 2] = (float)(b[i].qs[j] >> 4) * d + m;
        }
    }
}

static inline uint32_t load_qh(const uint8_t qh[4])
{
    uint32_t v;
    memcpy(&v, qh, 4);
    return v;
}

/* The fifth bits of elements j and j+16 of a Q5 block. */
static inline int q5_hi0(uint32_t qh, int j) { return (int)(((qh >> j) << 4) & 0x10); }
static inline int q5_hi1(uint32_t qh, int j) { return (int)((qh >> (j + 12)) & 0x10); }

void dequant_q5_0(const void *src, float *y, size_t n)
{
    const struct block_q5_0 *b = src;
    for (size_t i = 0; i < n / QK5_0; i++, y += QK5_0) {
        float d = H2F(b[i].d);
        uint32_t qh = load_qh(b[i].qh);
        for (int j = 0; j < QK5_0 / 2; j++) {
            y[j] = (float)(((b[i].qs[j] & 0x0F) | q5_hi0(qh, j)) - 16) * d;
            y[j + QK5_0 / 2] = (float)(((b[i].qs[j] >> 4) | q5_hi1(qh, j)) - 16) * d;
        }
    }
}

void dequant_q5_1(const void *src, float *y, size_t n)
{
    const struct block_q5_1 *b = src;
    for (size_t i = 0; i < n / QK5_1; i++, y += QK5_1) {
        float d = H2F(b[i].d), m = H2F(b[i].m);
        uint32_t qh = load_qh(b[i].qh);
        for (int j = 0; j < QK5_1 / 2; j++) {
            y[j] = (float)((b[i].qs[j] & 0x0F) | q5_hi0(qh, j)) * d + m;
            y[j + QK5_1 / 2] = (float)((b[i].qs[j] >> 4) | q5_hi1(qh, j)) * d + m;
        }
    }
}

void dequant_q8_0(const void *src, float *y, size_t n)
{
    const struct block_q8_0 *b = src;
    for (size_t i = 0; i < n / QK8_0; i++, y += QK8_0) {
        float d = H2F(b[i].d);
        for (int j = 0; j < QK8_0; j++)
            y[j] = (float)b[i].qs[j] * d;
    }
}

/* ---- dot products (weights . Q8_0 or Q8_1 activations) ---- */

void dot_q4_0(size_t n, float *out, const void *w, const void *x)
{
    const struct block_q4_0 *a = w;
    const struct block_q8_0 *b = x;
    float sum = 0;
    for (size_t i = 0; i < n / QK8_0; i++) {
        int s = 0;
        for (int j = 0; j < QK8_0 / 2; j++)
            s += ((a[i].qs[j] & 0x0F) - 8) * b[i].qs[j] + ((a[i].qs[j] >> 4) - 8) * b[i].qs[j + 16];
        sum += (float)s * H2F(a[i].d) * H2F(b[i].d);
    }
    *out = sum;
}

void dot_q4_1(size_t n, float *out, const void *w, const void *x)
{
    const struct block_q4_1 *a = w;
    const struct block_q8_1 *b = x;
    float sum = 0;
    for (size_t i = 0; i < n / QK8_1; i++) {
        int s = 0;
        for (int j = 0; j < QK8_1 / 2; j++)
            s += (a[i].qs[j] & 0x0F) * b[i].qs[j] + (a[i].qs[j] >> 4) * b[i].qs[j + 16];
        sum += (H2F(a[i].d) * H2F(b[i].d)) * (float)s + H2F(a[i].m) * H2F(b[i].s);
    }
    *out = sum;
}

void dot_q5_0(size_t n, float *out, const void *w, const void *x)
{
    const struct block_q5_0 *a = w;
    const struct block_q8_0 *b = x;
    float sum = 0;
    for (size_t i = 0; i < n / QK8_0; i++) {
        uint32_t qh = load_qh(a[i].qh);
        int s = 0;
        for (int j = 0; j < QK8_0 / 2; j++) {
            int x0 = ((a[i].qs[j] & 0x0F) | q5_hi0(qh, j)) - 16;
            int x1 = ((a[i].qs[j] >> 4) | q5_hi1(qh, j)) - 16;
            s += x0 * b[i].qs[j] + x1 * b[i].qs[j + 16];
        }
        sum += (H2F(a[i].d) * H2F(b[i].d)) * (float)s;
    }
    *out = sum;
}

void dot_q5_1(size_t n, float *out, const void *w, const void *x)
{
    const struct block_q5_1 *a = w;
    const struct block_q8_1 *b = x;
    float sum = 0;
    for (size_t i = 0; i < n / QK8_1; i++) {
        uint32_t qh = load_qh(a[i].qh);
        int s = 0;
        for (int j = 0; j < QK8_1 / 2; j++) {
            int x0 = (a[i].qs[j] & 0x0F) | q5_hi0(qh, j);
            int x1 = (a[i].qs[j] >> 4) | q5_hi1(qh, j);
            s += x0 * b[i].qs[j] + x1 * b[i].qs[j + 16];
        }
        sum += (H2F(a[i].d) * H2F(b[i].d)) * (float)s + H2F(a[i].m) * H2F(b[i].s);
    }
    *out = sum;
}

void dot_q8_0(size_t n, float *out, const void *w, const void *x)
{
    const struct block_q8_0 *a = w;
    const struct block_q8_0 *b = x;
    float sum = 0;
    for (size_t i = 0; i < n / QK8_0; i++) {
        int s = 0;
        for (int j = 0; j < QK8_0; j++)
            s += a[i].qs[j] * b[i].qs[j];
        sum += (float)s * (H2F(a[i].d) * H2F(b[i].d));
    }
    *out = sum;
}

/* ---- activation quantization ---- */

/* C's roundf (ties away from zero) for |v| < 2^23: exact in double. */
static inline int round_away(float v) { return (int)((double)v + (v < 0 ? -0.5 : 0.5)); }
/* Round half to even (_mm256_round_ps(_MM_ROUND_NEAREST)) for |v| < 2^22. */
static inline int round_even(float v)
{
    float t = v + 12582912.f;   /* 1.5 * 2^23: the add rounds to an integer (no -ffast-math here) */
    return (int)(t - 12582912.f);
}

static float block_amax(const float *x)
{
    float amax = 0;
    for (int j = 0; j < 32; j++) {
        float a = k_fabsf(x[j]);
        amax = amax > a ? amax : a;
    }
    return amax;
}

/* ggml's quantize_row_q8_0_ref / _q8_1_ref (the generic build). */
void quantize_q8_0_ref(const float *x, void *dst, size_t n)
{
    struct block_q8_0 *y = dst;
    for (size_t i = 0; i < n / QK8_0; i++, x += QK8_0) {
        float d = block_amax(x) / 127;
        float id = d != 0.0f ? 1.0f / d : 0.0f;
        y[i].d = fp32_to_fp16(d);
        for (int j = 0; j < QK8_0; j++)
            y[i].qs[j] = (int8_t)round_away(x[j] * id);
    }
}

void quantize_q8_1_ref(const float *x, void *dst, size_t n)
{
    struct block_q8_1 *y = dst;
    for (size_t i = 0; i < n / QK8_1; i++, x += QK8_1) {
        float d = block_amax(x) / 127;
        float id = d != 0.0f ? 1.0f / d : 0.0f;
        y[i].d = fp32_to_fp16(d);
        int sum = 0;
        for (int j = 0; j < QK8_1; j++) {
            y[i].qs[j] = (int8_t)round_away(x[j] * id);
            sum += y[i].qs[j];
        }
        y[i].s = fp32_to_fp16((float)sum * d);
    }
}

/* ggml's AVX/AVX2 quantize_row_q8_0 / _q8_1 (x86 quants.c): id = 127/amax and
 * round half to even. Plain C: the rounding, not the instructions, matters. */
void quantize_q8_0_avx(const float *x, void *dst, size_t n)
{
    struct block_q8_0 *y = dst;
    for (size_t i = 0; i < n / QK8_0; i++, x += QK8_0) {
        float amax = block_amax(x);
        float id = amax != 0.0f ? 127.f / amax : 0.0f;
        y[i].d = fp32_to_fp16(amax / 127.f);
        for (int j = 0; j < QK8_0; j++)
            y[i].qs[j] = (int8_t)round_even(x[j] * id);
    }
}

void quantize_q8_1_avx(const float *x, void *dst, size_t n)
{
    struct block_q8_1 *y = dst;
    for (size_t i = 0; i < n / QK8_1; i++, x += QK8_1) {
        float amax = block_amax(x);
        float d = amax / 127.f;
        float id = amax != 0.0f ? 127.f / amax : 0.0f;
        y[i].d = fp32_to_fp16(d);
        int sum = 0;
        for (int j = 0; j < QK8_1; j++) {
            y[i].qs[j] = (int8_t)round_even(x[j] * id);
            sum += y[i].qs[j];
        }
        y[i].s = fp32_to_fp16(d * (float)sum);
    }
}
