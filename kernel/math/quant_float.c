/* F32, F16 and BF16 weights: dequantization, activation conversion and the
 * scalar dot products in the order of ggml's generic C code (vec.cpp without
 * GGML_SIMD): each product rounded to float, then summed in double. */
#include "math/kmath.h"
#include "math/f32_fixed.h"
#include "math/quant.h"
#include "lib/string.h"

/* fp16 -> fp32 for all 65536 inputs (256 KiB, built on first use): one load
 * instead of the bit manipulation of fp16_to_fp32 (exactly its results). */
static float f16_table[65536];
static int f16_table_ready;

const float *quant_f16_table(void)
{
    if (!f16_table_ready) {
        for (uint32_t h = 0; h < 65536; h++)
            f16_table[h] = fp16_to_fp32((uint16_t)h);
        f16_table_ready = 1;
    }
    return f16_table;
}

void dequant_f32(const void *src, float *dst, size_t n) { memcpy(dst, src, n * sizeof(float)); }

void dequant_f16(const void *src, float *dst, size_t n)
{
    const uint16_t *h = src;
    const float *t = quant_f16_table();
    for (size_t i = 0; i < n; i++)
        dst[i] = t[h[i]];
}

void dequant_bf16(const void *src, float *dst, size_t n)
{
    const uint16_t *h = src;
    for (size_t i = 0; i < n; i++)
        dst[i] = bf16_to_fp32(h[i]);
}

/* ggml_cpu_fp32_to_fp16 / _to_bf16: element by element, round to nearest even. */
void convert_f16(const float *x, void *dst, size_t n)
{
    uint16_t *h = dst;
    for (size_t i = 0; i < n; i++)
        h[i] = fp32_to_fp16(x[i]);
}

void convert_bf16(const float *x, void *dst, size_t n)
{
    uint16_t *h = dst;
    for (size_t i = 0; i < n; i++)
        h[i] = fp32_to_bf16(x[i]);
}

void dot_f32(size_t n, float *out, const void *w, const void *x)
{
    const float *a = w, *b = x;
    double sum = 0;
    for (size_t i = 0; i < n; i++)
        sum += (double)(a[i] * b[i]);
    *out = (float)sum;
}

void dot_f16(size_t n, float *out, const void *w, const void *x)
{
    const uint16_t *a = w, *b = x;
    const float *t = quant_f16_table();
    double sum = 0;
    for (size_t i = 0; i < n; i++)
        sum += (double)(t[a[i]] * t[b[i]]);
    *out = (float)sum;
}

void dot_bf16(size_t n, float *out, const void *w, const void *x)
{
    const uint16_t *a = w, *b = x;
    double sum = 0;
    for (size_t i = 0; i < n; i++)   /* bf16 -> fp32 is a shift: inline, no call */
        sum += (double)(k_bits_float((uint32_t)a[i] << 16) * k_bits_float((uint32_t)b[i] << 16));
    *out = (float)sum;
}

/* QT_F32FX (f32_fixed.h): F32 weights re-encoded in place. Dequantizing
 * decodes them; the dot is the current level's F32 dot (ggml's x64 or
 * haswell order) on the decoded row, i.e. what the floats gave. */
void dequant_f32fx(const void *src, float *dst, size_t n) { f32fx_decode_row(src, dst, n); }

void dot_f32fx(size_t n, float *out, const void *w, const void *x)
{
    static float row[F32FX_MAX_COLS];
    if (n > F32FX_MAX_COLS) {   /* never encoded: llama_encode_f32 checks the width */
        *out = 0.0f;
        return;
    }
    f32fx_decode_row(w, row, n);
    quant_type_get(QT_F32)->vec_dot(n, out, row, x);
}
