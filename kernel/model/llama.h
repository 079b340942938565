/* The llama forward pass (llama2.c's forward(), with ggml's arithmetic):
 * shape validation from a GGUF file, the run state (scratch buffers and the
 * KV cache, allocated once), and one token's logits.
 *
 * Architectures: "llama" (Llama 1/2/3, TinyLlama, SmolLM, Mistral without
 * sliding window, TinyStories) and "qwen2" (llama plus Q/K/V biases and
 * NEOX RoPE). Weights stay where loadmodel put them; the math layer
 * (kernel/math) dots them with the activations as ggml does. */
#ifndef EMBODIOS_MODEL_LLAMA_H
#define EMBODIOS_MODEL_LLAMA_H

#include <stddef.h>
#include <stdint.h>
#include "model/model.h"

#define LLAMA_SUPPORTED_ARCHS "llama, qwen2"
#define LLAMA_MAX_LAYERS 512
#define LLAMA_MAX_HEAD_DIM 1024

enum llama_arch { LLAMA_ARCH_LLAMA = 0, LLAMA_ARCH_QWEN2 = 1 };

struct llama_shape {
    uint32_t arch;
    uint32_t dim;          /* embedding_length */
    uint32_t n_layers;     /* block_count */
    uint32_t n_heads, n_kv_heads, head_dim;
    uint32_t kv_dim;       /* n_kv_heads * head_dim */
    uint32_t ffn_dim;      /* feed_forward_length */
    uint32_t vocab;
    uint32_t ctx_train;    /* context_length */
    uint32_t rope_dims;    /* rope.dimension_count (= head_dim, as llama.cpp asserts) */
    int rope_neox;         /* 0: adjacent pairs (llama), 1: halves (qwen2) */
    float rope_base;       /* rope.freq_base, 10000 when absent */
    float rope_freq_scale; /* 1 / rope.scaling.factor (linear scaling), 1 when absent */
    float norm_eps;        /* attention.layer_norm_rms_epsilon */
    size_t scratch_bytes;  /* largest activation conversion any matvec needs */
};

/* A weight matrix in place: `rows` rows of `cols` elements of `type`. */
struct llama_matrix {
    const void *data;
    uint32_t type;
    uint32_t rows, cols;
};

struct llama_layer {
    const float *attn_norm, *ffn_norm;     /* (dim,) */
    const float *bq, *bk, *bv;             /* qwen2 biases, NULL for llama */
    struct llama_matrix wq, wk, wv, wo;    /* (dim->dim), (dim->kv_dim) x2, (dim->dim) */
    struct llama_matrix gate, up, down;    /* (dim->ffn) x2, (ffn->dim) */
};

struct llama_weights {
    struct llama_shape shape;
    struct llama_matrix tok_embd;          /* vocab rows of dim */
    struct llama_matrix output;            /* output.weight, or tok_embd when tied */
    const float *output_norm;
    const float *rope_freqs;               /* (head_dim/2,) Llama 3 frequency factors, or NULL */
    struct llama_layer *layers;            /* n_layers, allocated */
};

/* Where a forward pass spends its time, in TSC cycles (summed over calls
 * until reset): generate --profile prints it. */
enum { LLAMA_PROF_EMBED, LLAMA_PROF_NORM, LLAMA_PROF_QKV, LLAMA_PROF_ROPE, LLAMA_PROF_ATTN, LLAMA_PROF_WO,
       LLAMA_PROF_FFN_UP, LLAMA_PROF_SWIGLU, LLAMA_PROF_FFN_DOWN, LLAMA_PROF_OUTPUT, LLAMA_PROF_COUNT };
extern const char *const llama_prof_names[LLAMA_PROF_COUNT];

/* Every buffer the forward pass writes, allocated once (one block). */
struct llama_state {
    uint64_t prof[LLAMA_PROF_COUNT];
    uint32_t n_ctx;                        /* KV cache length */
    float *x;                              /* (dim,) the residual stream */
    float *xb, *xb2;                       /* (dim,) normed input, attention output */
    float *q, *k, *v;                      /* (dim,), (kv_dim,), (kv_dim,) */
    float *hb, *hb2;                       /* (ffn,) gate, up */
    float *logits;                         /* (vocab,) */
    float *rope_cache;                     /* (head_dim,) cos/sin pairs for one position */
    float *vkq;                            /* (head_dim,) one head's attention result */
    uint16_t *q16;                         /* (head_dim,) Q rounded to fp16 */
    uint16_t *vkq16;                       /* (head_dim,) the fp16 V accumulator */
    uint16_t *key_cache, *value_cache;     /* (layer, n_ctx, kv_dim) fp16 */
    void *scratch;                         /* the matvec activation conversion */
    void *block;                           /* the one allocation */
};

/* Checks the file's architecture, hyperparameters and every tensor (names,
 * dimensions, types, sizes) and binds the weights in place. On failure
 * returns -EMODEL_ARCH / -EMODEL_SHAPE / -EMODEL_WTYPE / -ENOMEM with `why`
 * naming the problem; nothing is left allocated. `data` may be NULL (shape
 * check only, before the tensor data is read): then pointers are offsets. */
int llama_load(struct llama_weights *w, const struct gguf_file *f, const uint8_t *data, char *why, size_t why_size);
void llama_free(struct llama_weights *w);

/* F32 weight matrices re-encoded in place for the fixed-point path (type
 * QT_F32FX, see math/f32_fixed.h; lossless, only tensors whose every weight
 * it holds). The tensor data must be writable: loadmodel's buffer, which
 * nothing else reads as floats. Returns how many tensors it re-encoded. */
uint32_t llama_encode_f32(struct llama_weights *w);

/* Bytes llama_state_init allocates for this shape and context length:
 * loadmodel adds it to the tensor data in its fit check. */
uint64_t llama_runtime_bytes(const struct llama_shape *s, uint32_t n_ctx);
/* The context length used when none is asked for: the trained one, capped. */
uint32_t llama_default_ctx(const struct llama_shape *s);
#define LLAMA_DEFAULT_CTX_MAX 2048

int llama_state_init(struct llama_state *st, const struct llama_shape *s, uint32_t n_ctx);
void llama_state_free(struct llama_state *st);

/* Runs token `token` at position `pos` (< st->n_ctx; earlier positions must
 * have been run in order), leaving the logits in st->logits. */
int llama_forward(const struct llama_weights *w, struct llama_state *st, int32_t token, uint32_t pos);

#endif
