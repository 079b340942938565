/* TEMPORARY (helper infer): the MATH_API.md interface until the math branch
 * delivers it. Replaced by math's file at merge. */
#ifndef EMBODIOS_MATH_MATVEC_H
#define EMBODIOS_MATH_MATVEC_H
#include <stddef.h>
#include <stdint.h>
size_t matvec_scratch_bytes(uint32_t type, size_t cols);
int matvec(uint32_t type, const void *w, size_t rows, size_t cols, const float *x, float *out, void *scratch);
#endif
