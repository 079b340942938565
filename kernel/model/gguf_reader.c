#include "model/gguf_reader.h"
#include "core/heap.h"
#include "lib/errno.h"
#include "lib/string.h"

#define WINDOW_ALIGN 4096   /* refills start on this boundary: the block layer's fast path */

int gguf_reader_init(struct gguf_reader *r, gguf_read_fn read, void *ctx, uint64_t size, size_t window)
{
    memset(r, 0, sizeof(*r));
    r->read = read;
    r->ctx = ctx;
    r->size = size;
    r->window_cap = window < 2 * WINDOW_ALIGN ? 2 * WINDOW_ALIGN : window;
    r->window = kmalloc_aligned(r->window_cap, WINDOW_ALIGN);
    return r->window ? 0 : -ENOMEM;
}

void gguf_reader_free(struct gguf_reader *r)
{
    kfree(r->window);
    r->window = NULL;
}

int gguf_reader_seek(struct gguf_reader *r, uint64_t pos)
{
    if (pos > r->size)
        return -EGGUF_TRUNCATED;
    r->pos = pos;
    return 0;
}

static int refill(struct gguf_reader *r)
{
    uint64_t start = r->pos & ~(uint64_t)(WINDOW_ALIGN - 1);
    uint64_t len = r->size - start < r->window_cap ? r->size - start : r->window_cap;
    r->device_reads++;
    int rc = r->read(r->ctx, start, r->window, (size_t)len);
    if (rc < 0) {
        r->window_len = 0;
        return rc;
    }
    r->window_start = start;
    r->window_len = (size_t)len;
    return 0;
}

int gguf_read_bytes(struct gguf_reader *r, void *out, size_t len)
{
    if (len > gguf_reader_left(r))
        return -EGGUF_TRUNCATED;
    uint8_t *dst = out;
    while (len) {
        if (r->pos < r->window_start || r->pos >= r->window_start + r->window_len) {
            /* Large reads skip the window and go straight to the caller. */
            if (len >= r->window_cap) {
                r->device_reads++;
                int rc = r->read(r->ctx, r->pos, dst, len);
                if (rc < 0)
                    return rc;
                r->pos += len;
                return 0;
            }
            int rc = refill(r);
            if (rc < 0)
                return rc;
        }
        size_t at = (size_t)(r->pos - r->window_start);
        size_t n = r->window_len - at < len ? r->window_len - at : len;
        memcpy(dst, r->window + at, n);
        dst += n;
        len -= n;
        r->pos += n;
    }
    return 0;
}

int gguf_skip(struct gguf_reader *r, uint64_t len)
{
    if (len > gguf_reader_left(r))
        return -EGGUF_TRUNCATED;
    r->pos += len;
    return 0;
}

/* GGUF is little-endian, and so is x86_64. */
int gguf_read_u32(struct gguf_reader *r, uint32_t *v) { return gguf_read_bytes(r, v, 4); }
int gguf_read_u64(struct gguf_reader *r, uint64_t *v) { return gguf_read_bytes(r, v, 8); }
