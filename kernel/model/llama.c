/* One token through a llama/qwen2 model, with ggml's arithmetic wherever it
 * decides the last bits (read from llama.cpp's llm_build_llama and ggml-cpu
 * ops.cpp, not copied):
 *  - RMSNorm: sum of float squares accumulated in double, mean rounded to
 *    float, scale = 1/sqrtf(mean + eps), y = (x * scale) * w;
 *  - RoPE: theta = pos * base^(-2i/n_dims) as a running float product
 *    (ggml's cache), cosf/sinf, x0*c - x1*s and x0*s + x1*c;
 *  - the KV cache is fp16 (llama.cpp's default type_k/type_v) and attention
 *    is llama.cpp's default CPU path, flash attention for one query:
 *    Q rounded to fp16, s = dot(K, Q) * 1/sqrt(head_dim), online softmax
 *    with expf, V accumulated in an fp16 vector, divided by the sum at the end;
 *  - SwiGLU: silu(g) = g / (1 + e^-g), times up, with e^x computed as
 *    ggml's vectorised ggml_v_expf does it (SSE2 build: multiply and add
 *    rounded separately), lane by lane, and libm's expf for the tail;
 *  - every matvec converts the activations as ggml's vec_dot_type says
 *    (kernel/math). */
#include <emmintrin.h>

#include "model/llama.h"
#include "model/llama_ops.h"
#include "core/heap.h"
#include "lib/errno.h"
#include "lib/string.h"
#include "math/kmath.h"
#include "math/matmul.h"
#include "math/matvec.h"
#include "math/quant.h"
#include "model/ggml_types.h"

#define ALIGN 64

const char *const llama_prof_names[LLAMA_PROF_COUNT] = {
    "embedding", "rmsnorm", "q/k/v matvec", "rope+kv store", "attention", "wo matvec",
    "gate/up matvec", "swiglu", "down matvec", "output matvec",
};

/* The TSC (rdtsc is unprivileged: the same in the kernel and host tests). */
static inline uint64_t tsc(void) { return __builtin_ia32_rdtsc(); }
#define PROF(st, slot, t) do { uint64_t now_ = tsc(); (st)->prof[slot] += now_ - (t); (t) = now_; } while (0)

static size_t round_up(size_t n) { return (n + ALIGN - 1) / ALIGN * ALIGN; }

uint32_t llama_default_ctx(const struct llama_shape *s)
{
    return s->ctx_train < LLAMA_DEFAULT_CTX_MAX ? s->ctx_train : LLAMA_DEFAULT_CTX_MAX;
}

/* The sizes of every buffer, in the order llama_state_init carves them. */
static int state_layout(const struct llama_shape *s, uint32_t n_ctx, uint64_t sizes[15])
{
    uint64_t kv = (uint64_t)s->n_layers * n_ctx * s->kv_dim * sizeof(uint16_t);
    uint64_t f = sizeof(float);
    uint64_t list[15] = { s->dim * f, s->dim * f, s->dim * f, s->dim * f, s->kv_dim * f, s->kv_dim * f,
                          s->ffn_dim * f, s->ffn_dim * f, (uint64_t)s->vocab * f, s->head_dim * f, s->head_dim * f,
                          s->head_dim * 2, s->head_dim * 2, kv, kv };
    for (int i = 0; i < 15; i++)
        sizes[i] = list[i];
    return 15;
}

uint64_t llama_runtime_bytes(const struct llama_shape *s, uint32_t n_ctx)
{
    uint64_t sizes[15];
    uint64_t total = round_up(s->scratch_bytes);
    for (int i = 0, n = state_layout(s, n_ctx, sizes); i < n; i++)
        total += round_up(sizes[i]);
    return total + ALIGN;
}

int llama_state_init(struct llama_state *st, const struct llama_shape *s, uint32_t n_ctx)
{
    memset(st, 0, sizeof(*st));
    if (n_ctx == 0)
        return -EINVAL;
    uint64_t bytes = llama_runtime_bytes(s, n_ctx);
    if (bytes != (size_t)bytes)
        return -ENOMEM;
    uint8_t *p = kmalloc_aligned((size_t)bytes, ALIGN);
    if (!p)
        return -ENOMEM;
    st->block = p;
    st->n_ctx = n_ctx;
    uint64_t sizes[15];
    state_layout(s, n_ctx, sizes);
    void **slots[15] = { (void **)&st->x, (void **)&st->xb, (void **)&st->xb2, (void **)&st->q,
                         (void **)&st->k, (void **)&st->v, (void **)&st->hb, (void **)&st->hb2,
                         (void **)&st->logits, (void **)&st->rope_cache, (void **)&st->vkq, (void **)&st->q16,
                         (void **)&st->vkq16, (void **)&st->key_cache, (void **)&st->value_cache };
    for (int i = 0; i < 15; i++) {
        *slots[i] = p;
        p += round_up(sizes[i]);
    }
    st->scratch = p;
    return 0;
}

void llama_state_free(struct llama_state *st)
{
    kfree(st->block);
    memset(st, 0, sizeof(*st));
}

/* ggml_compute_forward_rms_norm_f32 followed by the weight multiply. */
static void rmsnorm(float *out, const float *x, const float *w, uint32_t n, float eps)
{
    double sum = 0.0;
    for (uint32_t i = 0; i < n; i++)
        sum += (double)(x[i] * x[i]);
    const float mean = (float)(sum / n);
    const float scale = 1.0f / k_sqrtf(mean + eps);
    for (uint32_t i = 0; i < n; i++)
        out[i] = (x[i] * scale) * w[i];
}

/* ggml_rope_cache_init for one position: cos/sin pairs of
 * freq_scale * (theta / factor), theta = pos * base^(-2i/n) as a running
 * product (rope_yarn with ext_factor 0 and mscale 1). */
static void rope_cache(float *cache, uint32_t n, uint32_t pos, float base, float freq_scale, const float *factors)
{
    const float theta_scale = k_powf(base, -2.0f / (float)n);
    float theta = (float)pos;
    for (uint32_t i = 0; i < n; i += 2) {
        const float ff = factors ? factors[i / 2] : 1.0f;
        const float t = freq_scale * (theta / ff);
        cache[i] = k_cosf(t);
        cache[i + 1] = k_sinf(t);
        theta *= theta_scale;
    }
}

/* Rotates each head of vec (n_heads of head_dim): llama pairs (i, i+1),
 * NEOX pairs (i, i + head_dim/2), both with the angle of pair i. */
static void rope(float *vec, uint32_t n_heads, uint32_t head_dim, const float *cache, int neox)
{
    uint32_t half = head_dim / 2;
    for (uint32_t h = 0; h < n_heads; h++) {
        float *v = vec + h * head_dim;
        for (uint32_t i = 0; i < head_dim; i += 2) {
            const float c = cache[i], s = cache[i + 1];
            float *a = neox ? &v[i / 2] : &v[i];
            float *b = neox ? &v[i / 2 + half] : &v[i + 1];
            const float x0 = *a, x1 = *b;
            *a = x0 * c - x1 * s;
            *b = x0 * s + x1 * c;
        }
    }
}

/* K . Q as ggml_vec_dot_f16 (the math layer's F16 dot, in the order of
 * the ggml build this CPU would load). */
static float kv_dot_f16(const uint16_t *a, const uint16_t *b, uint32_t n)
{
    float out;
    quant_type_get(GGML_TYPE_F16)->vec_dot(n, &out, a, b);
    return out;
}

/* One query head against positions 0..pos of its KV head (ggml's
 * flash_attn_ext_f16_one_chunk with an fp16 V accumulator). */
static void attend_head(struct llama_state *st, const struct llama_shape *s, const float *q, uint32_t layer,
                        uint32_t kv_head, uint32_t pos, float *out)
{
    if (llama_attn_fast_ok()) {   /* the same arithmetic in SSE lanes (llama_attn.c) */
        llama_attend_head_fast(st, s, q, layer, kv_head, pos, out);
        return;
    }
    const uint32_t hd = s->head_dim;
    const float scale = 1.0f / k_sqrtf((float)hd);
    const size_t layer_off = (size_t)layer * st->n_ctx * s->kv_dim + (size_t)kv_head * hd;
    for (uint32_t i = 0; i < hd; i++) {
        st->q16[i] = fp32_to_fp16(q[i]);
        st->vkq16[i] = 0;
    }
    float sum = 0.0f, max = -__builtin_inff();
    for (uint32_t t = 0; t <= pos; t++) {
        const uint16_t *k = st->key_cache + layer_off + (size_t)t * s->kv_dim;
        const uint16_t *v = st->value_cache + layer_off + (size_t)t * s->kv_dim;
        const float score = kv_dot_f16(k, st->q16, hd) * scale;
        float ms = 1.0f, vs = 1.0f;
        if (score > max) {
            const float old = max;
            max = score;
            ms = k_expf(old - max);
            for (uint32_t i = 0; i < hd; i++)
                st->vkq16[i] = fp32_to_fp16(fp16_to_fp32(st->vkq16[i]) * ms);
        } else {
            vs = k_expf(score - max);
        }
        for (uint32_t i = 0; i < hd; i++)
            st->vkq16[i] = fp32_to_fp16(fp16_to_fp32(st->vkq16[i]) + fp16_to_fp32(v[i]) * vs);
        sum = sum * ms + vs;
    }
    const float inv = sum == 0.0f ? 0.0f : 1.0f / sum;
    for (uint32_t i = 0; i < hd; i++)
        out[i] = fp16_to_fp32(st->vkq16[i]) * inv;
}

/* ggml_v_expf (ggml-cpu/vec.h, the SSE2 variant without FMA), one lane:
 * a polynomial after a reduction by ln 2, "max error 1.45 + 0.5 ulp". The
 * constants are ggml's; the operation order decides the last bit. */
static float v_expf(float x)
{
    const float r = 0x1.8p23f;
    const float z = x * 0x1.715476p+0f + r;
    const float n = z - r;
    const float b = (x - n * 0x1.62e4p-1f) - n * 0x1.7f7d1cp-20f;
    const uint32_t e = k_float_bits(z) << 23;
    const float k = k_bits_float(e + k_float_bits(1.0f));
    const float u = b * b;
    const float j = ((0x1.0e4020p-7f * b + 0x1.573e2ep-5f) * u + (0x1.555e66p-3f * b + 0x1.fffdb6p-2f)) * u +
                    0x1.ffffecp-1f * b;
    if (!(k_fabsf(n) > 126.0f))
        return j * k + k;
    const uint32_t g = n <= 0.0f ? 0x82000000u : 0;
    const float s1 = k_bits_float(g + 0x7f000000u);
    const float s2 = k_bits_float(e - g);
    if (k_fabsf(n) > 192.0f)
        return s1 * s1;
    return (s2 * j + s2) * s1;
}

/* v_expf in four SSE lanes, the same operations in the same order per
 * lane (under TCG one helper call does four lanes). *special gets a bit
 * for each lane whose |n| > 126, which v_expf finishes differently: the
 * caller redoes such a group with v_expf. */
static inline __m128 v_expf4(__m128 x, int *special)
{
    const __m128 r = _mm_set1_ps(0x1.8p23f);
    const __m128 z = _mm_add_ps(_mm_mul_ps(x, _mm_set1_ps(0x1.715476p+0f)), r);
    const __m128 n = _mm_sub_ps(z, r);
    const __m128 b = _mm_sub_ps(_mm_sub_ps(x, _mm_mul_ps(n, _mm_set1_ps(0x1.62e4p-1f))),
                                _mm_mul_ps(n, _mm_set1_ps(0x1.7f7d1cp-20f)));
    const __m128 k = _mm_castsi128_ps(_mm_add_epi32(_mm_slli_epi32(_mm_castps_si128(z), 23),
                                                    _mm_castps_si128(_mm_set1_ps(1.0f))));
    const __m128 u = _mm_mul_ps(b, b);
    const __m128 p = _mm_mul_ps(_mm_add_ps(_mm_mul_ps(_mm_set1_ps(0x1.0e4020p-7f), b), _mm_set1_ps(0x1.573e2ep-5f)), u);
    const __m128 q = _mm_add_ps(_mm_mul_ps(_mm_set1_ps(0x1.555e66p-3f), b), _mm_set1_ps(0x1.fffdb6p-2f));
    const __m128 j = _mm_add_ps(_mm_mul_ps(_mm_add_ps(p, q), u), _mm_mul_ps(_mm_set1_ps(0x1.ffffecp-1f), b));
    const __m128 abs_n = _mm_and_ps(n, _mm_castsi128_ps(_mm_set1_epi32(0x7fffffff)));
    *special = _mm_movemask_ps(_mm_cmpgt_ps(abs_n, _mm_set1_ps(126.0f)));
    return _mm_add_ps(_mm_mul_ps(j, k), k);
}

/* ggml_vec_swiglu_f32: groups of 4 through ggml_v_silu (four SSE lanes,
 * as ggml's SSE2 build), the rest through ggml_silu_f32 (libm expf). */
static void swiglu(float *gate, const float *up, uint32_t n)
{
    uint32_t i = 0;
    for (; i + 3 < n; i += 4) {
        const __m128 g = _mm_loadu_ps(gate + i);
        int special;
        const __m128 e = v_expf4(_mm_sub_ps(_mm_setzero_ps(), g), &special);
        if (special) {   /* a lane far out of range: the scalar steps */
            for (uint32_t l = i; l < i + 4; l++)
                gate[l] = (gate[l] / (1.0f + v_expf(0.0f - gate[l]))) * up[l];
            continue;
        }
        _mm_storeu_ps(gate + i, _mm_mul_ps(_mm_div_ps(g, _mm_add_ps(_mm_set1_ps(1.0f), e)), _mm_loadu_ps(up + i)));
    }
    for (; i < n; i++)
        gate[i] = (gate[i] / (1.0f + k_expf(-gate[i]))) * up[i];
}

/* 1 if every value is finite (x - x is 0 only for finite x). */
static int all_finite(const float *x, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++)
        if (x[i] - x[i] != 0.0f)
            return 0;
    return 1;
}

/* A matrix times n_tok vectors whose input is checked first: weights from a
 * file can overflow the activations to inf/NaN, and quantizing those to Q8
 * would convert NaN to an integer (undefined in C). The pass stops with
 * -ERANGE instead of printing garbage; the check costs one compare per
 * column. Q8_0/Q5_0 rows go four at a time (math/matmul.c), K-quant rows
 * through math/matvec_k.c, with matvec's results and scratch. */
int llama_op_matmul(const struct llama_matrix *m, const float *x, uint32_t n_tok, float *out, void *scratch)
{
    if (!all_finite(x, m->cols * n_tok))
        return -ERANGE;
    return matmul(m->type, m->data, m->rows, m->cols, x, m->cols, n_tok, out, m->rows, scratch);
}

static int mv(const struct llama_matrix *m, const float *x, float *out, void *scratch)
{
    return llama_op_matmul(m, x, 1, out, scratch);
}

static void add_bias(float *x, const float *b, uint32_t n)
{
    if (b)
        for (uint32_t i = 0; i < n; i++)
            x[i] += b[i];
}

static int attention(const struct llama_weights *w, struct llama_state *st, uint32_t l, uint32_t pos)
{
    const struct llama_shape *s = &w->shape;
    const struct llama_layer *ly = &w->layers[l];
    int rc;
    uint64_t t = tsc();
    rmsnorm(st->xb, st->x, ly->attn_norm, s->dim, s->norm_eps);
    PROF(st, LLAMA_PROF_NORM, t);
    if ((rc = mv(&ly->wq, st->xb, st->q, st->scratch)) < 0 || (rc = mv(&ly->wk, st->xb, st->k, st->scratch)) < 0 ||
        (rc = mv(&ly->wv, st->xb, st->v, st->scratch)) < 0)
        return rc;
    PROF(st, LLAMA_PROF_QKV, t);
    add_bias(st->q, ly->bq, s->dim);
    add_bias(st->k, ly->bk, s->kv_dim);
    add_bias(st->v, ly->bv, s->kv_dim);
    rope(st->q, s->n_heads, s->head_dim, st->rope_cache, s->rope_neox);
    rope(st->k, s->n_kv_heads, s->head_dim, st->rope_cache, s->rope_neox);
    /* Store this position's K and V as fp16 (llama.cpp's cache type). */
    size_t off = ((size_t)l * st->n_ctx + pos) * s->kv_dim;
    for (uint32_t i = 0; i < s->kv_dim; i++) {
        st->key_cache[off + i] = fp32_to_fp16(st->k[i]);
        st->value_cache[off + i] = fp32_to_fp16(st->v[i]);
    }
    PROF(st, LLAMA_PROF_ROPE, t);
    const uint32_t group = s->n_heads / s->n_kv_heads;
    for (uint32_t h = 0; h < s->n_heads; h++)
        attend_head(st, s, st->q + h * s->head_dim, l, h / group, pos, st->xb + h * s->head_dim);
    PROF(st, LLAMA_PROF_ATTN, t);
    if ((rc = mv(&ly->wo, st->xb, st->xb2, st->scratch)) < 0)
        return rc;
    PROF(st, LLAMA_PROF_WO, t);
    for (uint32_t i = 0; i < s->dim; i++)
        st->x[i] = st->xb2[i] + st->x[i];
    return 0;
}

static int ffn(const struct llama_weights *w, struct llama_state *st, uint32_t l)
{
    const struct llama_shape *s = &w->shape;
    const struct llama_layer *ly = &w->layers[l];
    int rc;
    uint64_t t = tsc();
    rmsnorm(st->xb, st->x, ly->ffn_norm, s->dim, s->norm_eps);
    PROF(st, LLAMA_PROF_NORM, t);
    if ((rc = mv(&ly->gate, st->xb, st->hb, st->scratch)) < 0 || (rc = mv(&ly->up, st->xb, st->hb2, st->scratch)) < 0)
        return rc;
    PROF(st, LLAMA_PROF_FFN_UP, t);
    swiglu(st->hb, st->hb2, s->ffn_dim);
    PROF(st, LLAMA_PROF_SWIGLU, t);
    if ((rc = mv(&ly->down, st->hb, st->xb2, st->scratch)) < 0)
        return rc;
    PROF(st, LLAMA_PROF_FFN_DOWN, t);
    for (uint32_t i = 0; i < s->dim; i++)
        st->x[i] = st->xb2[i] + st->x[i];
    return 0;
}

int llama_forward(const struct llama_weights *w, struct llama_state *st, int32_t token, uint32_t pos)
{
    const struct llama_shape *s = &w->shape;
    if (token < 0 || (uint32_t)token >= s->vocab || pos >= st->n_ctx)
        return -EINVAL;
    uint64_t t = tsc();
    /* The token's embedding row, dequantized (ggml_get_rows). */
    const struct quant_type *qt = quant_type_get(w->tok_embd.type);
    size_t row_bytes = quant_row_bytes(w->tok_embd.type, s->dim);
    qt->dequantize_row((const uint8_t *)w->tok_embd.data + (size_t)token * row_bytes, st->x, s->dim);
    rope_cache(st->rope_cache, s->head_dim, pos, s->rope_base, s->rope_freq_scale, w->rope_freqs);
    PROF(st, LLAMA_PROF_EMBED, t);
    for (uint32_t l = 0; l < s->n_layers; l++) {
        int rc = attention(w, st, l, pos);
        if (rc < 0 || (rc = ffn(w, st, l)) < 0)
            return rc;
    }
    t = tsc();
    rmsnorm(st->xb, st->x, w->output_norm, s->dim, s->norm_eps);
    PROF(st, LLAMA_PROF_NORM, t);
    int rc = mv(&w->output, st->xb, st->logits, st->scratch);
    PROF(st, LLAMA_PROF_OUTPUT, t);
    return rc;
}

/* ---- the per-position operations, for the batched prompt pass (llama_prefill.c) ---- */

void llama_op_rmsnorm(float *out, const float *x, const float *w, uint32_t n, float eps) { rmsnorm(out, x, w, n, eps); }

void llama_op_rope_cache(const struct llama_weights *w, float *cache, uint32_t pos)
{
    const struct llama_shape *s = &w->shape;
    rope_cache(cache, s->head_dim, pos, s->rope_base, s->rope_freq_scale, w->rope_freqs);
}

void llama_op_rope(float *vec, uint32_t n_heads, uint32_t head_dim, const float *cache, int neox)
{
    rope(vec, n_heads, head_dim, cache, neox);
}

void llama_op_attend_head(struct llama_state *st, const struct llama_shape *s, const float *q, uint32_t layer,
                          uint32_t kv_head, uint32_t pos, float *out)
{
    attend_head(st, s, q, layer, kv_head, pos, out);
}

void llama_op_swiglu(float *gate, const float *up, uint32_t n) { swiglu(gate, up, n); }
void llama_op_add_bias(float *x, const float *b, uint32_t n) { add_bias(x, b, n); }
