#include "model/model.h"
#include "core/heap.h"
#include "lib/errno.h"
#include "lib/format.h"
#include "lib/string.h"

#define CHUNK_MIN (1u << 20)

uint64_t model_count_params(const struct gguf_file *f)
{
    uint64_t total = 0;
    for (uint64_t i = 0; i < f->n_tensors; i++)
        total += f->tensors[i].elements;
    return total;
}

void model_format_params(uint64_t n, char *buf, unsigned size)
{
    if (n >= 1000000000ULL) {
        uint64_t tenths = (n + 50000000ULL) / 100000000ULL;
        snprintf(buf, size, "%lu.%luB", (unsigned long)(tenths / 10), (unsigned long)(tenths % 10));
    } else if (n >= 1000000ULL) {
        snprintf(buf, size, "%luM", (unsigned long)((n + 500000) / 1000000));
    } else {
        snprintf(buf, size, "%luK", (unsigned long)((n + 500) / 1000));
    }
}

/* The data section rarely starts on a sector boundary (it follows the
 * metadata, aligned to 32 bytes). Reading from the 4 KiB boundary before it
 * into a buffer shifted by the same amount makes every read whole sectors,
 * straight into place: no bounce buffer, one pipelined request stream. */
#define READ_ALIGN 4096

int model_load_data(struct model *m, struct gguf_reader *r, model_progress_fn progress, void *ctx)
{
    uint64_t total = m->file.data_size;
    uint64_t lead = m->file.data_offset % READ_ALIGN;
    uint64_t start = m->file.data_offset - lead;
    uint64_t span = (lead + total + READ_ALIGN - 1) / READ_ALIGN * READ_ALIGN;
    if (start + span > r->size)
        span = r->size - start;                 /* the source ends mid-block */
    m->data_alloc = kmalloc_aligned(span ? span : 1, READ_ALIGN);
    if (!m->data_alloc)
        return -ENOMEM;
    m->data = m->data_alloc + lead;
    uint64_t chunk = (span / 10 + READ_ALIGN) / READ_ALIGN * READ_ALIGN;   /* about a tenth */
    if (chunk < CHUNK_MIN)
        chunk = CHUNK_MIN;
    for (uint64_t done = 0; done < span;) {
        uint64_t n = span - done < chunk ? span - done : chunk;
        int rc = r->read(r->ctx, start + done, m->data_alloc + done, n);
        if (rc < 0)
            return rc;
        done += n;
        if (progress)
            progress(ctx, done, span);         /* bytes read, the few lead bytes included */
    }
    return 0;
}

void model_free(struct model *m)
{
    if (m->has_tokenizer)
        tokenizer_free(&m->tok);
    gguf_free(&m->file);
    kfree(m->data_alloc);
    memset(m, 0, sizeof(*m));
}

const uint8_t *model_tensor_data(const struct model *m, const struct gguf_tensor *t)
{
    return m->data ? m->data + t->offset : NULL;
}
