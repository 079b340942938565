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
    uint64_t source_offset;    /* where the file starts on its disk (for read alignment) */
};

/* Called after each piece of the data section is read; a nonzero return
 * stops the load with -ECANCELED (Ctrl-C). */
typedef int (*model_progress_fn)(void *ctx, uint64_t done, uint64_t total);

/* Total elements over all tensors. */
uint64_t model_count_params(const struct gguf_file *f);
/* "15M", "6.7B", "512K" (rounded as llama.cpp prints sizes). */
void model_format_params(uint64_t params, char *buf, unsigned size);
/* Reads the whole data section into one allocation, in pieces of a tenth
 * or less (large reads straight into place), calling progress after each. */
int model_load_data(struct model *m, struct gguf_reader *r, model_progress_fn progress, void *ctx);
/* Bytes and alignment of the data allocation model_load_data makes. */
uint64_t model_data_alloc_size(const struct model *m, uint64_t source_size);
#define MODEL_DATA_ALIGN 4096
/* Everything loading m takes from the heap: the data allocation and the
 * tokenizer, as one figure for heap_can_allocate(bytes, MODEL_DATA_ALIGN). */
uint64_t model_memory_needed(const struct model *m, uint64_t source_size);
void model_free(struct model *m);
/* Tensor data pointer, or NULL. */
const uint8_t *model_tensor_data(const struct model *m, const struct gguf_tensor *t);

#endif
