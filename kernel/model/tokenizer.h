/* The tokenizer, built from a GGUF file's tokenizer.ggml.* metadata and
 * matching llama.cpp's ids. Two models share this interface: "llama"
 * (SentencePiece BPE, here and in tokenizer.c / tokenizer_encode.c: a space
 * prefix, spaces as U+2581, UTF-8 characters as the starting symbols,
 * repeated merging of the highest-scoring adjacent pair, and byte fallback
 * to <0xXX> pieces) and "gpt2" (byte-level BPE, tokenizer_bpe.h). Both split
 * special tokens out first (token_partition.h). Token lookup is a hash
 * table, so building it from 32000 pieces takes milliseconds. */
#ifndef EMBODIOS_MODEL_TOKENIZER_H
#define EMBODIOS_MODEL_TOKENIZER_H

#include <stddef.h>
#include <stdint.h>
#include "model/gguf.h"

#define TOKENIZER_MAX_TOKENS 1000000
#define TOKENIZER_MAX_PIECE  4096
#define SPACE_UTF8   "\xE2\x96\x81"   /* U+2581, SentencePiece's visible space */

/* Token types (llama.cpp's llama_token_type). */
enum token_type {
    TOKEN_NORMAL = 1, TOKEN_UNKNOWN = 2, TOKEN_CONTROL = 3,
    TOKEN_USER_DEFINED = 4, TOKEN_UNUSED = 5, TOKEN_BYTE = 6,
};

struct tokenizer {
    uint32_t n_tokens;
    char *pool;              /* every piece's text, back to back */
    uint32_t *text_offset;
    uint32_t *text_len;
    uint32_t *score_key;     /* scores as order-preserving integers (no FPU in the kernel) */
    uint32_t *score_bits;    /* the raw f32 bits, for display */
    uint8_t *type;
    int32_t *slots;          /* hash table of token ids, -1 = empty */
    uint32_t slot_mask;
    int32_t byte_token[256]; /* the <0xXX> piece for each byte, or -1 */
    uint32_t n_user;         /* USER_DEFINED tokens (counted for modelinfo) */
    int32_t bos, eos, unk, pad;  /* each in range, or -1 when the vocabulary has none */
    int add_bos, add_eos, add_space_prefix;
    struct bpe_state *bpe;   /* byte-level BPE ("gpt2"), NULL for SentencePiece */
    int32_t *special_ids;    /* special-token partition candidates (token_partition.h) */
    uint32_t n_special;
};

/* Builds the tokenizer; unsupported models (tokenizer.ggml.model other than
 * "llama" and "gpt2") give -ETOK_UNSUPPORTED with err->message naming the
 * model. */
int tokenizer_load(struct tokenizer *t, const struct gguf_file *f, struct gguf_reader *r, struct gguf_error *err);
void tokenizer_free(struct tokenizer *t);
/* At most the bytes tokenizer_load will allocate for f's vocabulary (0
 * without one), SentencePiece or byte-level BPE, for loadmodel's fit check. */
uint64_t tokenizer_memory_estimate(const struct gguf_file *f);
/* Encodes len bytes of text as llama.cpp's llama_tokenize(parse_special =
 * false): user-defined tokens split out first, then the model on each
 * piece of text between them. add_special adds BOS and EOS as the model's
 * add_bos_token / add_eos_token say. Returns the number of ids (at most
 * max_ids; -ENOSPC if more were needed), -ENOMEM, or -ETOK_NOPIECE for a byte
 * with neither a piece nor an unknown token. Every id is in range. */
int tokenizer_encode(const struct tokenizer *t, const char *text, size_t len, int add_special, int32_t *ids,
                     size_t max_ids);
/* One token's text as llama.cpp prints it (U+2581 back to space, byte
 * pieces to their byte, control and unknown tokens empty). Returns its length (may
 * exceed cap: then it is cut) or -ERANGE for an invalid id. */
int tokenizer_piece(const struct tokenizer *t, int32_t id, char *buf, size_t cap);
/* The text of ids (the space prefix removed). Returns the length written,
 * or a negative error. */
int tokenizer_decode(const struct tokenizer *t, const int32_t *ids, size_t n, char *buf, size_t cap);
/* The raw piece text (e.g. "▁Hello") and its length. */
const char *tokenizer_text(const struct tokenizer *t, int32_t id, uint32_t *len);
int32_t tokenizer_lookup(const struct tokenizer *t, const char *text, size_t len);

/* llama.cpp's tokenize flags: add_special adds BOS (and EOS) as the model
 * says, parse_special splits CONTROL token text out (USER_DEFINED always).
 * Returns the count, -ENOSPC, -ENOMEM, or -ETOK_TEXT for text that decodes
 * above U+10FFFF (where llama.cpp aborts). */
int tokenizer_encode_special(const struct tokenizer *t, const char *text, size_t len, int add_special,
                             int parse_special, int32_t *ids, size_t max_ids);
/* llama.cpp's detokenize: remove_special drops the BOS/EOS the model adds,
 * unparse_special prints CONTROL tokens' text. */
int tokenizer_decode_special(const struct tokenizer *t, const int32_t *ids, size_t n, int remove_special,
                             int unparse_special, char *buf, size_t cap);
/* 1 if id ends generation (EOS, <|eot_id|>, <|im_end|>, <|endoftext|>, ...). */
int tokenizer_is_eog(const struct tokenizer *t, int32_t id);

/* Streaming output for generate: bytes of each new token, holding back an
 * incomplete UTF-8 sequence at the end until the next token completes it. */
struct tokenizer_stream {
    uint8_t pending[4];
    uint8_t n;
};
/* Writes the printable bytes so far to out (cap >= TOKENIZER_MAX_PIECE + 4
 * avoids -ENOSPC); returns their count or a negative error. special: print
 * CONTROL tokens' text. */
int tokenizer_stream_push(const struct tokenizer *t, struct tokenizer_stream *s, int32_t id, int special, char *out,
                          size_t cap);
/* The held-back bytes (an incomplete sequence at the end of the output). */
int tokenizer_stream_flush(struct tokenizer_stream *s, char *out, size_t cap);

#endif
