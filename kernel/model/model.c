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

int model_load_data(struct model *m, struct gguf_reader *r, model_progress_fn progress, void *ctx)
{
    uint64_t total = m->file.data_size;
    m->data = kmalloc_aligned(total ? total : 1, 4096);
    if (!m->data)
        return -ENOMEM;
    uint64_t chunk = total / 10 + 1;
    if (chunk < CHUNK_MIN)
        chunk = CHUNK_MIN;
    for (uint64_t done = 0; done < total;) {
        uint64_t n = total - done < chunk ? total - done : chunk;
        int rc = r->read(r->ctx, m->file.data_offset + done, m->data + done, n);
        if (rc < 0)
            return rc;
        done += n;
        if (progress)
            progress(ctx, done, total);
    }
    return 0;
}

void model_free(struct model *m)
{
    if (m->has_tokenizer)
        tokenizer_free(&m->tok);
    gguf_free(&m->file);
    kfree(m->data);
    memset(m, 0, sizeof(*m));
}

const uint8_t *model_tensor_data(const struct model *m, const struct gguf_tensor *t)
{
    return m->data ? m->data + t->offset : NULL;
}
