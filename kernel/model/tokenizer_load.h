/* Metadata helpers both vocabulary loaders use (tokenizer.c for
 * SentencePiece, tokenizer_bpe.c for byte-level BPE). */
#ifndef EMBODIOS_MODEL_TOKENIZER_LOAD_H
#define EMBODIOS_MODEL_TOKENIZER_LOAD_H

#include <stdint.h>
#include "model/gguf.h"

/* A special token id from key, else fallback; either way in range, or -1
 * (absent): a one-token vocabulary has no id 1 for BOS. */
int32_t tokenizer_special_id(const struct gguf_file *f, const char *key, int32_t fallback, uint32_t n);
/* A boolean key, else fallback. */
int tokenizer_flag(const struct gguf_file *f, const char *key, int fallback);

#endif
