/* Benchmark support for the `mathbench` shell command: valid random weights
 * of any type, and a timed matvec. Integer results only, so the caller (the
 * shell, built general-registers-only) never touches floats. */
#ifndef EMBODIOS_MATH_MATHBENCH_H
#define EMBODIOS_MATH_MATHBENCH_H

#include <stddef.h>
#include <stdint.h>

/* Fills `rows` rows of `cols` elements of `type` with valid random blocks
 * (finite scales) and x with cols random floats in [-1, 1). */
void mathbench_fill(uint32_t type, void *w, size_t rows, size_t cols, float *x, uint64_t seed);

/* x[0..n) random floats in [-1, 1) (more prompt tokens for --prompt). */
void mathbench_fill_x(float *x, size_t n, uint64_t seed);

/* A checksum of out[0..n) (the float bits summed), so runs can be compared. */
uint32_t mathbench_checksum(const float *out, size_t n);

#endif
