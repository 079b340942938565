/* Test helper: builds GGUF files in memory, valid or deliberately broken. */
#ifndef EMBODIOS_TESTS_GGUF_BUILDER_H
#define EMBODIOS_TESTS_GGUF_BUILDER_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct gbuf {
    uint8_t *data;
    size_t len, cap;
};

static inline void gb_put(struct gbuf *b, const void *p, size_t n)
{
    if (b->len + n > b->cap) {
        b->cap = (b->len + n) * 2 + 64;
        b->data = realloc(b->data, b->cap);
    }
    memcpy(b->data + b->len, p, n);
    b->len += n;
}
static inline void gb_u8(struct gbuf *b, uint8_t v) { gb_put(b, &v, 1); }
static inline void gb_u32(struct gbuf *b, uint32_t v) { gb_put(b, &v, 4); }
static inline void gb_u64(struct gbuf *b, uint64_t v) { gb_put(b, &v, 8); }
static inline void gb_f32(struct gbuf *b, float v) { gb_put(b, &v, 4); }
static inline void gb_str(struct gbuf *b, const char *s)
{
    gb_u64(b, strlen(s));
    gb_put(b, s, strlen(s));
}
static inline void gb_header(struct gbuf *b, uint32_t version, uint64_t n_tensors, uint64_t n_kv)
{
    gb_put(b, "GGUF", 4);
    gb_u32(b, version);
    gb_u64(b, n_tensors);
    gb_u64(b, n_kv);
}
static inline void gb_kv_u32(struct gbuf *b, const char *key, uint32_t v)
{
    gb_str(b, key);
    gb_u32(b, 4);
    gb_u32(b, v);
}
static inline void gb_kv_str(struct gbuf *b, const char *key, const char *v)
{
    gb_str(b, key);
    gb_u32(b, 8);
    gb_str(b, v);
}
static inline void gb_tensor(struct gbuf *b, const char *name, uint32_t n_dims, const uint64_t *dims,
                             uint32_t type, uint64_t offset)
{
    gb_str(b, name);
    gb_u32(b, n_dims);
    for (uint32_t i = 0; i < n_dims; i++)
        gb_u64(b, dims[i]);
    gb_u32(b, type);
    gb_u64(b, offset);
}
static inline void gb_pad(struct gbuf *b, size_t align)
{
    while (b->len % align)
        gb_u8(b, 0);
}
static inline void gb_zeros(struct gbuf *b, size_t n)
{
    while (n--)
        gb_u8(b, 0);
}

#endif
