/* GGUF (llama.cpp's model format) reader: versions 2 and 3. Everything is
 * read through a gguf_reader and checked before use: counts and lengths
 * against the bytes left and sane limits, duplicate keys and tensor names,
 * tensor shapes, types, alignment, overlap and bounds. Each rejection has its
 * own error code and a message naming the problem and its byte offset. */
#ifndef EMBODIOS_MODEL_GGUF_H
#define EMBODIOS_MODEL_GGUF_H

#include <stddef.h>
#include <stdint.h>
#include "model/gguf_reader.h"

/* Metadata value types (GGUF spec, gguf_metadata_value_type). */
enum gguf_type {
    GGUF_TYPE_UINT8 = 0, GGUF_TYPE_INT8 = 1, GGUF_TYPE_UINT16 = 2, GGUF_TYPE_INT16 = 3,
    GGUF_TYPE_UINT32 = 4, GGUF_TYPE_INT32 = 5, GGUF_TYPE_FLOAT32 = 6, GGUF_TYPE_BOOL = 7,
    GGUF_TYPE_STRING = 8, GGUF_TYPE_ARRAY = 9, GGUF_TYPE_UINT64 = 10, GGUF_TYPE_INT64 = 11,
    GGUF_TYPE_FLOAT64 = 12, GGUF_TYPE_COUNT = 13,
};

#define GGUF_MAGIC            0x46554747u    /* "GGUF" read as a little-endian u32 */
#define GGUF_DEFAULT_ALIGNMENT 32
#define GGUF_MAX_DIMS         4
#define GGUF_MAX_KV           65536
#define GGUF_MAX_TENSORS      262144
#define GGUF_MAX_KEY          65535          /* spec: keys are at most 65535 bytes */
#define GGUF_MAX_STRING       (16u << 20)
#define GGUF_MAX_TENSOR_NAME  63             /* ggml's GGML_MAX_NAME - 1 */
#define GGUF_MAX_ARRAY_DEPTH  4

struct gguf_kv {
    char *key;
    uint32_t type;
    uint64_t value;        /* scalars: the raw little-endian bits, zero-extended */
    char *str;             /* GGUF_TYPE_STRING: NUL-terminated copy */
    uint64_t str_len;
    uint32_t arr_type;     /* GGUF_TYPE_ARRAY: element type ... */
    uint64_t arr_count;    /* ... element count ... */
    uint64_t arr_offset;   /* ... file offset of the first element ... */
    uint64_t arr_bytes;    /* ... and bytes of all the elements */
    uint64_t offset;       /* file offset of the key-value pair */
};

struct gguf_tensor {
    char *name;
    uint32_t n_dims;
    uint64_t dims[GGUF_MAX_DIMS];
    uint32_t type;         /* ggml type */
    uint64_t offset;       /* relative to the data section */
    uint64_t offset_at;    /* file offset of the offset field, for messages */
    uint64_t size;         /* bytes */
    uint64_t elements;
};

struct gguf_file {
    uint32_t version;
    uint64_t n_kv, n_tensors;
    struct gguf_kv *kv;
    struct gguf_tensor *tensors;
    uint32_t alignment;
    uint64_t data_offset;  /* absolute start of the tensor data */
    uint64_t data_size;    /* from data_offset to the end of the last tensor */
    uint64_t source_size;
};

struct gguf_error {
    int code;
    uint64_t offset;
    char message[192];
};

/* Parses everything but the tensor data. On failure returns the negative
 * code (also in err->code) and leaves *f empty. */
int gguf_parse(struct gguf_reader *r, struct gguf_file *f, struct gguf_error *err);
void gguf_free(struct gguf_file *f);

const struct gguf_kv *gguf_find(const struct gguf_file *f, const char *key);
/* Integer value of any integer-typed key (negative values refused). */
int gguf_kv_uint(const struct gguf_kv *kv, uint64_t *out);
int gguf_get_uint(const struct gguf_file *f, const char *key, uint64_t *out);
const char *gguf_get_str(const struct gguf_file *f, const char *key);
const char *gguf_type_name(uint32_t type);
/* Size in bytes of one scalar element, 0 for STRING/ARRAY/unknown. */
uint32_t gguf_scalar_size(uint32_t type);

#endif
