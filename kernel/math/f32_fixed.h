/* F32 weight rows times activations in fixed-point integer arithmetic.
 *
 * Why: under QEMU's TCG every float operation is a softfloat call, while
 * integer instructions run as host code. ggml's F32 dot (x64 build) costs
 * three emulated float operations per element (multiply, widen, add in
 * double); this costs none. Each weight's mantissa times the activation's
 * 30-bit fixed-point value is shifted by the weight's exponent into a 64-bit
 * accumulator, and the sum is rounded to float once. The result is the
 * exact dot product of the weights and the fixed-point activation to about
 * 2^-40 of the largest term, then rounded: it differs from ggml's
 * (float-rounded products, double sum, rounded) by about one float ulp of
 * the result, well inside issue 9's 1e-6 for F32 (docs/MATH.md measures it).
 *
 * f32fx_set_exact(1) turns it off: F32 then runs ggml's own order, bit-exact
 * with llama.cpp (generate --exact). */
#ifndef EMBODIOS_MATH_F32_FIXED_H
#define EMBODIOS_MATH_F32_FIXED_H

#include <stddef.h>
#include <stdint.h>

/* Widest row the accumulator takes without overflow (2^48 per term). */
#define F32FX_MAX_COLS 32768

/* One activation vector in fixed point: x[i] ~= v[i] * 2^(exp - 30). */
struct f32fx_vec {
    int32_t *v;
    int exp;
};

/* Whether F32 matmuls take the fixed-point path (default) or ggml's exact
 * order (exact = 1). */
void f32fx_set_exact(int exact);
int f32fx_exact(void);

/* Scratch bytes for n_tok activations of cols elements (0: path not usable). */
size_t f32fx_scratch_bytes(size_t cols, uint32_t n_tok);

/* out[t * ldo + r] = dot(W row r, x[t * ldx ..]) for F32 rows, as matmul.
 * fallback(row, token) handles a row with a weight of 16 or more in
 * magnitude (or not finite), where the accumulator could overflow; a token
 * whose activation is not finite makes the whole call return -ERANGE before
 * writing anything (the caller then runs the exact path). 0 on success. */
typedef void (*f32fx_fallback_fn)(size_t cols, float *out, const void *row, const void *x);
int f32fx_matmul(const float *w, size_t rows, size_t cols, const float *x, size_t ldx, uint32_t n_tok,
                 float *out, size_t ldo, void *scratch, f32fx_fallback_fn fallback);

/* F32 weights re-encoded in place (type QT_F32FX), so that the loop reads
 * each weight's mantissa and shift instead of taking the float apart:
 *     v = (signed 24-bit mantissa with its implicit bit) << 7 | shift
 * shift = SHIFT0 - exponent (6..63) for a normal weight; a zero has
 * mantissa 0 and shift 64 (+0) or 65 (-0). It is lossless for the weights
 * it takes, every zero and every normal float with 2^-54 <= |w| < 16: the
 * decoded floats are the originals bit for bit, so the exact path
 * (quant_float.c's dequant_f32fx and dot_f32fx: ggml's F32 dot at the
 * current SIMD level on decoded rows) gives what it gave before, and the
 * fixed-point results are the same as from the floats. Measured under TCG (mathbench, 768x288): the
 * fixed-point matvec 0.60 -> 0.34 ms.
 *
 * f32fx_encode re-encodes w[0..n) if every weight qualifies (returns 1),
 * else leaves it untouched (0: the tensor stays F32). Rows longer than
 * F32FX_MAX_COLS stay F32 (the caller checks). */
int f32fx_encode(uint32_t *w, size_t n);
void f32fx_decode_row(const uint32_t *v, float *dst, size_t n);   /* the original floats */

/* f32fx_matmul for QT_F32FX rows (no fallback: every weight is in range).
 * -ERANGE for a non-finite activation, as f32fx_matmul. */
int f32fx_matmul_encoded(const uint32_t *w, size_t rows, size_t cols, const float *x, size_t ldx, uint32_t n_tok,
                         float *out, size_t ldo, void *scratch);

#endif
