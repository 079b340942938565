/* The kernel's own libm (single precision) and ggml's half-precision
 * conversions. Built for the kernel (SSE2) and for host tests.
 *
 * Accuracy, measured by tests/host/test_math.c against the host's glibc libm
 * (which is itself within 1 ulp of the exact result) over ~2 million inputs per function:
 *   k_sqrtf, k_fabsf      exact (sqrtss, IEEE correctly rounded)
 *   k_expf                <= 1 ulp, all finite inputs; overflow -> +inf, underflow -> 0
 *   k_logf                <= 1 ulp, x > 0 (incl. subnormals); 0 -> -inf, x < 0 -> NaN
 *   k_powf                <= 1 ulp for |y*log2(x)| < 126 (finite results); IEEE special cases
 *   k_sinf, k_cosf        <= 1 ulp for |x| < 2^20 (Cody-Waite reduction with a 3-part pi/2);
 *                         beyond that the reduction loses bits (not used by the model: RoPE
 *                         angles are at most the context length)
 *   k_tanhf               <= 1 ulp
 * Everything is evaluated in double and rounded once to float, so most results
 * are correctly rounded; the 1-ulp bound covers the rare double-rounding case.
 * fp16/bf16 conversions are bit-exact with ggml (ggml-impl.h) for every input:
 * round to nearest even, overflow to inf, NaN kept NaN. */
#ifndef EMBODIOS_MATH_KMATH_H
#define EMBODIOS_MATH_KMATH_H

#include <stdint.h>

float k_expf(float x);
float k_logf(float x);
float k_sqrtf(float x);
float k_powf(float x, float y);
float k_sinf(float x);
float k_cosf(float x);
float k_tanhf(float x);
float k_fabsf(float x);

uint16_t fp32_to_fp16(float f);
float fp16_to_fp32(uint16_t h);
uint16_t fp32_to_bf16(float f);
float bf16_to_fp32(uint16_t h);

static inline uint32_t k_float_bits(float f) { union { float f; uint32_t u; } v = { .f = f }; return v.u; }
static inline float k_bits_float(uint32_t u) { union { uint32_t u; float f; } v = { .u = u }; return v.f; }

#endif
