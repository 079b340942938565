/* TEMPORARY (helper infer): F32/F16 only, scalar, until math's quant.c and
 * matvec.c arrive. Deleted at that merge. */
#include "math/kmath.h"
#include "math/matvec.h"
#include "math/quant.h"
#include "lib/errno.h"

static void deq_f32(const void *src, float *dst, size_t n)
{
    const float *s = src;
    for (size_t i = 0; i < n; i++)
        dst[i] = s[i];
}
static void deq_f16(const void *src, float *dst, size_t n)
{
    const uint16_t *s = src;
    for (size_t i = 0; i < n; i++)
        dst[i] = fp16_to_fp32(s[i]);
}
static void dot_f32(size_t n, float *out, const void *w, const void *x)
{
    const float *a = w, *b = x;
    double sum = 0;
    for (size_t i = 0; i < n; i++)
        sum += (double)(a[i] * b[i]);
    *out = (float)sum;
}
static void dot_f16(size_t n, float *out, const void *w, const void *x)
{
    const uint16_t *a = w, *b = x;
    double sum = 0;
    for (size_t i = 0; i < n; i++)
        sum += (double)(fp16_to_fp32(a[i]) * fp16_to_fp32(b[i]));
    *out = (float)sum;
}
static const struct quant_type types[2] = {
    { 0, 0, deq_f32, dot_f32 },
    { 1, 1, deq_f16, dot_f16 },
};
const struct quant_type *quant_type_get(uint32_t type) { return type < 2 ? &types[type] : 0; }
size_t quant_row_bytes(uint32_t type, size_t n) { return type == 0 ? 4 * n : 2 * n; }
void quant_convert_activations(uint32_t t, const float *x, void *dst, size_t n)
{
    if (t == 0) {
        float *d = dst;
        for (size_t i = 0; i < n; i++)
            d[i] = x[i];
    } else {
        uint16_t *d = dst;
        for (size_t i = 0; i < n; i++)
            d[i] = fp32_to_fp16(x[i]);
    }
}
size_t matvec_scratch_bytes(uint32_t type, size_t cols) { return quant_row_bytes(type, cols); }
int matvec(uint32_t type, const void *w, size_t rows, size_t cols, const float *x, float *out, void *scratch)
{
    const struct quant_type *q = quant_type_get(type);
    if (!q)
        return -ENOTSUP;
    quant_convert_activations(q->vec_dot_type, x, scratch, cols);
    size_t rb = quant_row_bytes(type, cols);
    for (size_t r = 0; r < rows; r++)
        q->vec_dot(cols, &out[r], (const char *)w + r * rb, scratch);
    return 0;
}
