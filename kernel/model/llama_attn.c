/* Attention for one query head with the float work in SSE lanes, bit-exact
 * with llama.c's attend_head (ggml's flash attention with an fp16 V
 * accumulator). Under TCG each float instruction is a helper call, so doing
 * four lanes per instruction is what saves time; the fp16 conversions are
 * integer code (host-speed) and stay scalar:
 *  - K.Q: the fp16 values are exact in float, so converting K's row and Q
 *    through the table and taking dot_f32_sse2 (float products, summed in
 *    double in order) is dot_f16's arithmetic, product for product; where
 *    the F16 dot is another order (the haswell one at -cpu max), that
 *    kernel itself, as attend_head calls it;
 *  - the V accumulator is kept as floats that are always fp16 values
 *    (acc = fp16(acc * ms), acc = fp16(acc + v * vs), rounded per lane as
 *    fp32_to_fp16 does), which is what re-reading the fp16 vector gives. */
#include <emmintrin.h>

#include "model/llama_ops.h"
#include "math/kmath.h"
#include "math/quant.h"

static float qf[LLAMA_MAX_HEAD_DIM], kf[LLAMA_MAX_HEAD_DIM], acc[LLAMA_MAX_HEAD_DIM] __attribute__((aligned(16)));
static uint16_t q16[LLAMA_MAX_HEAD_DIM];

int llama_attn_fast_off;

int llama_attn_fast_ok(void)
{
    return !llama_attn_fast_off;
}

static inline float round16(const float *t, float x) { return t[fp32_to_fp16(x)]; }

/* acc[i] = fp16(acc[i] * m) or fp16(acc[i] + v[i] * m) for every i. */
static void update(const float *t, const uint16_t *v, uint32_t hd, float m, int rescale)
{
    const __m128 mm = _mm_set1_ps(m);
    uint32_t i = 0;
    float r[4] __attribute__((aligned(16)));
    for (; i + 4 <= hd; i += 4) {
        __m128 a = _mm_load_ps(acc + i);
        if (rescale)
            a = _mm_mul_ps(a, mm);
        else
            a = _mm_add_ps(a, _mm_mul_ps(_mm_set_ps(t[v[i + 3]], t[v[i + 2]], t[v[i + 1]], t[v[i]]), mm));
        _mm_store_ps(r, a);
        for (int l = 0; l < 4; l++)
            acc[i + l] = round16(t, r[l]);
    }
    for (; i < hd; i++)
        acc[i] = round16(t, rescale ? acc[i] * m : acc[i] + t[v[i]] * m);
}

void llama_attend_head_fast(struct llama_state *st, const struct llama_shape *s, const float *q, uint32_t layer,
                            uint32_t kv_head, uint32_t pos, float *out)
{
    const float *t = quant_f16_table();
    const uint32_t hd = s->head_dim;
    const float scale = 1.0f / k_sqrtf((float)hd);
    const size_t layer_off = (size_t)layer * st->n_ctx * s->kv_dim + (size_t)kv_head * hd;
    const quant_dot_fn f16_dot = quant_type_get(QT_F16)->vec_dot;
    const int generic = f16_dot == dot_f16;
    for (uint32_t i = 0; i < hd; i++) {
        q16[i] = fp32_to_fp16(q[i]);
        qf[i] = t[q16[i]];
        acc[i] = 0.0f;
    }
    float sum = 0.0f, max = -__builtin_inff();
    for (uint32_t p = 0; p <= pos; p++) {
        const uint16_t *k = st->key_cache + layer_off + (size_t)p * s->kv_dim;
        const uint16_t *v = st->value_cache + layer_off + (size_t)p * s->kv_dim;
        float dot;
        if (generic) {
            for (uint32_t i = 0; i < hd; i++)
                kf[i] = t[k[i]];
            dot_f32_sse2(hd, &dot, kf, qf);
        } else {
            f16_dot(hd, &dot, k, q16);
        }
        const float score = dot * scale;
        float ms = 1.0f, vs = 1.0f;
        if (score > max) {
            const float old = max;
            max = score;
            ms = k_expf(old - max);
            update(t, v, hd, ms, 1);
        } else {
            vs = k_expf(score - max);
        }
        update(t, v, hd, vs, 0);
        sum = sum * ms + vs;
    }
    const float inv = sum == 0.0f ? 0.0f : 1.0f / sum;
    for (uint32_t i = 0; i < hd; i++)
        out[i] = acc[i] * inv;
}
