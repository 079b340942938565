/* Model-shape validation: everything the forward pass will index is checked
 * here, once, against the GGUF metadata and tensor table, so that a file
 * with any shapes is either refused by name or runs within its buffers.
 * The rules follow llama.cpp's loader for the llama and qwen2
 * architectures (src/models/llama.cpp, qwen2.cpp: n_embd_head == n_rot,
 * output.weight optional, norms as F32 vectors). */
#include "model/llama.h"
#include "core/heap.h"
#include "lib/errno.h"
#include "lib/format.h"
#include "lib/string.h"
#include "math/kmath.h"
#include "math/matvec.h"
#include "math/f32_fixed.h"
#include "math/quant.h"
#include "model/ggml_types.h"

#define MAX_DIM (1u << 20)        /* embedding or FFN width: far beyond any real model */
#define MAX_VOCAB (1u << 22)
#define MAX_CTX (1u << 24)

struct loader {
    const struct gguf_file *f;
    const uint8_t *data;
    const char *arch;
    char *why;
    size_t why_size;
    size_t scratch;
};

static int refuse(struct loader *l, int code, const char *fmt, ...) PRINTF_LIKE(3, 4);

static int refuse(struct loader *l, int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(l->why, l->why_size, fmt, ap);
    va_end(ap);
    return -code;
}

static const struct gguf_tensor *find_tensor(const struct gguf_file *f, const char *name)
{
    for (uint64_t i = 0; i < f->n_tensors; i++)
        if (strcmp(f->tensors[i].name, name) == 0)
            return &f->tensors[i];
    return NULL;
}

/* "<arch>.<key>" as an unsigned integer: 0, -ENOENT when absent, or a refusal. */
static int arch_uint(struct loader *l, const char *key, uint32_t max, uint32_t *out)
{
    char name[96];
    uint64_t v;
    snprintf(name, sizeof(name), "%s.%s", l->arch, key);
    const struct gguf_kv *kv = gguf_find(l->f, name);
    if (!kv)
        return -ENOENT;
    if (gguf_kv_uint(kv, &v) < 0)
        return refuse(l, EMODEL_SHAPE, "%s is not a non-negative integer (type %s)", name, gguf_type_name(kv->type));
    if (v == 0 || v > max)
        return refuse(l, EMODEL_SHAPE, "%s = %lu is out of range (1 to %u)", name, (unsigned long)v, max);
    *out = (uint32_t)v;
    return 0;
}

static int arch_uint_required(struct loader *l, const char *key, uint32_t max, uint32_t *out)
{
    int rc = arch_uint(l, key, max, out);
    if (rc == -ENOENT)
        return refuse(l, EMODEL_SHAPE, "%s.%s is missing", l->arch, key);
    return rc;
}

/* "<arch>.<key>" as a float32 (default `def` when absent). */
static int arch_float(struct loader *l, const char *key, float def, int required, float *out)
{
    char name[96];
    snprintf(name, sizeof(name), "%s.%s", l->arch, key);
    const struct gguf_kv *kv = gguf_find(l->f, name);
    if (!kv) {
        if (required)
            return refuse(l, EMODEL_SHAPE, "%s is missing", name);
        *out = def;
        return 0;
    }
    if (kv->type != GGUF_TYPE_FLOAT32)
        return refuse(l, EMODEL_SHAPE, "%s is not a float32 (type %s)", name, gguf_type_name(kv->type));
    float v = k_bits_float((uint32_t)kv->value);
    if (!(v >= 0.0f && v < 1e30f))                /* also refuses NaN */
        return refuse(l, EMODEL_SHAPE, "%s is out of range", name);
    *out = v;
    return 0;
}

static int read_hparams(struct loader *l, struct llama_shape *s)
{
    int rc;
    if ((rc = arch_uint_required(l, "embedding_length", MAX_DIM, &s->dim)) < 0 ||
        (rc = arch_uint_required(l, "block_count", LLAMA_MAX_LAYERS, &s->n_layers)) < 0 ||
        (rc = arch_uint_required(l, "feed_forward_length", MAX_DIM, &s->ffn_dim)) < 0 ||
        (rc = arch_uint_required(l, "attention.head_count", MAX_DIM, &s->n_heads)) < 0 ||
        (rc = arch_uint_required(l, "context_length", MAX_CTX, &s->ctx_train)) < 0)
        return rc;
    rc = arch_uint(l, "attention.head_count_kv", MAX_DIM, &s->n_kv_heads);
    if (rc == -ENOENT)
        s->n_kv_heads = s->n_heads;
    else if (rc < 0)
        return rc;
    if (s->dim % s->n_heads)
        return refuse(l, EMODEL_SHAPE, "embedding_length %u is not a multiple of head_count %u", s->dim, s->n_heads);
    s->head_dim = s->dim / s->n_heads;
    if (s->n_kv_heads > s->n_heads || s->n_heads % s->n_kv_heads)
        return refuse(l, EMODEL_SHAPE, "head_count %u is not a multiple of head_count_kv %u", s->n_heads,
                      s->n_kv_heads);
    if (s->head_dim % 2 || s->head_dim > LLAMA_MAX_HEAD_DIM)
        return refuse(l, EMODEL_SHAPE, "head size %u (embedding_length / head_count) is odd or above %u",
                      s->head_dim, LLAMA_MAX_HEAD_DIM);
    s->kv_dim = s->n_kv_heads * s->head_dim;
    static const char *const head_keys[] = { "attention.key_length", "attention.value_length" };
    for (int i = 0; i < 2; i++) {
        uint32_t v;
        rc = arch_uint(l, head_keys[i], MAX_DIM, &v);
        if (rc == 0 && v != s->head_dim)
            return refuse(l, EMODEL_SHAPE, "%s.%s = %u differs from the head size %u (not supported)", l->arch,
                          head_keys[i], v, s->head_dim);
        if (rc < 0 && rc != -ENOENT)
            return rc;
    }
    rc = arch_uint(l, "rope.dimension_count", MAX_DIM, &s->rope_dims);
    if (rc == -ENOENT)
        s->rope_dims = s->head_dim;
    else if (rc < 0)
        return rc;
    if (s->rope_dims != s->head_dim)           /* llama.cpp asserts n_embd_head == n_rot */
        return refuse(l, EMODEL_SHAPE, "rope.dimension_count %u differs from the head size %u", s->rope_dims,
                      s->head_dim);
    if ((rc = arch_float(l, "attention.layer_norm_rms_epsilon", 0, 1, &s->norm_eps)) < 0 ||
        (rc = arch_float(l, "rope.freq_base", 10000.0f, 0, &s->rope_base)) < 0)
        return rc;
    if (s->rope_base <= 0.0f)
        return refuse(l, EMODEL_SHAPE, "rope.freq_base must be positive");
    /* RoPE scaling as llama.cpp reads it: "linear" when absent, a factor
     * (rope.scaling.factor, or the older rope.scale_linear) giving
     * freq_scale = 1/factor; "none" never scales; YaRN and the others are
     * not implemented here. */
    char key[96];
    snprintf(key, sizeof(key), "%s.rope.scaling.type", l->arch);
    const char *scaling = gguf_get_str(l->f, key);
    if (scaling && strcmp(scaling, "none") != 0 && strcmp(scaling, "linear") != 0)
        return refuse(l, EMODEL_SHAPE, "RoPE scaling '%.30s' is not supported (supported: none, linear)", scaling);
    float factor = 0.0f;
    if ((rc = arch_float(l, "rope.scaling.factor", 0.0f, 0, &factor)) < 0)
        return rc;
    if (factor == 0.0f && (rc = arch_float(l, "rope.scale_linear", 0.0f, 0, &factor)) < 0)
        return rc;
    s->rope_freq_scale = factor == 0.0f || (scaling && strcmp(scaling, "none") == 0) ? 1.0f : 1.0f / factor;
    float attn_factor = 1.0f;
    if ((rc = arch_float(l, "rope.scaling.attn_factor", 1.0f, 0, &attn_factor)) < 0)
        return rc;
    if (attn_factor != 1.0f)
        return refuse(l, EMODEL_SHAPE, "%s.rope.scaling.attn_factor other than 1 is not supported", l->arch);
    snprintf(key, sizeof(key), "%s.expert_count", l->arch);
    uint64_t experts;
    if (gguf_get_uint(l->f, key, &experts) == 0 && experts > 0)
        return refuse(l, EMODEL_SHAPE, "mixture-of-experts models (%s = %lu) are not supported", key,
                      (unsigned long)experts);
    return 0;
}

static const char *type_name(uint32_t type)
{
    const struct ggml_type_info *t = ggml_type_get(type);
    return t ? t->name : "unknown";
}

/* A tensor with exactly the dimensions ne0 (and ne1; 0 = a vector), trailing
 * ones allowed as ggml allows them. */
static int check_dims(struct loader *l, const struct gguf_tensor *t, uint64_t ne0, uint64_t ne1)
{
    uint64_t want[GGUF_MAX_DIMS] = { ne0, ne1 ? ne1 : 1, 1, 1 };
    for (uint32_t d = 0; d < GGUF_MAX_DIMS; d++) {
        uint64_t have = d < t->n_dims ? t->dims[d] : 1;
        if (have != want[d])
            return refuse(l, EMODEL_SHAPE, "tensor %s has shape [%lu, %lu, %lu, %lu], expected [%lu, %lu]", t->name,
                          (unsigned long)t->dims[0], (unsigned long)(t->n_dims > 1 ? t->dims[1] : 1),
                          (unsigned long)(t->n_dims > 2 ? t->dims[2] : 1),
                          (unsigned long)(t->n_dims > 3 ? t->dims[3] : 1), (unsigned long)ne0,
                          (unsigned long)(ne1 ? ne1 : 1));
    }
    return 0;
}

static const void *tensor_ptr(struct loader *l, const struct gguf_tensor *t)
{
    return (const void *)((uintptr_t)l->data + (uintptr_t)t->offset);
}

/* An F32 vector (norm weights, biases) of n elements. */
static int bind_vector(struct loader *l, const char *name, uint32_t n, int optional, const float **out)
{
    const struct gguf_tensor *t = find_tensor(l->f, name);
    *out = NULL;
    if (!t)
        return optional ? 0 : refuse(l, EMODEL_SHAPE, "tensor %s is missing", name);
    int rc = check_dims(l, t, n, 0);
    if (rc < 0)
        return rc;
    if (t->type != GGML_TYPE_F32)
        return refuse(l, EMODEL_WTYPE, "tensor %s has type %s; norms and biases must be F32", name,
                      type_name(t->type));
    if (t->offset % 4)
        return refuse(l, EMODEL_SHAPE, "tensor %s is not 4-byte aligned", name);
    *out = tensor_ptr(l, t);
    return 0;
}

/* A weight matrix of `rows` rows of `cols` elements, of a type the math
 * layer can dot (every supported type's rows are whole blocks). */
static int bind_matrix(struct loader *l, const char *name, uint32_t cols, uint32_t rows, int optional,
                       struct llama_matrix *m)
{
    const struct gguf_tensor *t = find_tensor(l->f, name);
    memset(m, 0, sizeof(*m));
    if (!t)
        return optional ? 0 : refuse(l, EMODEL_SHAPE, "tensor %s is missing", name);
    int rc = check_dims(l, t, cols, rows);
    if (rc < 0)
        return rc;
    if (!quant_type_get(t->type))
        return refuse(l, EMODEL_WTYPE,
                      "tensor %s has type %s, which is not supported (supported: F32, F16, BF16, Q8_0, Q4_0, Q4_1, "
                      "Q5_0, Q5_1, Q2_K, Q3_K, Q4_K, Q5_K, Q6_K)",
                      name, type_name(t->type));
    const struct ggml_type_info *info = ggml_type_get(t->type);
    if (cols % info->block_size)
        return refuse(l, EMODEL_SHAPE, "tensor %s: rows of %u are not whole %s blocks of %u", name, cols,
                      info->name, info->block_size);
    if (quant_row_bytes(t->type, cols) * rows != t->size)
        return refuse(l, EMODEL_SHAPE, "tensor %s: size %lu does not match its shape", name,
                      (unsigned long)t->size);
    m->data = tensor_ptr(l, t);
    m->type = t->type;
    m->rows = rows;
    m->cols = cols;
    size_t need = matvec_scratch_bytes(t->type, cols);
    if (need > l->scratch)
        l->scratch = need;
    return 0;
}

/* Tensors llama.cpp's llama graph would use but this implementation does
 * not: refusing them beats silently computing something else. */
static int refuse_unused(struct loader *l, uint32_t layer)
{
    static const char *const unused[] = { "attn_qkv.weight", "attn_output.bias", "ffn_gate.bias", "ffn_up.bias",
                                          "ffn_down.bias", "ffn_gate_inp.weight", "attn_q_norm.weight",
                                          "attn_k_norm.weight", "attn_q.scale", "attn_k.scale", "attn_v.scale",
                                          "attn_output.scale", "ffn_gate.scale", "ffn_up.scale", "ffn_down.scale" };
    char name[96];
    for (unsigned i = 0; i < sizeof(unused) / sizeof(unused[0]); i++) {
        snprintf(name, sizeof(name), "blk.%u.%s", layer, unused[i]);
        if (find_tensor(l->f, name))
            return refuse(l, EMODEL_SHAPE, "tensor %s is not supported by this implementation", name);
    }
    return 0;
}

static int bind_layer(struct loader *l, const struct llama_shape *s, uint32_t i, struct llama_layer *ly)
{
    char n[12][64];
    static const char *const names[12] = { "attn_norm.weight", "ffn_norm.weight", "attn_q.weight",
                                           "attn_k.weight", "attn_v.weight", "attn_output.weight",
                                           "ffn_gate.weight", "ffn_up.weight", "ffn_down.weight",
                                           "attn_q.bias", "attn_k.bias", "attn_v.bias" };
    for (int k = 0; k < 12; k++)
        snprintf(n[k], sizeof(n[k]), "blk.%u.%s", i, names[k]);
    int rc;
    if ((rc = bind_vector(l, n[0], s->dim, 0, &ly->attn_norm)) < 0 ||
        (rc = bind_vector(l, n[1], s->dim, 0, &ly->ffn_norm)) < 0 ||
        (rc = bind_matrix(l, n[2], s->dim, s->dim, 0, &ly->wq)) < 0 ||
        (rc = bind_matrix(l, n[3], s->dim, s->kv_dim, 0, &ly->wk)) < 0 ||
        (rc = bind_matrix(l, n[4], s->dim, s->kv_dim, 0, &ly->wv)) < 0 ||
        (rc = bind_matrix(l, n[5], s->dim, s->dim, 0, &ly->wo)) < 0 ||
        (rc = bind_matrix(l, n[6], s->dim, s->ffn_dim, 0, &ly->gate)) < 0 ||
        (rc = bind_matrix(l, n[7], s->dim, s->ffn_dim, 0, &ly->up)) < 0 ||
        (rc = bind_matrix(l, n[8], s->ffn_dim, s->dim, 0, &ly->down)) < 0)
        return rc;
    /* Q/K/V biases: optional for both architectures, as llama.cpp's
     * create_tensor_qkv makes them (qwen2 files have them). */
    if ((rc = bind_vector(l, n[9], s->dim, 1, &ly->bq)) < 0 ||
        (rc = bind_vector(l, n[10], s->kv_dim, 1, &ly->bk)) < 0 ||
        (rc = bind_vector(l, n[11], s->kv_dim, 1, &ly->bv)) < 0)
        return rc;
    return refuse_unused(l, i);
}

static int bind_globals(struct loader *l, struct llama_weights *w)
{
    struct llama_shape *s = &w->shape;
    const struct gguf_tensor *emb = find_tensor(l->f, "token_embd.weight");
    if (!emb)
        return refuse(l, EMODEL_SHAPE, "tensor token_embd.weight is missing");
    if (emb->n_dims < 2 || emb->dims[1] == 0 || emb->dims[1] > MAX_VOCAB)
        return refuse(l, EMODEL_SHAPE, "tensor token_embd.weight has no valid vocabulary dimension");
    s->vocab = (uint32_t)emb->dims[1];
    int rc;
    if ((rc = bind_matrix(l, "token_embd.weight", s->dim, s->vocab, 0, &w->tok_embd)) < 0 ||
        (rc = bind_vector(l, "output_norm.weight", s->dim, 0, &w->output_norm)) < 0 ||
        (rc = bind_matrix(l, "output.weight", s->dim, s->vocab, 1, &w->output)) < 0)
        return rc;
    if (!w->output.data)
        w->output = w->tok_embd;               /* tied classifier, as llama.cpp duplicates it */
    if (find_tensor(l->f, "output.bias"))
        return refuse(l, EMODEL_SHAPE, "tensor output.bias is not supported by this implementation");
    /* Llama 3.1+ frequency factors: theta_i / factor_i (ggml_rope_ext's src2). */
    return bind_vector(l, "rope_freqs.weight", s->head_dim / 2, 1, &w->rope_freqs);
}

int llama_load(struct llama_weights *w, const struct gguf_file *f, const uint8_t *data, char *why, size_t why_size)
{
    struct loader l = { .f = f, .data = data, .why = why, .why_size = why_size };
    memset(w, 0, sizeof(*w));
    why[0] = 0;
    l.arch = gguf_get_str(f, "general.architecture");
    if (!l.arch)
        return refuse(&l, EMODEL_ARCH, "general.architecture is missing (supported: %s)", LLAMA_SUPPORTED_ARCHS);
    if (strcmp(l.arch, "llama") == 0)
        w->shape.arch = LLAMA_ARCH_LLAMA;
    else if (strcmp(l.arch, "qwen2") == 0)
        w->shape.arch = LLAMA_ARCH_QWEN2;
    else
        return refuse(&l, EMODEL_ARCH, "architecture '%.40s' is not supported (supported: %s)", l.arch,
                      LLAMA_SUPPORTED_ARCHS);
    w->shape.rope_neox = w->shape.arch == LLAMA_ARCH_QWEN2;
    int rc = read_hparams(&l, &w->shape);
    if (rc < 0)
        return rc;
    if ((rc = bind_globals(&l, w)) < 0)
        return rc;
    w->layers = kcalloc(w->shape.n_layers, sizeof(*w->layers));
    if (!w->layers)
        return refuse(&l, ENOMEM, "no memory for the layer table");
    for (uint32_t i = 0; i < w->shape.n_layers; i++) {
        if ((rc = bind_layer(&l, &w->shape, i, &w->layers[i])) < 0) {
            llama_free(w);
            return rc;
        }
    }
    w->shape.scratch_bytes = l.scratch;
    return 0;
}

/* One F32 matrix re-encoded in place when every weight fits (f32_fixed.h). */
static int encode_matrix(struct llama_matrix *m)
{
    if (m->type != QT_F32 || !m->data || m->cols > F32FX_MAX_COLS ||
        !f32fx_encode((uint32_t *)(uintptr_t)m->data, (size_t)m->rows * m->cols))
        return 0;
    m->type = QT_F32FX;
    return 1;
}

uint32_t llama_encode_f32(struct llama_weights *w)
{
    const int tied = w->output.data == w->tok_embd.data;
    uint32_t n = (uint32_t)encode_matrix(&w->tok_embd);
    if (tied)
        w->output.type = w->tok_embd.type;
    else
        n += (uint32_t)encode_matrix(&w->output);
    for (uint32_t i = 0; i < w->shape.n_layers; i++) {
        struct llama_layer *ly = &w->layers[i];
        struct llama_matrix *ms[] = { &ly->wq, &ly->wk, &ly->wv, &ly->wo, &ly->gate, &ly->up, &ly->down };
        for (unsigned k = 0; k < sizeof ms / sizeof ms[0]; k++)
            n += (uint32_t)encode_matrix(ms[k]);
    }
    return n;
}

void llama_free(struct llama_weights *w)
{
    kfree(w->layers);
    memset(w, 0, sizeof(*w));
}
