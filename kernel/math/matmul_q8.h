/* matmul's Q8_0/Q5_0 paths for the generic-order kernels (scalar, SSE2):
 * one token four rows at a time (matvec_q8.c), several tokens three at a
 * time in general registers (matmul_q8.c). Both are bit-identical to
 * vec_dot for every row and token. */
#ifndef EMBODIOS_MATH_MATMUL_Q8_H
#define EMBODIOS_MATH_MATMUL_Q8_H

#include <stddef.h>
#include <stdint.h>
#include "math/quant.h"

/* Decode: xq is the token's Q8_0 row (quant_convert_activations). */
void matvec_q8(const struct quant_type *t, const void *w, size_t rows, size_t cols, const void *xq, float *out);

/* Prompt evaluation: out[k * ldo + r] for n_tok tokens x[k * ldx ..]. */
size_t matmul_q8_scratch_bytes(size_t cols, uint32_t n_tok);
int matmul_q8(const struct quant_type *t, const void *w, size_t rows, size_t cols, const float *x, size_t ldx,
              uint32_t n_tok, float *out, size_t ldo, void *scratch);

#endif
