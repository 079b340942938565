/* Test helper: gguf_reader callbacks over a memory buffer and over a file. */
#ifndef EMBODIOS_TESTS_HOST_FILE_READER_H
#define EMBODIOS_TESTS_HOST_FILE_READER_H

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include "lib/errno.h"

struct mem_source {
    const uint8_t *data;
    uint64_t len;
};

static inline int mem_read(void *ctx, uint64_t off, void *buf, size_t len)
{
    struct mem_source *m = ctx;
    if (off > m->len || len > m->len - off)
        return -ERANGE;
    memcpy(buf, m->data + off, len);
    return 0;
}

static inline int file_read(void *ctx, uint64_t off, void *buf, size_t len)
{
    FILE *f = ctx;
    if (fseek(f, (long)off, SEEK_SET) != 0 || fread(buf, 1, len, f) != len)
        return -EIO;
    return 0;
}

#endif
