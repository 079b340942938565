/* Random valid weights for `mathbench` (see mathbench.h). */
#include "math/mathbench.h"
#include "math/f32_fixed.h"
#include "math/kmath.h"
#include "math/quant.h"

static uint64_t next(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

static float rnd_unit(uint64_t *s) { return (float)(next(s) >> 40) / 16777216.0f * 2 - 1; }

/* Offsets of the fp16 scale fields in one block, -1 terminated. */
static void scale_offsets(uint32_t type, int off[3])
{
    off[0] = off[1] = off[2] = -1;
    switch (type) {
    case QT_Q4_0: case QT_Q5_0: case QT_Q8_0: off[0] = 0; break;
    case QT_Q4_1: case QT_Q5_1: case QT_Q4_K: case QT_Q5_K: off[0] = 0; off[1] = 2; break;
    case QT_Q2_K: off[0] = 80; off[1] = 82; break;
    case QT_Q3_K: off[0] = 108; break;
    case QT_Q6_K: off[0] = 208; break;
    default: break;
    }
}

void mathbench_fill_x(float *x, size_t n, uint64_t seed)
{
    uint64_t s = seed | 1;
    for (size_t i = 0; i < n; i++)
        x[i] = rnd_unit(&s);
}

void mathbench_fill(uint32_t type, void *w, size_t rows, size_t cols, float *x, uint64_t seed)
{
    uint64_t s = seed | 1;
    const struct quant_type *t = quant_type_get(type);
    for (size_t i = 0; i < cols; i++)
        x[i] = rnd_unit(&s);
    if (!t)
        return;
    size_t n = rows * cols;
    if (type == QT_F32 || type == QT_F32FX) {   /* F32FX: the same weights, re-encoded */
        float *f = w;
        for (size_t i = 0; i < n; i++)
            f[i] = rnd_unit(&s) * 0.1f;
        if (type == QT_F32FX)
            f32fx_encode(w, n);
        return;
    }
    if (type == QT_F16 || type == QT_BF16) {
        uint16_t *h = w;
        for (size_t i = 0; i < n; i++)
            h[i] = type == QT_F16 ? fp32_to_fp16(rnd_unit(&s) * 0.1f) : fp32_to_bf16(rnd_unit(&s) * 0.1f);
        return;
    }
    uint8_t *b = w;
    size_t blocks = n / t->block_size;
    int off[3];
    scale_offsets(type, off);
    for (size_t i = 0; i < blocks; i++, b += t->block_bytes) {
        for (size_t k = 0; k < t->block_bytes; k++)
            b[k] = (uint8_t)next(&s);
        for (int k = 0; off[k] >= 0 && k < 3; k++) {
            uint16_t h = fp32_to_fp16((0.5f + 0.5f * (rnd_unit(&s) + 1) / 2) * 0.01f);
            b[off[k]] = (uint8_t)h;
            b[off[k] + 1] = (uint8_t)(h >> 8);
        }
    }
}

uint32_t mathbench_checksum(const float *out, size_t n)
{
    uint32_t c = 0;
    for (size_t i = 0; i < n; i++)
        c = c * 31 + k_float_bits(out[i]);
    return c;
}
