/* Matrix-matrix product for prompt evaluation: one weight matrix times the
 * activations of several tokens. Every (row, token) result is bit-identical
 * to what matvec() computes for that row and that token alone; only the
 * work that does not depend on the token (reading and unpacking a weight
 * row) is shared. */
#ifndef EMBODIOS_MATH_MATMUL_H
#define EMBODIOS_MATH_MATMUL_H

#include <stddef.h>
#include <stdint.h>

/* Scratch bytes matmul needs for this type, row length and token count. */
size_t matmul_scratch_bytes(uint32_t type, size_t cols, uint32_t n_tok);

/* out[t * ldo + r] = dot(W row r, x[t * ldx .. + cols]) for every row r and
 * token t < n_tok, with x converted to the type's vec_dot_type per token as
 * matvec does. 0, -EINVAL (cols not a multiple of the block size, n_tok 0)
 * or -ENOTSUP (type). */
int matmul(uint32_t type, const void *w, size_t rows, size_t cols, const float *x, size_t ldx, uint32_t n_tok,
           float *out, size_t ldo, void *scratch);

#endif
