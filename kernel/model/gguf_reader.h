/* Sequential reads of an untrusted byte source through a callback, with a
 * read-ahead window so that small fields (a 32000-entry vocabulary is
 * ~100000 of them) cost a memcpy, not a device request each. Every read is
 * checked against the source's size: past the end is -EGGUF_TRUNCATED. */
#ifndef EMBODIOS_MODEL_GGUF_READER_H
#define EMBODIOS_MODEL_GGUF_READER_H

#include <stddef.h>
#include <stdint.h>

/* Reads len bytes at offset into buf; returns 0 or a negative error. */
typedef int (*gguf_read_fn)(void *ctx, uint64_t offset, void *buf, size_t len);

#define GGUF_READAHEAD_DEFAULT (256 * 1024)

struct gguf_reader {
    gguf_read_fn read;
    void *ctx;
    uint64_t size;        /* bytes in the source */
    uint64_t pos;         /* next byte to read */
    uint8_t *window;      /* read-ahead buffer */
    size_t window_cap;
    uint64_t window_start;
    size_t window_len;
    uint64_t device_reads; /* callback calls, for tests and statistics */
};

int gguf_reader_init(struct gguf_reader *r, gguf_read_fn read, void *ctx, uint64_t size, size_t window);
void gguf_reader_free(struct gguf_reader *r);
static inline uint64_t gguf_reader_left(const struct gguf_reader *r) { return r->size - r->pos; }
int gguf_reader_seek(struct gguf_reader *r, uint64_t pos);
int gguf_read_bytes(struct gguf_reader *r, void *out, size_t len);
int gguf_skip(struct gguf_reader *r, uint64_t len);
int gguf_read_u32(struct gguf_reader *r, uint32_t *v);
int gguf_read_u64(struct gguf_reader *r, uint64_t *v);

#endif
