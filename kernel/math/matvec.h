/* Matrix-vector product over ggml weight rows (see MATH_API.md). */
#ifndef EMBODIOS_MATH_MATVEC_H
#define EMBODIOS_MATH_MATVEC_H

#include <stddef.h>
#include <stdint.h>

/* Bytes of scratch matvec needs for the converted activation (0 for F32
 * weights; still pass a valid pointer or NULL). */
size_t matvec_scratch_bytes(uint32_t type, size_t cols);

/* out[r] = dot(W row r, x) for r in [0, rows): W is `rows` rows of `cols`
 * elements of `type`, contiguous as in GGUF (ne0 = cols, ne1 = rows). x is
 * converted to the type's vec_dot_type first (into scratch), then every row is
 * dotted with it, as ggml's mul_mat does for one thread and one token.
 * 0, -EINVAL (cols not a multiple of the block size) or -ENOTSUP (type). */
int matvec(uint32_t type, const void *w, size_t rows, size_t cols,
           const float *x, float *out, void *scratch);

/* The same with an already converted activation (several matrices sharing
 * one input, e.g. Q/K/V or gate/up, convert once). */
int matvec_converted(uint32_t type, const void *w, size_t rows, size_t cols,
                     const void *x_conv, float *out);

#endif
