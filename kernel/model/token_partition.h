/* Splitting special-token text out of input before a tokenizer model runs,
 * as llama.cpp's tokenizer_st_partition does: candidates are the tokens of
 * type CONTROL, USER_DEFINED or UNKNOWN, longest text first; each one in
 * turn is searched (plain bytes, leftmost first, non-overlapping) in the
 * pieces of text still raw, and every hit becomes a token of its own.
 * CONTROL and UNKNOWN tokens are only split out when parse_special is set;
 * USER_DEFINED ones always. Shared by every tokenizer model. */
#ifndef EMBODIOS_MODEL_TOKEN_PARTITION_H
#define EMBODIOS_MODEL_TOKEN_PARTITION_H

#include <stddef.h>
#include <stdint.h>
#include "model/tokenizer.h"

struct tok_fragment {
    uint32_t off, len;   /* raw text: bytes [off, off + len) of the input */
    int32_t id;          /* a special token, or -1 for raw text */
};

/* Builds t->special_ids from t->type and the token texts (ties in length
 * in id order; llama.cpp's std::sort leaves that order unspecified) and
 * counts t->n_user. Returns 0 or -ENOMEM. */
int token_partition_build(struct tokenizer *t);
void token_partition_free(struct tokenizer *t);
/* Partitions len bytes of text. *out is allocated (kfree it); *n_out gets
 * the fragment count (0 for empty text). Returns 0, -E2BIG or -ENOMEM. */
int token_partition(const struct tokenizer *t, const char *text, size_t len, int parse_special,
                    struct tok_fragment **out, size_t *n_out);

#endif
