/* Test helper: a small llama-architecture GGUF in memory, with any shape,
 * types and tensors left out or misshapen (host tests and the fuzz target). */
#ifndef EMBODIOS_TESTS_LLAMA_BUILDER_H
#define EMBODIOS_TESTS_LLAMA_BUILDER_H

#include <stdio.h>
#include "gguf_builder.h"
#include "model/ggml_types.h"

struct lb_spec {
    const char *arch;
    uint32_t dim, heads, kv_heads, ffn, layers, vocab, ctx;
    uint32_t wtype;            /* type of the matrices */
    const char *omit;          /* tensor name left out, or NULL */
    const char *misshape;      /* tensor whose first dimension is doubled, or NULL */
    int omit_eps;              /* leave attention.layer_norm_rms_epsilon out */
    int tied;                  /* no output.weight */
};

static inline void lb_kv_f32(struct gbuf *b, const char *key, float v)
{
    gb_str(b, key);
    gb_u32(b, 6);
    gb_f32(b, v);
}

/* Returns the file in b (caller frees b->data). Matrix values are small and
 * deterministic; every byte of every tensor is written. */
static inline void lb_build(struct gbuf *b, const struct lb_spec *s)
{
    struct { char name[64]; uint64_t ne0, ne1; uint32_t type; } t[256];
    int n = 0;
    uint32_t kv_dim = s->heads ? s->dim / s->heads * s->kv_heads : 0;
#define LB_ADD(nm, a, c, ty) do { if (n < 256) { snprintf(t[n].name, sizeof(t[n].name), "%s", nm); \
        t[n].ne0 = (a); t[n].ne1 = (c); t[n].type = (ty); n++; } } while (0)
    LB_ADD("token_embd.weight", s->dim, s->vocab, s->wtype);
    LB_ADD("output_norm.weight", s->dim, 0, GGML_TYPE_F32);
    if (!s->tied)
        LB_ADD("output.weight", s->dim, s->vocab, s->wtype);
    for (uint32_t l = 0; l < s->layers && l < 16; l++) {
        char nm[64];
#define LB_L(suffix, a, c, ty) do { snprintf(nm, sizeof(nm), "blk.%u." suffix, l); LB_ADD(nm, a, c, ty); } while (0)
        LB_L("attn_norm.weight", s->dim, 0, GGML_TYPE_F32);
        LB_L("attn_q.weight", s->dim, s->dim, s->wtype);
        LB_L("attn_k.weight", s->dim, kv_dim, s->wtype);
        LB_L("attn_v.weight", s->dim, kv_dim, s->wtype);
        LB_L("attn_output.weight", s->dim, s->dim, s->wtype);
        LB_L("ffn_norm.weight", s->dim, 0, GGML_TYPE_F32);
        LB_L("ffn_gate.weight", s->dim, s->ffn, s->wtype);
        LB_L("ffn_up.weight", s->dim, s->ffn, s->wtype);
        LB_L("ffn_down.weight", s->ffn, s->dim, s->wtype);
        if (s->arch && !strcmp(s->arch, "qwen2")) {
            LB_L("attn_q.bias", s->dim, 0, GGML_TYPE_F32);
            LB_L("attn_k.bias", kv_dim, 0, GGML_TYPE_F32);
            LB_L("attn_v.bias", kv_dim, 0, GGML_TYPE_F32);
        }
#undef LB_L
    }
#undef LB_ADD
    int kept = 0;
    for (int i = 0; i < n; i++) {
        if (s->omit && !strcmp(t[i].name, s->omit))
            continue;
        if (s->misshape && !strcmp(t[i].name, s->misshape))
            t[i].ne0 *= 2;
        t[kept++] = t[i];
    }
    n = kept;
    char key[96];
    const char *arch = s->arch ? s->arch : "llama";
    gb_header(b, 3, (uint64_t)n, s->omit_eps ? 8 : 9);
    gb_kv_str(b, "general.architecture", arch);
#define LB_KV(k, v) do { snprintf(key, sizeof(key), "%s." k, arch); gb_kv_u32(b, key, (v)); } while (0)
    LB_KV("context_length", s->ctx);
    LB_KV("embedding_length", s->dim);
    LB_KV("block_count", s->layers);
    LB_KV("feed_forward_length", s->ffn);
    LB_KV("attention.head_count", s->heads);
    LB_KV("attention.head_count_kv", s->kv_heads);
    LB_KV("rope.dimension_count", s->heads ? s->dim / s->heads : 0);
#undef LB_KV
    if (!s->omit_eps) {
        snprintf(key, sizeof(key), "%s.attention.layer_norm_rms_epsilon", arch);
        lb_kv_f32(b, key, 1e-5f);
    }
    uint64_t off = 0, sizes[256];
    for (int i = 0; i < n; i++) {
        const struct ggml_type_info *ti = ggml_type_get(t[i].type);
        uint64_t elems = t[i].ne0 * (t[i].ne1 ? t[i].ne1 : 1);
        sizes[i] = ti && ti->block_size ? elems / ti->block_size * ti->type_size : elems * 4;
        uint64_t dims[2] = { t[i].ne0, t[i].ne1 };
        gb_tensor(b, t[i].name, t[i].ne1 ? 2 : 1, dims, t[i].type, off);
        off += (sizes[i] + 31) / 32 * 32;
    }
    gb_pad(b, 32);
    for (int i = 0; i < n; i++) {
        size_t start = b->len;
        if (t[i].type == GGML_TYPE_F32) {
            int norm = strstr(t[i].name, "norm") != NULL;
            for (uint64_t j = 0; j < sizes[i] / 4; j++)
                gb_f32(b, norm ? 1.0f : (float)((int)((j * 2654435761u + (uint64_t)i * 977u) % 2001u) - 1000) / 20000.0f);
        } else {
            for (uint64_t j = 0; j < sizes[i]; j++)
                gb_u8(b, (uint8_t)((j * 131u + (uint64_t)i) & 0x3b));   /* small finite f16/bf16 and scales */
        }
        (void)start;
        gb_pad(b, 32);
    }
}

#endif
