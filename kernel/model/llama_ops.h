/* llama.c's per-position operations, exported for the batched prompt pass
 * (llama_prefill.c) so both paths share one implementation of every
 * operation that decides the last bit. */
#ifndef EMBODIOS_MODEL_LLAMA_OPS_H
#define EMBODIOS_MODEL_LLAMA_OPS_H

#include "model/llama.h"

/* W x for n_tok vectors of W's columns; -ERANGE when x holds inf or NaN. */
int llama_op_matmul(const struct llama_matrix *m, const float *x, uint32_t n_tok, float *out, void *scratch);
void llama_op_rmsnorm(float *out, const float *x, const float *w, uint32_t n, float eps);
void llama_op_rope_cache(const struct llama_weights *w, float *cache, uint32_t pos);
void llama_op_rope(float *vec, uint32_t n_heads, uint32_t head_dim, const float *cache, int neox);
void llama_op_attend_head(struct llama_state *st, const struct llama_shape *s, const float *q, uint32_t layer,
                          uint32_t kv_head, uint32_t pos, float *out);
void llama_op_swiglu(float *gate, const float *up, uint32_t n);
void llama_op_add_bias(float *x, const float *b, uint32_t n);

/* attend_head's arithmetic with the float work in SSE lanes (llama_attn.c);
 * used when the F16 dot is the generic-order scalar kernel. */
int llama_attn_fast_ok(void);
extern int llama_attn_fast_off;   /* tests: 1 runs llama.c's scalar attend_head */
void llama_attend_head_fast(struct llama_state *st, const struct llama_shape *s, const float *q, uint32_t layer,
                            uint32_t kv_head, uint32_t pos, float *out);

/* Evaluates ids[0..n) at positions pos0, pos0+1, ... (< st->n_ctx; earlier
 * positions must have been run) through every layer together: each weight
 * matrix is applied to all of them at once (math/matmul.h), attention stays
 * causal per position, and every value is bit-identical to n calls of
 * llama_forward. Logits: with `each`, every position's logits are computed
 * into st->logits and each(ctx, pos) is called; otherwise only the last
 * position's, and only when `last` is set. Works in chunks of
 * LLAMA_PREFILL_CHUNK positions with buffers allocated here; -ENOMEM if
 * they don't fit (the caller may fall back to llama_forward). */
#define LLAMA_PREFILL_CHUNK 64
extern uint32_t llama_prefill_chunk;   /* positions per chunk; tests make it small */
typedef void (*llama_logits_fn)(void *ctx, uint32_t pos);
int llama_prefill(const struct llama_weights *w, struct llama_state *st, const int32_t *ids, uint32_t n, uint32_t pos0,
                  int last, llama_logits_fn each, void *ctx);

#endif
