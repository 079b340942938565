/* matmul's K-quant paths: Q4_K/Q5_K/Q6_K rows unpacked once for every
 * token of a prompt chunk (matmul_k.c), or dotted with a pre-split
 * activation for one token (matvec_k.c); bit-identical to the
 * generic-order vec_dot. */
#ifndef EMBODIOS_MATH_MATMUL_K_H
#define EMBODIOS_MATH_MATMUL_K_H

#include <stddef.h>
#include <stdint.h>
#include "math/quant.h"

int matmul_k_supported(const struct quant_type *t);
size_t matmul_k_scratch_bytes(size_t cols, uint32_t n_tok);
int matmul_k(const struct quant_type *t, const void *w, size_t rows, size_t cols, const float *x, size_t ldx,
             uint32_t n_tok, float *out, size_t ldo, void *scratch);

/* One token (decode): matvec_k.c, the same results as vec_dot per row. */
size_t matvec_k_scratch_bytes(size_t cols);
int matvec_k(const struct quant_type *t, const void *w, size_t rows, size_t cols, const float *x, float *out,
             void *scratch);

#endif
