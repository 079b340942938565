/* The simple weight quantizer (see quantizer.h). Block layouts are those of
 * kernel/math/quant.h; each encoder is the inverse of the dequantizer there. */
#include "quantizer.h"

#include <math.h>
#include <string.h>
#include <strings.h>

#include "math/kmath.h"
#include "math/quant.h"

static int iround(float v) { return (int)lrintf(v); }
static int clampi(int v, int lo, int hi) { return v < lo ? lo : v > hi ? hi : v; }

/* The value of largest magnitude, with its sign. */
static float signed_amax(const float *x, int n)
{
    float m = 0, am = 0;
    for (int i = 0; i < n; i++)
        if (fabsf(x[i]) > am) {
            am = fabsf(x[i]);
            m = x[i];
        }
    return m;
}

static void minmax(const float *x, int n, float *mn, float *mx)
{
    *mn = x[0];
    *mx = x[0];
    for (int i = 1; i < n; i++) {
        *mn = x[i] < *mn ? x[i] : *mn;
        *mx = x[i] > *mx ? x[i] : *mx;
    }
}

/* Symmetric 4/5-bit: d = max / -2^(bits-1), q = x/d + 2^(bits-1). */
static void q_sym32(const float *x, int bits, uint16_t *d_out, uint8_t *qs, uint8_t *qh)
{
    int off = 1 << (bits - 1), top = (1 << bits) - 1;
    float d = signed_amax(x, 32) / (float)-off;
    *d_out = fp32_to_fp16(d);
    float dq = fp16_to_fp32(*d_out), id = dq != 0 ? 1 / dq : 0;
    uint32_t h = 0;
    for (int j = 0; j < 16; j++) {
        int a = clampi(iround(x[j] * id) + off, 0, top), b = clampi(iround(x[j + 16] * id) + off, 0, top);
        qs[j] = (uint8_t)((a & 0xF) | ((b & 0xF) << 4));
        h |= (uint32_t)((a >> 4) & 1) << j | (uint32_t)((b >> 4) & 1) << (j + 16);
    }
    if (qh)
        memcpy(qh, &h, 4);
}

/* Asymmetric 4/5-bit: x = q*d + m, m = min. */
static void q_asym32(const float *x, int bits, uint16_t *d_out, uint16_t *m_out, uint8_t *qs, uint8_t *qh)
{
    int top = (1 << bits) - 1;
    float mn, mx;
    minmax(x, 32, &mn, &mx);
    *d_out = fp32_to_fp16((mx - mn) / (float)top);
    *m_out = fp32_to_fp16(mn);
    float d = fp16_to_fp32(*d_out), m = fp16_to_fp32(*m_out), id = d != 0 ? 1 / d : 0;
    uint32_t h = 0;
    for (int j = 0; j < 16; j++) {
        int a = clampi(iround((x[j] - m) * id), 0, top), b = clampi(iround((x[j + 16] - m) * id), 0, top);
        qs[j] = (uint8_t)((a & 0xF) | ((b & 0xF) << 4));
        h |= (uint32_t)((a >> 4) & 1) << j | (uint32_t)((b >> 4) & 1) << (j + 16);
    }
    if (qh)
        memcpy(qh, &h, 4);
}

/* Sub-block scales and mins (x = q*scale - min, min >= 0) of nsub sub-blocks
 * of len elements, quantized to `levels` steps against the super-block d, dmin.
 * Returns the quantized element values in q. */
static void k_asym(const float *x, int nsub, int len, int qmax, int levels,
                   uint16_t *d_out, uint16_t *dmin_out, int *ls, int *lm, uint8_t *q)
{
    float sc[16], mi[16], maxsc = 0, maxmi = 0;
    for (int j = 0; j < nsub; j++) {
        float mn, mx;
        minmax(x + j * len, len, &mn, &mx);
        mn = mn < 0 ? mn : 0;
        sc[j] = (mx - mn) / (float)qmax;
        mi[j] = -mn;
        maxsc = sc[j] > maxsc ? sc[j] : maxsc;
        maxmi = mi[j] > maxmi ? mi[j] : maxmi;
    }
    *d_out = fp32_to_fp16(maxsc / (float)levels);
    *dmin_out = fp32_to_fp16(maxmi / (float)levels);
    float d = fp16_to_fp32(*d_out), dmin = fp16_to_fp32(*dmin_out);
    for (int j = 0; j < nsub; j++) {
        /* round the scale up so the block's range still fits */
        ls[j] = d > 0 ? clampi((int)ceilf(sc[j] / d), 0, levels) : 0;
        lm[j] = dmin > 0 ? clampi(iround(mi[j] / dmin), 0, levels) : 0;
        float s = d * (float)ls[j], m = dmin * (float)lm[j];
        for (int i = 0; i < len; i++) {
            float v = x[j * len + i];
            q[j * len + i] = (uint8_t)(s > 0 ? clampi(iround((v + m) / s), 0, qmax) : 0);
        }
    }
}

/* Symmetric sub-blocks (Q3_K, Q6_K): x = q*scale, q in [-half, half-1]. */
static void k_sym(const float *x, int half, int levels, float *d_out, int *ls, int *q)
{
    float sc[16], maxsc = 0;
    for (int j = 0; j < 16; j++) {
        float am = fabsf(signed_amax(x + 16 * j, 16));
        sc[j] = am / (float)half;
        maxsc = sc[j] > maxsc ? sc[j] : maxsc;
    }
    float d = fp16_to_fp32(fp32_to_fp16(maxsc / (float)levels));
    *d_out = d;
    for (int j = 0; j < 16; j++) {
        ls[j] = d > 0 ? clampi((int)ceilf(sc[j] / d), 0, levels) : 0;
        float s = d * (float)ls[j];
        for (int i = 0; i < 16; i++)
            q[16 * j + i] = s > 0 ? clampi(iround(x[16 * j + i] / s), -half, half - 1) : 0;
    }
}

static void enc_q2_K(const float *x, struct block_q2_K *b)
{
    int ls[16], lm[16];
    uint8_t q[QK_K];
    k_asym(x, 16, 16, 3, 15, &b->d, &b->dmin, ls, lm, q);
    for (int j = 0; j < 16; j++)
        b->scales[j] = (uint8_t)(ls[j] | (lm[j] << 4));
    memset(b->qs, 0, sizeof b->qs);
    for (int e = 0; e < QK_K; e++)   /* element e: half e/128, shift group (e%128)/32, byte e%32 */
        b->qs[(e / 128) * 32 + e % 32] |= (uint8_t)(q[e] << (2 * ((e % 128) / 32)));
}

static void enc_q3_K(const float *x, struct block_q3_K *b)
{
    int ls[16], q[QK_K];
    float d;
    k_sym(x, 4, 31, &d, ls, q);
    b->d = fp32_to_fp16(d);
    memset(b->scales, 0, 12);
    for (int j = 0; j < 16; j++) {
        int s = ls[j] + 32;   /* stored biased by 32 */
        if (j < 8)
            b->scales[j] |= (uint8_t)(s & 0xF);
        else
            b->scales[j - 8] |= (uint8_t)((s & 0xF) << 4);
        b->scales[8 + (j & 3)] |= (uint8_t)(((s >> 4) & 3) << (2 * (j >> 2)));
    }
    memset(b->qs, 0, sizeof b->qs);
    memset(b->hmask, 0, sizeof b->hmask);
    for (int e = 0; e < QK_K; e++) {
        int u = q[e] + 4, g = (e % 128) / 32, l = e % 32;
        b->qs[(e / 128) * 32 + l] |= (uint8_t)((u & 3) << (2 * g));
        if (u >= 4)
            b->hmask[l] |= (uint8_t)(1 << ((e / 128) * 4 + g));
    }
}

static void pack_scale_min_k4(uint8_t s[12], const int *ls, const int *lm)
{
    memset(s, 0, 12);
    for (int j = 0; j < 8; j++) {
        if (j < 4) {
            s[j] |= (uint8_t)(ls[j] & 63);
            s[j + 4] |= (uint8_t)(lm[j] & 63);
        } else {
            s[j + 4] = (uint8_t)((ls[j] & 0xF) | ((lm[j] & 0xF) << 4));
            s[j - 4] |= (uint8_t)((ls[j] >> 4) << 6);
            s[j] |= (uint8_t)((lm[j] >> 4) << 6);
        }
    }
}

static void enc_q45_K(const float *x, int five, void *blk)
{
    int ls[8], lm[8];
    uint8_t q[QK_K];
    struct block_q5_K *b5 = blk;
    struct block_q4_K *b4 = blk;
    uint16_t d, dmin;
    k_asym(x, 8, 32, five ? 31 : 15, 63, &d, &dmin, ls, lm, q);
    uint8_t *scales = five ? b5->scales : b4->scales, *qs = five ? b5->qs : b4->qs;
    if (five) {
        b5->d = d;
        b5->dmin = dmin;
        memset(b5->qh, 0, sizeof b5->qh);
    } else {
        b4->d = d;
        b4->dmin = dmin;
    }
    pack_scale_min_k4(scales, ls, lm);
    for (int c = 0; c < 4; c++)
        for (int l = 0; l < 32; l++) {
            int a = q[64 * c + l], h = q[64 * c + 32 + l];
            qs[32 * c + l] = (uint8_t)((a & 0xF) | ((h & 0xF) << 4));
            if (five)
                b5->qh[l] |= (uint8_t)(((a >> 4) & 1) << (2 * c) | ((h >> 4) & 1) << (2 * c + 1));
        }
}

static void enc_q6_K(const float *x, struct block_q6_K *b)
{
    int ls[16], q[QK_K];
    float d;
    k_sym(x, 32, 127, &d, ls, q);
    b->d = fp32_to_fp16(d);
    for (int j = 0; j < 16; j++)
        b->scales[j] = (int8_t)ls[j];
    memset(b->ql, 0, sizeof b->ql);
    memset(b->qh, 0, sizeof b->qh);
    for (int e = 0; e < QK_K; e++) {
        int u = q[e] + 32, n = e / 128, r = e % 128, l = r % 32, part = r / 32;
        uint8_t *ql = b->ql + 64 * n, *qh = b->qh + 32 * n;
        int li = l + ((part & 1) ? 32 : 0);           /* parts 1 and 3 use ql[l + 32] */
        ql[li] |= (uint8_t)((u & 0xF) << ((part >= 2) ? 4 : 0));
        qh[l] |= (uint8_t)((u >> 4) << (2 * part));
    }
}

int quantize_row(uint32_t type, const float *x, void *dst, size_t n)
{
    uint8_t *out = dst;
    switch (type) {
    case QT_F32: memcpy(dst, x, n * 4); return 0;
    case QT_F16: convert_f16(x, dst, n); return 0;
    case QT_BF16: convert_bf16(x, dst, n); return 0;
    case QT_Q8_0: quantize_q8_0_ref(x, dst, n); return 0;
    default: break;
    }
    const struct quant_type *t = quant_type_get(type);
    if (!t)
        return -1;
    for (size_t i = 0; i < n / t->block_size; i++, x += t->block_size, out += t->block_bytes) {
        switch (type) {
        case QT_Q4_0: { struct block_q4_0 *b = (void *)out; q_sym32(x, 4, &b->d, b->qs, NULL); break; }
        case QT_Q5_0: { struct block_q5_0 *b = (void *)out; q_sym32(x, 5, &b->d, b->qs, b->qh); break; }
        case QT_Q4_1: { struct block_q4_1 *b = (void *)out; q_asym32(x, 4, &b->d, &b->m, b->qs, NULL); break; }
        case QT_Q5_1: { struct block_q5_1 *b = (void *)out; q_asym32(x, 5, &b->d, &b->m, b->qs, b->qh); break; }
        case QT_Q2_K: enc_q2_K(x, (void *)out); break;
        case QT_Q3_K: enc_q3_K(x, (void *)out); break;
        case QT_Q4_K: enc_q45_K(x, 0, out); break;
        case QT_Q5_K: enc_q45_K(x, 1, out); break;
        case QT_Q6_K: enc_q6_K(x, (void *)out); break;
        default: return -1;
        }
    }
    return 0;
}

int quantize_type_from_name(const char *name)
{
    static const struct { const char *n; int t; } names[] = {
        { "f32", QT_F32 }, { "f16", QT_F16 }, { "bf16", QT_BF16 }, { "q4_0", QT_Q4_0 },
        { "q4_1", QT_Q4_1 }, { "q5_0", QT_Q5_0 }, { "q5_1", QT_Q5_1 }, { "q8_0", QT_Q8_0 },
        { "q2_k", QT_Q2_K }, { "q3_k", QT_Q3_K }, { "q4_k", QT_Q4_K }, { "q5_k", QT_Q5_K },
        { "q6_k", QT_Q6_K },
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcasecmp(name, names[i].n) == 0)
            return names[i].t;
    return -1;
}
