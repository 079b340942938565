/* A loaded model: its parsed GGUF, tensor data in memory, and tokenizer.
 * Pure code: bytes come through the gguf_reader's callback. */
#ifndef EMBODIOS_MODEL_MODEL_H
#define EMBODIOS_MODEL_MODEL_H

#include <stdint.h>
#include "model/gguf.h"
#include "model/tokenizer.h"

struct model {
    struct gguf_file file;
    struct tokenizer tok;
    int has_tokenizer;
    uint8_t *data;             /* tensor data, data_size bytes */
    uint8_t *data_alloc;       /* the allocation data points into */
    uint64_t params;
};

typedef void (*model_progress_fn)(void *ctx, uint64_t done, uint64_t total);

/* Total elements over all tensors. */
uint64_t model_count_params(const struct gguf_file *f);
/* "15M", "6.7B", "512K" (rounded as llama.cpp prints sizes). */
void model_format_params(uint64_t params, char *buf, unsigned size);
/* Reads the whole data section into one allocation, in chunks of about a
 * tenth (large reads straight into place), calling progress after each. */
int model_load_data(struct model *m, struct gguf_reader *r, model_progress_fn progress, void *ctx);
void model_free(struct model *m);
/* Tensor data pointer, or NULL. */
const uint8_t *model_tensor_data(const struct model *m, const struct gguf_tensor *t);

#endif
