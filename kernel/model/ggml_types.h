/* ggml tensor types: names and storage sizes (elements per block, bytes
 * per block), for every type a GGUF file may name. */
#ifndef EMBODIOS_MODEL_GGML_TYPES_H
#define EMBODIOS_MODEL_GGML_TYPES_H

#include <stdint.h>

#define GGML_TYPE_F32  0
#define GGML_TYPE_F16  1
#define GGML_TYPE_COUNT 40

struct ggml_type_info {
    const char *name;      /* NULL for numbers that are not (or no longer) types */
    uint32_t block_size;   /* elements per block */
    uint32_t type_size;    /* bytes per block */
};

/* NULL when `type` is not a known type. */
const struct ggml_type_info *ggml_type_get(uint32_t type);

#endif
