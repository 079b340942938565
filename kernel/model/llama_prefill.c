/* The prompt pass, batched (see llama_ops.h): the positions of a chunk go
 * through each layer together so that every weight matrix is read and
 * unpacked once per chunk instead of once per token (math/matmul.c), and
 * the output projection (the largest matrix) runs only where logits are
 * wanted, as llama.cpp does for a prompt. Every per-position operation is
 * llama.c's own (llama_op_*), so the results are bit-identical to running
 * llama_forward position by position. */
#include "model/llama_ops.h"
#include "core/heap.h"
#include "lib/errno.h"
#include "lib/string.h"
#include "math/kmath.h"
#include "math/matmul.h"
#include "math/matvec.h"
#include "math/quant.h"

#define ALIGN 64

uint32_t llama_prefill_chunk = LLAMA_PREFILL_CHUNK;

static inline uint64_t tsc(void) { return __builtin_ia32_rdtsc(); }
#define PROF(st, slot, t) do { uint64_t now_ = tsc(); (st)->prof[slot] += now_ - (t); (t) = now_; } while (0)

/* One chunk's activations, [position][element]. */
struct batch {
    uint32_t n;
    float *x, *xb, *xb2, *q, *k, *v, *hb, *hb2, *rope;
    void *scratch;
    void *block;
};

static size_t round_up(size_t n) { return (n + ALIGN - 1) / ALIGN * ALIGN; }

static size_t max_sz(size_t a, size_t b) { return a > b ? a : b; }

static size_t scratch_for(const struct llama_weights *w, uint32_t n)
{
    const struct llama_shape *s = &w->shape;
    size_t m = 0;
    for (uint32_t l = 0; l < s->n_layers; l++) {
        const struct llama_layer *ly = &w->layers[l];
        const struct llama_matrix *ms[7] = { &ly->wq, &ly->wk, &ly->wv, &ly->wo, &ly->gate, &ly->up, &ly->down };
        for (int i = 0; i < 7; i++)
            m = max_sz(m, matmul_scratch_bytes(ms[i]->type, ms[i]->cols, n));
    }
    return m;
}

static int batch_alloc(struct batch *b, const struct llama_weights *w, uint32_t n)
{
    const struct llama_shape *s = &w->shape;
    const size_t f = sizeof(float);
    size_t sizes[10] = { n * s->dim * f, n * s->dim * f, n * s->dim * f, n * s->dim * f, n * s->kv_dim * f,
                         n * s->kv_dim * f, n * s->ffn_dim * f, n * s->ffn_dim * f, n * s->head_dim * f,
                         scratch_for(w, n) };
    size_t total = 0;
    for (int i = 0; i < 10; i++)
        total += round_up(sizes[i]);
    uint8_t *p = kmalloc_aligned(total, ALIGN);
    if (!p)
        return -ENOMEM;
    memset(b, 0, sizeof(*b));
    b->block = p;
    b->n = n;
    float **slots[9] = { &b->x, &b->xb, &b->xb2, &b->q, &b->k, &b->v, &b->hb, &b->hb2, &b->rope };
    for (int i = 0; i < 9; i++) {
        *slots[i] = (float *)p;
        p += round_up(sizes[i]);
    }
    b->scratch = p;
    return 0;
}

static int mm(const struct llama_matrix *m, const float *x, uint32_t n, float *out, void *scratch)
{
    return llama_op_matmul(m, x, n, out, scratch);
}

static int attention(const struct llama_weights *w, struct llama_state *st, struct batch *b, uint32_t l,
                     uint32_t n, uint32_t pos0)
{
    const struct llama_shape *s = &w->shape;
    const struct llama_layer *ly = &w->layers[l];
    const uint32_t dim = s->dim, kvd = s->kv_dim, hd = s->head_dim;
    int rc;
    uint64_t t = tsc();
    for (uint32_t i = 0; i < n; i++)
        llama_op_rmsnorm(b->xb + i * dim, b->x + i * dim, ly->attn_norm, dim, s->norm_eps);
    PROF(st, LLAMA_PROF_NORM, t);
    if ((rc = mm(&ly->wq, b->xb, n, b->q, b->scratch)) < 0 || (rc = mm(&ly->wk, b->xb, n, b->k, b->scratch)) < 0 ||
        (rc = mm(&ly->wv, b->xb, n, b->v, b->scratch)) < 0)
        return rc;
    PROF(st, LLAMA_PROF_QKV, t);
    for (uint32_t i = 0; i < n; i++) {
        float *q = b->q + i * dim, *k = b->k + i * kvd, *v = b->v + i * kvd;
        llama_op_add_bias(q, ly->bq, dim);
        llama_op_add_bias(k, ly->bk, kvd);
        llama_op_add_bias(v, ly->bv, kvd);
        llama_op_rope(q, s->n_heads, hd, b->rope + i * hd, s->rope_neox);
        llama_op_rope(k, s->n_kv_heads, hd, b->rope + i * hd, s->rope_neox);
        size_t off = ((size_t)l * st->n_ctx + pos0 + i) * kvd;
        for (uint32_t e = 0; e < kvd; e++) {
            st->key_cache[off + e] = fp32_to_fp16(k[e]);
            st->value_cache[off + e] = fp32_to_fp16(v[e]);
        }
    }
    PROF(st, LLAMA_PROF_ROPE, t);
    const uint32_t group = s->n_heads / s->n_kv_heads;
    for (uint32_t i = 0; i < n; i++)
        for (uint32_t h = 0; h < s->n_heads; h++)
            llama_op_attend_head(st, s, b->q + i * dim + h * hd, l, h / group, pos0 + i, b->xb + i * dim + h * hd);
    PROF(st, LLAMA_PROF_ATTN, t);
    if ((rc = mm(&ly->wo, b->xb, n, b->xb2, b->scratch)) < 0)
        return rc;
    PROF(st, LLAMA_PROF_WO, t);
    for (uint32_t e = 0; e < n * dim; e++)
        b->x[e] = b->xb2[e] + b->x[e];
    return 0;
}

static int ffn(const struct llama_weights *w, struct llama_state *st, struct batch *b, uint32_t l, uint32_t n)
{
    const struct llama_shape *s = &w->shape;
    const struct llama_layer *ly = &w->layers[l];
    const uint32_t dim = s->dim, fd = s->ffn_dim;
    int rc;
    uint64_t t = tsc();
    for (uint32_t i = 0; i < n; i++)
        llama_op_rmsnorm(b->xb + i * dim, b->x + i * dim, ly->ffn_norm, dim, s->norm_eps);
    PROF(st, LLAMA_PROF_NORM, t);
    if ((rc = mm(&ly->gate, b->xb, n, b->hb, b->scratch)) < 0 || (rc = mm(&ly->up, b->xb, n, b->hb2, b->scratch)) < 0)
        return rc;
    PROF(st, LLAMA_PROF_FFN_UP, t);
    for (uint32_t i = 0; i < n; i++)
        llama_op_swiglu(b->hb + i * fd, b->hb2 + i * fd, fd);
    PROF(st, LLAMA_PROF_SWIGLU, t);
    if ((rc = mm(&ly->down, b->hb, n, b->xb2, b->scratch)) < 0)
        return rc;
    PROF(st, LLAMA_PROF_FFN_DOWN, t);
    for (uint32_t e = 0; e < n * dim; e++)
        b->x[e] = b->xb2[e] + b->x[e];
    return 0;
}

/* Final norm and output projection of chunk position i into st->logits. */
static int logits_at(const struct llama_weights *w, struct llama_state *st, struct batch *b, uint32_t i)
{
    const struct llama_shape *s = &w->shape;
    uint64_t t = tsc();
    llama_op_rmsnorm(st->xb, b->x + i * s->dim, w->output_norm, s->dim, s->norm_eps);
    PROF(st, LLAMA_PROF_NORM, t);
    int rc = llama_op_matmul(&w->output, st->xb, 1, st->logits, st->scratch);
    PROF(st, LLAMA_PROF_OUTPUT, t);
    return rc;
}

static int chunk(const struct llama_weights *w, struct llama_state *st, struct batch *b, const int32_t *ids,
                 uint32_t n, uint32_t pos0, int last, llama_logits_fn each, void *ctx)
{
    const struct llama_shape *s = &w->shape;
    uint64_t t = tsc();
    const struct quant_type *qt = quant_type_get(w->tok_embd.type);
    size_t row_bytes = quant_row_bytes(w->tok_embd.type, s->dim);
    for (uint32_t i = 0; i < n; i++) {
        qt->dequantize_row((const uint8_t *)w->tok_embd.data + (size_t)ids[i] * row_bytes, b->x + i * s->dim, s->dim);
        llama_op_rope_cache(w, b->rope + i * s->head_dim, pos0 + i);
    }
    PROF(st, LLAMA_PROF_EMBED, t);
    for (uint32_t l = 0; l < s->n_layers; l++) {
        int rc = attention(w, st, b, l, n, pos0);
        if (rc < 0 || (rc = ffn(w, st, b, l, n)) < 0)
            return rc;
    }
    for (uint32_t i = 0; i < n; i++) {
        if (!each && !(last && i == n - 1))
            continue;
        int rc = logits_at(w, st, b, i);
        if (rc < 0)
            return rc;
        if (each)
            each(ctx, pos0 + i);
    }
    return 0;
}

int llama_prefill(const struct llama_weights *w, struct llama_state *st, const int32_t *ids, uint32_t n, uint32_t pos0,
                  int last, llama_logits_fn each, void *ctx)
{
    const struct llama_shape *s = &w->shape;
    if (n == 0 || pos0 >= st->n_ctx || n > st->n_ctx - pos0)
        return -EINVAL;
    for (uint32_t i = 0; i < n; i++)
        if (ids[i] < 0 || (uint32_t)ids[i] >= s->vocab)
            return -EINVAL;
    struct batch b;
    uint32_t chunk_max = llama_prefill_chunk ? llama_prefill_chunk : LLAMA_PREFILL_CHUNK;
    int rc = batch_alloc(&b, w, n < chunk_max ? n : chunk_max);
    if (rc < 0)
        return rc;
    for (uint32_t done = 0; done < n && rc == 0; done += b.n) {
        uint32_t m = n - done < b.n ? n - done : b.n;
        rc = chunk(w, st, &b, ids + done, m, pos0 + done, last && done + m == n, each, ctx);
    }
    kfree(b.block);
    return rc;
}
