/* Choosing the next token from the logits, with llama.cpp's samplers and
 * the order of its default chain (common/common.h: penalties, top-k, top-p,
 * min-p, temperature, then a draw): repeat penalty over the last 64 tokens,
 * top-k, top-p, min-p, temperature, and a seeded draw. temp <= 0 is greedy
 * (the highest logit after the penalty, lowest id on ties). The PRNG is
 * splitmix64: the same seed gives the same tokens on every run.
 * Also the float parsing and fixed-point printing the shell needs (the shell
 * itself is built without SSE). */
#ifndef EMBODIOS_MODEL_SAMPLER_H
#define EMBODIOS_MODEL_SAMPLER_H

#include <stddef.h>
#include <stdint.h>

/* llama.cpp's defaults (common_params_sampling), except the repeat
 * penalty: small models such as the shipped Austen model (docs/TRAINING.md,
 * scripts/train/ sampling sweep) loop within a few dozen tokens without it,
 * so it is on at 1.1 over the last 64 tokens. --repeat-penalty 1 turns it
 * off (llama.cpp's default). */
#define SAMPLER_DEFAULT_TEMP 0.8f
#define SAMPLER_DEFAULT_TOP_K 40
#define SAMPLER_DEFAULT_TOP_P 0.95f
#define SAMPLER_DEFAULT_MIN_P 0.05f
#define SAMPLER_DEFAULT_REPEAT_PENALTY 1.1f   /* 1.0 = off */
#define SAMPLER_PENALTY_LAST_N 64
#define SAMPLER_DEFAULT_SEED 0x454D424FULL    /* "EMBO" */

struct sampler_params {
    float temp;
    int32_t top_k;            /* <= 0: the whole vocabulary */
    float top_p;              /* >= 1: off */
    float min_p;              /* <= 0: off */
    float repeat_penalty;     /* 1: off */
    uint64_t seed;
};

struct sampler_candidate {
    int32_t id;
    float logit;
    float p;
};

struct sampler {
    struct sampler_params params;
    uint64_t rng;
    uint32_t vocab;
    struct sampler_candidate *cand;              /* (vocab,) */
    int32_t recent[SAMPLER_PENALTY_LAST_N];      /* ring of the last tokens */
    uint32_t n_recent, recent_head;
};

void sampler_defaults(struct sampler_params *p);
int sampler_init(struct sampler *s, const struct sampler_params *p, uint32_t vocab);
void sampler_free(struct sampler *s);
/* Records a token (prompt or generated) for the repeat penalty. */
void sampler_accept(struct sampler *s, int32_t token);
/* Chooses a token from logits (vocab values; not modified). */
int32_t sampler_sample(struct sampler *s, const float *logits);

/* Top k of logits by value, descending (lowest id first on ties): ids and
 * values. k <= 64. */
void logits_top_k(const float *logits, uint32_t n, uint32_t k, int32_t *ids, float *values);

/* "0.8", "-1.5", "40", "1e-3": 0, or -EINVAL. */
int parse_float(const char *s, float *out);
/* v with `decimals` digits after the point (rounded), like printf("%.*f"). */
void format_fixed(char *buf, size_t size, float v, int decimals);

/* Checks ranges (temp >= 0, 0 <= top_p <= 1, 0 <= min_p <= 1, penalty > 0):
 * 0, or -EINVAL with why naming the parameter. */
int sampler_check_params(const struct sampler_params *p, char *why, size_t size);
/* "<id>:<value> ..." for the top k (at most 64) of logits, 6 decimals. */
void format_top_logits(char *buf, size_t size, const float *logits, uint32_t n, uint32_t k);

#endif
