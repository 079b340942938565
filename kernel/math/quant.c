/* The type table, activation conversion and row sizes (see quant.h). */
#include "math/quant.h"
#include "math/cpu_features.h"

#define T(ty, vdt, bs, bb, nm, deq, dot) \
    { .type = ty, .vec_dot_type = vdt, .block_size = bs, .block_bytes = bb, .name = nm, \
      .dequantize_row = deq, .vec_dot = dot, .vec_dot_scalar = dot }

/* vec_dot_type as in ggml-cpu.c's type_traits_cpu. */
static struct quant_type types[] = {
    T(QT_F32, QT_F32, 1, 4, "F32", dequant_f32, dot_f32),
    T(QT_F32FX, QT_F32, 1, 4, "F32FX", dequant_f32fx, dot_f32fx),
    T(QT_F16, QT_F16, 1, 2, "F16", dequant_f16, dot_f16),
    T(QT_BF16, QT_BF16, 1, 2, "BF16", dequant_bf16, dot_bf16),
    T(QT_Q4_0, QT_Q8_0, QK4_0, sizeof(struct block_q4_0), "Q4_0", dequant_q4_0, dot_q4_0),
    T(QT_Q4_1, QT_Q8_1, QK4_1, sizeof(struct block_q4_1), "Q4_1", dequant_q4_1, dot_q4_1),
    T(QT_Q5_0, QT_Q8_0, QK5_0, sizeof(struct block_q5_0), "Q5_0", dequant_q5_0, dot_q5_0),
    T(QT_Q5_1, QT_Q8_1, QK5_1, sizeof(struct block_q5_1), "Q5_1", dequant_q5_1, dot_q5_1),
    T(QT_Q8_0, QT_Q8_0, QK8_0, sizeof(struct block_q8_0), "Q8_0", dequant_q8_0, dot_q8_0),
    T(QT_Q2_K, QT_Q8_K, QK_K, sizeof(struct block_q2_K), "Q2_K", dequant_q2_K, dot_q2_K),
    T(QT_Q3_K, QT_Q8_K, QK_K, sizeof(struct block_q3_K), "Q3_K", dequant_q3_K, dot_q3_K),
    T(QT_Q4_K, QT_Q8_K, QK_K, sizeof(struct block_q4_K), "Q4_K", dequant_q4_K, dot_q4_K),
    T(QT_Q5_K, QT_Q8_K, QK_K, sizeof(struct block_q5_K), "Q5_K", dequant_q5_K, dot_q5_K),
    T(QT_Q6_K, QT_Q8_K, QK_K, sizeof(struct block_q6_K), "Q6_K", dequant_q6_K, dot_q6_K),
};
#define NTYPES (sizeof(types) / sizeof(types[0]))

struct variant { uint32_t type; quant_dot_fn fn; };
static int find_variant_fn(const struct variant *v, quant_dot_fn f);

/* The SIMD variants that exist; every other type keeps its scalar kernel.
 * SSE2 ones are bit-exact with the scalar (generic ggml) order; AVX2 ones
 * follow ggml's haswell build. A level uses its own table, then the lower. */
static const struct variant sse2_dots[] = {
    { QT_F32, dot_f32_sse2 }, { QT_Q8_0, dot_q8_0_sse2 }, { QT_Q4_0, dot_q4_0_sse2 },
    { QT_Q4_K, dot_q4_K_sse2 }, { QT_Q5_K, dot_q5_K_sse2 }, { QT_Q6_K, dot_q6_K_sse2 }, { 0, 0 },
};
/* dot_q8_0_avx2 and dot_q4_0_avx2 exist (and are tested against the haswell
 * build) but are not used: with one 8-lane FMA and one 8-lane int->float
 * conversion per 32-element block, they are ~3x slower under TCG than the
 * SSE2 generic-order kernels, which differ from haswell's by rounding only
 * (< 1e-7 relative; the integer block sums are the same). A generic-order
 * kernel with AVX2 integer sums (vpsignb/vpmaddubsw) was also slower than
 * SSE2's pmaddwd here (1.86 vs 0.68 ms, Q8_0 768x288) and was dropped.
 * mathbench numbers are in docs/MATH.md. */
static const struct variant avx2_dots[] = {
    { QT_F32, dot_f32_avx2 }, { QT_F16, dot_f16_avx2 },
    { QT_Q4_K, dot_q4_K_avx2 }, { QT_Q5_K, dot_q5_K_avx2 }, { QT_Q6_K, dot_q6_K_avx2 }, { 0, 0 },
};


/* Fast mode only (see quant_set_fast_mode). */
static const struct variant fast_dots[] = {
    { QT_F32, dot_f32_sse2_fast }, { QT_F16, dot_f16_sse2_fast }, { 0, 0 },
};
static int fast_mode;

int quant_dot_order(quant_dot_fn f)
{
    if (find_variant_fn(avx2_dots, f) || f == dot_q8_0_avx2 || f == dot_q4_0_avx2)
        return QUANT_ORDER_HASWELL;
    return find_variant_fn(fast_dots, f) ? QUANT_ORDER_FLOAT_LANES : QUANT_ORDER_GENERIC;
}

static int find_variant_fn(const struct variant *v, quant_dot_fn f)
{
    for (; v->fn; v++)
        if (v->fn == f)
            return 1;
    return 0;
}

static quant_dot_fn find_variant(const struct variant *v, uint32_t type)
{
    for (; v->fn; v++)
        if (v->type == type)
            return v->fn;
    return 0;
}

static int selected_level = -1;

void quant_select_variants(void)
{
    int level = cpu_simd_level();
    for (size_t i = 0; i < NTYPES; i++) {
        quant_dot_fn f = 0;
        if (level >= SIMD_AVX2)
            f = find_variant(avx2_dots, types[i].type);
        if (!f && level >= SIMD_SSE2 && fast_mode)
            f = find_variant(fast_dots, types[i].type);
        if (!f && level >= SIMD_SSE2)
            f = find_variant(sse2_dots, types[i].type);
        types[i].vec_dot = f ? f : types[i].vec_dot_scalar;
    }
    selected_level = level;
}

void quant_set_fast_mode(int on)
{
    fast_mode = on != 0;
    quant_select_variants();
}

const struct quant_type *quant_type_get(uint32_t type)
{
    if (selected_level != cpu_simd_level())
        quant_select_variants();
    for (size_t i = 0; i < NTYPES; i++)
        if (types[i].type == type)
            return &types[i];
    return 0;
}

size_t quant_row_bytes(uint32_t type, size_t n)
{
    size_t bs, bb;
    if (type == QT_Q8_1) {
        bs = QK8_1;
        bb = sizeof(struct block_q8_1);
    } else if (type == QT_Q8_K) {
        bs = QK_K;
        bb = sizeof(struct block_q8_K);
    } else {
        const struct quant_type *t = quant_type_get(type);
        if (!t)
            return 0;
        bs = t->block_size;
        bb = t->block_bytes;
    }
    if (n % bs)
        return 0;
    return n / bs * bb;
}

void quant_convert_activations(uint32_t vec_dot_type, const float *x, void *dst, size_t n)
{
    int avx = cpu_simd_level() >= SIMD_AVX2;
    switch (vec_dot_type) {
    case QT_F32: dequant_f32(x, dst, n); break;
    case QT_F16: convert_f16(x, dst, n); break;
    case QT_BF16: convert_bf16(x, dst, n); break;
    case QT_Q8_0: (avx ? quantize_q8_0_avx : quantize_q8_0_ref)(x, dst, n); break;
    case QT_Q8_1: (avx ? quantize_q8_1_avx : quantize_q8_1_ref)(x, dst, n); break;
    case QT_Q8_K: quantize_q8_K(x, dst, n); break;
    default: break;
    }
}
