/* Byte-level BPE ("gpt2" in GGUF: GPT-2, Llama 3, Qwen2/2.5/3, SmolLM,
 * StarCoder, ...), matching llama.cpp's ids: special tokens split out, the
 * pre-type's pre-tokenizer, bytes mapped to printable code points, merges
 * by rank (lowest first, leftmost on ties), and decoding back to bytes with
 * the pre-type's clean-up. See docs in tokenizer.h for the shared API. */
#ifndef EMBODIOS_MODEL_TOKENIZER_BPE_H
#define EMBODIOS_MODEL_TOKENIZER_BPE_H

#include <stddef.h>
#include <stdint.h>
#include "model/bpe_pretok.h"
#include "model/tokenizer.h"

struct bpe_merge {
    int32_t left, right, result;   /* token ids; the rank is the index */
};

struct bpe_state {
    enum bpe_pre pre;
    char pre_name[32];
    int missing_pre;               /* tokenizer.ggml.pre absent: 'default' used */
    int ignore_merges;             /* a piece that is a token is not merged (llama3) */
    int clean_spaces;              /* decode drops spaces before punctuation */
    uint32_t n_merges;             /* usable merges (rank order) */
    uint32_t merges_in_file;
    uint32_t merges_dropped;       /* a side or the result is not a token */
    struct bpe_merge *merges;
    uint64_t *tok_slots;           /* token hash: (tag << 32) | (id + 1), 0 = empty */
    uint32_t tok_mask;
    uint32_t *merge_slots;         /* hash of (left, right): merge index + 1, 0 = empty */
    uint32_t merge_mask;
    int32_t byte_id[256];          /* token of each byte's printable stand-in */
    int32_t *eog;                  /* end-of-generation ids, ascending */
    uint32_t n_eog;
    int32_t eot;
    uint64_t table_bytes;          /* memory of every table the tokenizer holds */
};

/* An upper bound of what tokenizer_bpe_load allocates for f (loadmodel's fit
 * check), from the array sizes alone; 0 when f has no usable vocabulary. */
uint64_t tokenizer_bpe_memory_estimate(const struct gguf_file *f);
int tokenizer_bpe_load(struct tokenizer *t, const struct gguf_file *f, struct gguf_reader *r,
                       struct gguf_error *err);
void tokenizer_bpe_free(struct tokenizer *t);
int tokenizer_bpe_encode(const struct tokenizer *t, const char *text, size_t len, int add_special,
                         int parse_special, int32_t *ids, size_t max_ids);
int tokenizer_bpe_piece(const struct tokenizer *t, int32_t id, int special, char *buf, size_t cap);
int tokenizer_bpe_decode(const struct tokenizer *t, const int32_t *ids, size_t n, int remove_special,
                         int unparse_special, char *buf, size_t cap);
/* tokenizer_lookup for a BPE vocabulary. */
int32_t tokenizer_bpe_lookup(const struct tokenizer *t, const char *text, size_t len);
/* The merge of two adjacent tokens, or NULL. */
const struct bpe_merge *tokenizer_bpe_merge(const struct tokenizer *t, int32_t left, int32_t right);
/* The byte a printable stand-in code point means, or -1. */
int bpe_byte_of_cp(uint32_t cp);
/* The stand-in code point of a byte. */
uint32_t bpe_cp_of_byte(uint8_t b);

#endif
