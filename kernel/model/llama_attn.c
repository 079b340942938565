/* Attention for one query head with the float work in SSE lanes, bit-exact
 * with llama.c's attend_head (ggml's flash attention with an fp16 V
 * accumulator). Under TCG each float instruction is a helper call, so doing
 * four lanes per instruction is what saves time; the fp16 conversions are
 * integer code (host-speed) and stay scalar:
 *  - K.Q: the fp16 values are exact in float, so dot_kq (K's row through
 *    the table, float products in SSE lanes, summed in double in order) is
 *    dot_f16's arithmetic, product for product; where
 *    the F16 dot is another order (the haswell one at -cpu max), that
 *    kernel itself, as attend_head calls it;
 *  - the V accumulator is kept as floats that are always fp16 values
 *    (acc = fp16(acc * ms), acc = fp16(acc + v * vs), rounded per lane as
 *    fp32_to_fp16 does), which is what re-reading the fp16 vector gives. */
#include <emmintrin.h>

#include "model/llama_ops.h"
#include "math/kmath.h"
#include "math/quant.h"

static float qf[LLAMA_MAX_HEAD_DIM], acc[LLAMA_MAX_HEAD_DIM] __attribute__((aligned(16)));
static uint16_t q16[LLAMA_MAX_HEAD_DIM];

int llama_attn_fast_off;

int llama_attn_fast_ok(void)
{
    return !llama_attn_fast_off;
}

static inline float round16(const float *t, float x) { return t[fp32_to_fp16(x)]; }

/* Helpers shaped for TCG, where unpacks and shuffles are helper calls but
 * 64-bit moves between general and vector registers are not. */
static inline uint64_t pair_bits(const float *t, uint64_t h2)   /* two fp16 -> two float bit patterns */
{
    const uint32_t *tb = (const uint32_t *)t;
    return tb[h2 & 0xffff] | (uint64_t)tb[(h2 >> 16) & 0xffff] << 32;
}

static inline __m128 load4_f16(const float *t, const uint16_t *h)   /* four fp16 from one 8-byte load */
{
    uint64_t b;
    __builtin_memcpy(&b, h, sizeof b);
    return _mm_movelh_ps(_mm_castsi128_ps(_mm_cvtsi64_si128((long long)pair_bits(t, b))),
                         _mm_castsi128_ps(_mm_cvtsi64_si128((long long)pair_bits(t, b >> 32))));
}

static inline uint64_t round_pair(const float *t, uint64_t f2)   /* two floats -> their fp16 values' bits */
{
    uint64_t h2 = fp32_to_fp16(k_bits_float((uint32_t)f2)) | (uint64_t)fp32_to_fp16(k_bits_float((uint32_t)(f2 >> 32))) << 16;
    return pair_bits(t, h2);
}

/* acc[i] = fp16(acc[i] * m) or fp16(acc[i] + v[i] * m) for every i; four
 * lanes per step, unrolled so that one translation block does 16. */
static inline __attribute__((always_inline)) void update(const float *t, const uint16_t *v, uint32_t hd, float m,
                                                         const int rescale)
{
    const __m128 mm = _mm_set1_ps(m);
    uint32_t i = 0;
#pragma GCC unroll 4
    for (; i + 4 <= hd; i += 4) {
        __m128 a = _mm_load_ps(acc + i);
        a = rescale ? _mm_mul_ps(a, mm) : _mm_add_ps(a, _mm_mul_ps(load4_f16(t, v + i), mm));
        uint64_t lo = (uint64_t)_mm_cvtsi128_si64(_mm_castps_si128(a));
        uint64_t hi = (uint64_t)_mm_cvtsi128_si64(_mm_castps_si128(_mm_movehl_ps(a, a)));
        lo = round_pair(t, lo);
        hi = round_pair(t, hi);
        __builtin_memcpy(acc + i, &lo, sizeof lo);
        __builtin_memcpy(acc + i + 2, &hi, sizeof hi);
    }
    for (; i < hd; i++)
        acc[i] = round16(t, rescale ? acc[i] * m : acc[i] + t[v[i]] * m);
}

/* dot_f16's arithmetic on K's row and the fp16-rounded query (qf): float
 * products of exact fp16 values, summed in double in order. */
static inline float dot_kq(const float *t, const uint16_t *k, uint32_t hd)
{
    __m128d sum = _mm_setzero_pd();
    uint32_t i = 0;
#pragma GCC unroll 4
    for (; i + 4 <= hd; i += 4) {
        __m128 p = _mm_mul_ps(load4_f16(t, k + i), _mm_load_ps(qf + i));
        __m128d lo = _mm_cvtps_pd(p), hi = _mm_cvtps_pd(_mm_movehl_ps(p, p));
        sum = _mm_add_sd(sum, lo);
        sum = _mm_add_sd(sum, _mm_castps_pd(_mm_movehl_ps(_mm_castpd_ps(lo), _mm_castpd_ps(lo))));
        sum = _mm_add_sd(sum, hi);
        sum = _mm_add_sd(sum, _mm_castps_pd(_mm_movehl_ps(_mm_castpd_ps(hi), _mm_castpd_ps(hi))));
    }
    double d = _mm_cvtsd_f64(sum);
    for (; i < hd; i++)
        d += (double)(t[k[i]] * qf[i]);
    return (float)d;
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
        if (generic)
            dot = dot_kq(t, k, hd);
        else
            f16_dot(hd, &dot, k, q16);
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
