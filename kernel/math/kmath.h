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

float fp16_to_fp32(uint16_t h);
uint16_t fp32_to_bf16(float f);
float bf16_to_fp32(uint16_t h);

static inline uint32_t k_float_bits(float f) { union { float f; uint32_t u; } v = { .f = f }; return v.u; }
static inline float k_bits_float(uint32_t u) { union { uint32_t u; float f; } v = { .u = u }; return v.f; }

/* float -> fp16 bits, round to nearest even as ggml (NaN -> 0x7e00, above
 * the largest half -> inf, below half the smallest subnormal -> 0).
 * Branch-free, with masks rather than conditionals (which gcc may turn
 * into jumps): under QEMU's TCG a jump ends a translation block, and
 * attention rounds every element of its fp16 accumulator this way. */
static inline uint32_t k_mask_if(int cond) { return -(uint32_t)(cond != 0); }

static inline uint16_t fp32_to_fp16(float f)
{
    const uint32_t u = k_float_bits(f), sign = (u >> 16) & 0x8000u, a = u & 0x7fffffffu;
    const int32_t e = (int32_t)(a >> 23) - 127;
    const uint32_t mant = (a & 0x7fffffu) | 0x800000u;
    /* bits to drop from the 24-bit mantissa: 13, more below the normal
     * range; 25 leaves 0 with a remainder under half (rounds to 0) */
    const uint32_t sub = k_mask_if(e < -14);
    uint32_t sh = 13 + ((uint32_t)(-14 - e) & sub);
    sh -= (sh - 25) & k_mask_if(sh > 25);
    const uint32_t base = ((uint32_t)(e + 14) << 10) & ~sub;   /* exponent field minus 1 */
    const uint32_t q = mant >> sh, rem = mant & ((1u << sh) - 1), half = 1u << (sh - 1);
    const uint32_t up = (uint32_t)(rem > half) | ((uint32_t)(rem == half) & q);
    uint32_t r = sign | (base + q + up);   /* a mantissa carry bumps the exponent */
    const uint32_t inf = k_mask_if(a >= 0x477ff000u), nan = k_mask_if(a > 0x7f800000u);   /* >= 65536 after rounding */
    r = (r & ~inf) | ((sign | 0x7c00u) & inf);
    r = (r & ~nan) | ((sign | 0x7e00u) & nan);
    return (uint16_t)r;
}

#endif
