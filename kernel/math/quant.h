/* TEMPORARY (helper infer): the MATH_API.md interface until the math branch
 * delivers it. Replaced by math's file at merge. */
#ifndef EMBODIOS_MATH_QUANT_H
#define EMBODIOS_MATH_QUANT_H
#include <stddef.h>
#include <stdint.h>
struct quant_type {
    uint32_t type;
    uint32_t vec_dot_type;
    void (*dequantize_row)(const void *src, float *dst, size_t n);
    void (*vec_dot)(size_t n, float *out, const void *w_row, const void *x_conv);
};
const struct quant_type *quant_type_get(uint32_t type);
size_t quant_row_bytes(uint32_t type, size_t n);
void quant_convert_activations(uint32_t vec_dot_type, const float *x, void *dst, size_t n);
#endif
