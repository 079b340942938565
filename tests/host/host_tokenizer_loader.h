/* Test helper: a tokenizer loaded from a GGUF file in memory or on disk,
 * together with the parser state it came from, so tests can look at both
 * and free them in one call. Shared by the tokenizer host tests and the
 * tokenizer fuzz targets. */
#ifndef EMBODIOS_TESTS_HOST_TOKENIZER_LOADER_H
#define EMBODIOS_TESTS_HOST_TOKENIZER_LOADER_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "host_file_reader.h"
#include "model/gguf.h"
#include "model/tokenizer.h"

struct loaded {
    struct gguf_file f;
    struct tokenizer t;
    struct gguf_reader r;
    FILE *file;          /* set by load_path, else NULL */
};

/* Parses the GGUF behind fn/ctx and loads its tokenizer. ctx must outlive
 * m (the reader keeps it). Call unload(m) whatever this returns. */
static inline int load(struct loaded *m, gguf_read_fn fn, void *ctx, uint64_t size, struct gguf_error *err)
{
    memset(m, 0, sizeof(*m));
    gguf_reader_init(&m->r, fn, ctx, size, GGUF_READAHEAD_DEFAULT);
    int rc = gguf_parse(&m->r, &m->f, err);
    if (rc == 0)
        rc = tokenizer_load(&m->t, &m->f, &m->r, err);
    return rc;
}

static inline int load_path(struct loaded *m, const char *path, struct gguf_error *err)
{
    FILE *fp = fopen(path, "rb");
    if (!fp) {
        memset(m, 0, sizeof(*m));
        snprintf(err->message, sizeof(err->message), "cannot open %.150s", path);
        return -ENOENT;
    }
    fseek(fp, 0, SEEK_END);
    int rc = load(m, file_read, fp, (uint64_t)ftell(fp), err);
    m->file = fp;
    return rc;
}

static inline void unload(struct loaded *m)
{
    tokenizer_free(&m->t);
    gguf_free(&m->f);
    gguf_reader_free(&m->r);
    if (m->file)
        fclose(m->file);
    m->file = NULL;
}

/* For the fuzz targets: path's tokenizer in *t (it needs nothing else once
 * loaded); a file that does not load ends the process with a message. */
static inline void load_tokenizer_or_exit(const char *who, const char *path, struct tokenizer *t)
{
    struct loaded m;
    struct gguf_error err;
    if (load_path(&m, path, &err) < 0) {
        fprintf(stderr, "%s: %s: %s (run scripts/make-models.sh)\n", who, path, err.message);
        exit(1);
    }
    *t = m.t;
    memset(&m.t, 0, sizeof(m.t));
    unload(&m);
}

#endif
