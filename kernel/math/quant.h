/* ggml weight types: block layouts (as ggml-common.h lays them out), the
 * per-type table, and the conversion of an activation vector to the type's
 * vec_dot_type exactly as ggml-cpu's from_float does.
 *
 * Every kernel here has a scalar version that follows the summation order of
 * ggml's generic C code (the `x64` build of libggml-cpu, which llama.cpp
 * loads on QEMU's default qemu64 CPU); SIMD variants (quant_avx2.c) follow the
 * order of ggml's AVX2 build (`haswell`, loaded with -cpu max), and are picked
 * at run time from cpu_simd_level(). See docs/MATH.md for tolerances. */
#ifndef EMBODIOS_MATH_QUANT_H
#define EMBODIOS_MATH_QUANT_H

#include <stddef.h>
#include <stdint.h>

/* GGML_TYPE_* numbers (as in kernel/model/ggml_types.h and ggml.h). */
enum {
    QT_F32 = 0, QT_F16 = 1, QT_Q4_0 = 2, QT_Q4_1 = 3, QT_Q5_0 = 6, QT_Q5_1 = 7,
    QT_Q8_0 = 8, QT_Q8_1 = 9, QT_Q2_K = 10, QT_Q3_K = 11, QT_Q4_K = 12, QT_Q5_K = 13,
    QT_Q6_K = 14, QT_Q8_K = 15, QT_BF16 = 30,
    /* Not a ggml type (no GGUF file can carry it: the parser refuses ids
     * it does not know): F32 weights re-encoded in place for the
     * fixed-point path, see f32_fixed.h. */
    QT_F32FX = 1000,
};

#define QK4_0 32
#define QK4_1 32
#define QK5_0 32
#define QK5_1 32
#define QK8_0 32
#define QK8_1 32
#define QK_K 256
#define K_SCALE_SIZE 12

typedef uint16_t qhalf;   /* IEEE fp16 bits */

struct block_q4_0 { qhalf d; uint8_t qs[QK4_0 / 2]; };
struct block_q4_1 { qhalf d, m; uint8_t qs[QK4_1 / 2]; };
struct block_q5_0 { qhalf d; uint8_t qh[4]; uint8_t qs[QK5_0 / 2]; };
struct block_q5_1 { qhalf d, m; uint8_t qh[4]; uint8_t qs[QK5_1 / 2]; };
struct block_q8_0 { qhalf d; int8_t qs[QK8_0]; };
struct block_q8_1 { qhalf d, s; int8_t qs[QK8_1]; };   /* s = d * sum(qs) */
struct block_q2_K { uint8_t scales[QK_K / 16]; uint8_t qs[QK_K / 4]; qhalf d, dmin; };
struct block_q3_K { uint8_t hmask[QK_K / 8]; uint8_t qs[QK_K / 4]; uint8_t scales[12]; qhalf d; };
struct block_q4_K { qhalf d, dmin; uint8_t scales[K_SCALE_SIZE]; uint8_t qs[QK_K / 2]; };
struct block_q5_K { qhalf d, dmin; uint8_t scales[K_SCALE_SIZE]; uint8_t qh[QK_K / 8]; uint8_t qs[QK_K / 2]; };
struct block_q6_K { uint8_t ql[QK_K / 2]; uint8_t qh[QK_K / 4]; int8_t scales[QK_K / 16]; qhalf d; };

/* The fields of superblock i of a Q4_K (five = 0) or Q5_K row; qh is NULL
 * for Q4_K. */
struct k45_fields { const uint8_t *scales, *qs, *qh; qhalf d, dmin; };
static inline struct k45_fields k45_superblock(const void *row, size_t i, int five)
{
    if (five) {
        const struct block_q5_K *a = (const struct block_q5_K *)row + i;
        return (struct k45_fields){ a->scales, a->qs, a->qh, a->d, a->dmin };
    }
    const struct block_q4_K *a = (const struct block_q4_K *)row + i;
    return (struct k45_fields){ a->scales, a->qs, 0, a->d, a->dmin };
}

/* Its eight 6-bit sub-block scales and mins, as ggml's get_scale_min_k4. */
static inline void k45_scales_mins(const uint8_t *q, int sc[8], int mn[8])
{
    for (int j = 0; j < 8; j++) {
        sc[j] = j < 4 ? (q[j] & 63) : ((q[j + 4] & 0xF) | ((q[j - 4] >> 6) << 4));
        mn[j] = j < 4 ? (q[j + 4] & 63) : ((q[j + 4] >> 4) | ((q[j] >> 6) << 4));
    }
}
struct block_q8_K { float d; int8_t qs[QK_K]; int16_t bsums[QK_K / 16]; };

_Static_assert(sizeof(struct block_q4_0) == 18, "q4_0");
_Static_assert(sizeof(struct block_q4_1) == 20, "q4_1");
_Static_assert(sizeof(struct block_q5_0) == 22, "q5_0");
_Static_assert(sizeof(struct block_q5_1) == 24, "q5_1");
_Static_assert(sizeof(struct block_q8_0) == 34, "q8_0");
_Static_assert(sizeof(struct block_q8_1) == 36, "q8_1");
_Static_assert(sizeof(struct block_q2_K) == 84, "q2_K");
_Static_assert(sizeof(struct block_q3_K) == 110, "q3_K");
_Static_assert(sizeof(struct block_q4_K) == 144, "q4_K");
_Static_assert(sizeof(struct block_q5_K) == 176, "q5_K");
_Static_assert(sizeof(struct block_q6_K) == 210, "q6_K");
_Static_assert(sizeof(struct block_q8_K) == 292, "q8_K");

typedef void (*quant_dequant_fn)(const void *src, float *dst, size_t n);
typedef void (*quant_dot_fn)(size_t n, float *out, const void *w_row, const void *x_conv);

struct quant_type {
    uint32_t type;             /* GGML_TYPE_* of the weights */
    uint32_t vec_dot_type;     /* the activation is converted to this (as ggml-cpu's type_traits_cpu) */
    uint32_t block_size;       /* elements per block */
    uint32_t block_bytes;      /* bytes per block */
    const char *name;
    quant_dequant_fn dequantize_row;   /* n: multiple of block_size */
    quant_dot_fn vec_dot;              /* the variant for the current cpu_simd_level() */
    quant_dot_fn vec_dot_scalar;       /* ggml's generic C order: the oracle */
};

/* NULL: not supported for inference (Q8_1 and Q8_K are activation-only types
 * and have no entry either). */
const struct quant_type *quant_type_get(uint32_t type);
/* Bytes of one row of n elements of any type above (incl. Q8_1, Q8_K); 0 if
 * the type is unknown or n is not a multiple of its block size. */
size_t quant_row_bytes(uint32_t type, size_t n);
/* Convert an activation vector to `vec_dot_type` exactly as ggml's from_float
 * does in the build llama.cpp would load on this CPU: the generic C code at
 * SIMD_SCALAR/SIMD_SSE2, the AVX code at SIMD_AVX2 (they round differently:
 * roundf vs. round-half-even, 1/d vs. 127/amax). n: multiple of the block size. */
void quant_convert_activations(uint32_t vec_dot_type, const float *x, void *dst, size_t n);
/* Re-select the vec_dot variants after cpu_simd_set_level() (tests, mathbench).
 * quant_type_get() does this itself the first time. */
void quant_select_variants(void);
/* The float order a dot kernel follows: that of ggml's generic C code (the
 * x64 build: scalar and SSE2 kernels), of its AVX2 build (haswell), or
 * neither (float-lane F32/F16 kernels, used only in fast mode). */
enum { QUANT_ORDER_GENERIC = 0, QUANT_ORDER_HASWELL = 1, QUANT_ORDER_FLOAT_LANES = 2 };
int quant_dot_order(quant_dot_fn f);
/* Fast mode (default off): on CPUs without AVX2, F32 and F16 dot products
 * sum in four float lanes (mulps/addps) instead of ggml-x64's sequential
 * double sum: ~1.6x faster under TCG, no longer bit-equal to llama.cpp's x64
 * build (~1e-7 relative to sum|w x|). With AVX2 they use the haswell-order
 * kernels either way. Re-selects the kernels. */
void quant_set_fast_mode(int on);

/* fp16 -> fp32 for every input (256 KiB table built on first call); exact. */
const float *quant_f16_table(void);

/* ---- per-family entry points (quant_float.c, quant_legacy.c, quant_k.c) ---- */
void dequant_f32(const void *src, float *dst, size_t n);
void dequant_f16(const void *src, float *dst, size_t n);
void dequant_bf16(const void *src, float *dst, size_t n);
void dot_f32(size_t n, float *out, const void *w, const void *x);
void dot_f16(size_t n, float *out, const void *w, const void *x);
void dequant_f32fx(const void *src, float *dst, size_t n);
void dot_f32fx(size_t n, float *out, const void *w, const void *x);
void dot_bf16(size_t n, float *out, const void *w, const void *x);
void convert_f16(const float *x, void *dst, size_t n);
void convert_bf16(const float *x, void *dst, size_t n);

void dequant_q4_0(const void *src, float *dst, size_t n);
void dequant_q4_1(const void *src, float *dst, size_t n);
void dequant_q5_0(const void *src, float *dst, size_t n);
void dequant_q5_1(const void *src, float *dst, size_t n);
void dequant_q8_0(const void *src, float *dst, size_t n);
void dot_q4_0(size_t n, float *out, const void *w, const void *x);
void dot_q4_1(size_t n, float *out, const void *w, const void *x);
void dot_q5_0(size_t n, float *out, const void *w, const void *x);
void dot_q5_1(size_t n, float *out, const void *w, const void *x);
void dot_q8_0(size_t n, float *out, const void *w, const void *x);
void quantize_q8_0_ref(const float *x, void *dst, size_t n);   /* generic C: roundf, id = 1/d */
void quantize_q8_1_ref(const float *x, void *dst, size_t n);

void dequant_q2_K(const void *src, float *dst, size_t n);
void dequant_q3_K(const void *src, float *dst, size_t n);
void dequant_q4_K(const void *src, float *dst, size_t n);
void dequant_q5_K(const void *src, float *dst, size_t n);
void dequant_q6_K(const void *src, float *dst, size_t n);
void dot_q2_K(size_t n, float *out, const void *w, const void *x);
void dot_q3_K(size_t n, float *out, const void *w, const void *x);
void dot_q4_K(size_t n, float *out, const void *w, const void *x);
void dot_q5_K(size_t n, float *out, const void *w, const void *x);
void dot_q6_K(size_t n, float *out, const void *w, const void *x);
void quantize_q8_K(const float *x, void *dst, size_t n);       /* one version in every ggml build */

/* SSE2 variants (quant_sse2.c): integer parts vectorised, float order generic. */
void dot_f32_sse2(size_t n, float *out, const void *w, const void *x);
void dot_f32_sse2_fast(size_t n, float *out, const void *w, const void *x);   /* float lanes */
void dot_f16_sse2_fast(size_t n, float *out, const void *w, const void *x);
void dot_q8_0_sse2(size_t n, float *out, const void *w, const void *x);
void dot_q4_0_sse2(size_t n, float *out, const void *w, const void *x);
void dot_q4_K_sse2(size_t n, float *out, const void *w, const void *x);
void dot_q5_K_sse2(size_t n, float *out, const void *w, const void *x);
void dot_q6_K_sse2(size_t n, float *out, const void *w, const void *x);

/* AVX2/FMA variants (quant_avx2.c), the order of ggml's haswell build. */
void dot_f32_avx2(size_t n, float *out, const void *w, const void *x);
void dot_f16_avx2(size_t n, float *out, const void *w, const void *x);
void dot_q8_0_avx2(size_t n, float *out, const void *w, const void *x);
void dot_q4_0_avx2(size_t n, float *out, const void *w, const void *x);
void dot_q4_K_avx2(size_t n, float *out, const void *w, const void *x);
void dot_q5_K_avx2(size_t n, float *out, const void *w, const void *x);
void dot_q6_K_avx2(size_t n, float *out, const void *w, const void *x);
void quantize_q8_0_avx(const float *x, void *dst, size_t n);
void quantize_q8_1_avx(const float *x, void *dst, size_t n);

#endif
