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
 * metadata, aligned to 32 bytes, and the file itself may start anywhere on
 * the disk). Reading from the 4 KiB disk boundary before it into a buffer
 * shifted by the same amount makes every read whole sectors, straight into
 * place: no bounce buffer, one pipelined request stream. */
#define READ_ALIGN MODEL_DATA_ALIGN
#define CHUNK_MAX (32u << 20)   /* Ctrl-C is seen at least this often */

struct data_span {
    uint64_t lead, start, span;
};

static struct data_span data_span(const struct model *m, uint64_t source_size)
{
    struct data_span d;
    d.lead = (m->source_offset + m->file.data_offset) % READ_ALIGN;
    if (d.lead > m->file.data_offset)
        d.lead = m->file.data_offset;        /* the file starts less than 4 KiB before its data */
    d.start = m->file.data_offset - d.lead;
    d.span = (d.lead + m->file.data_size + READ_ALIGN - 1) / READ_ALIGN * READ_ALIGN;
    if (d.start + d.span > source_size)
        d.span = source_size - d.start;      /* the source ends mid-block */
    return d;
}

uint64_t model_data_alloc_size(const struct model *m, uint64_t source_size)
{
    struct data_span d = data_span(m, source_size);
    return d.span ? d.span : 1;
}

uint64_t model_memory_needed(const struct model *m, uint64_t source_size)
{
    return model_data_alloc_size(m, source_size) + tokenizer_memory_estimate(&m->file);
}

int model_load_data(struct model *m, struct gguf_reader *r, model_progress_fn progress, void *ctx)
{
    struct data_span d = data_span(m, r->size);
    m->data_alloc = kmalloc_aligned(d.span ? d.span : 1, READ_ALIGN);
    if (!m->data_alloc)
        return -ENOMEM;
    m->data = m->data_alloc + d.lead;
    uint64_t chunk = (d.span / 10 + READ_ALIGN) / READ_ALIGN * READ_ALIGN;   /* about a tenth */
    if (chunk < CHUNK_MIN)
        chunk = CHUNK_MIN;
    if (chunk > CHUNK_MAX)
        chunk = CHUNK_MAX;
    for (uint64_t done = 0; done < d.span;) {
        uint64_t n = d.span - done < chunk ? d.span - done : chunk;
        int rc = r->read(r->ctx, d.start + done, m->data_alloc + done, n);
        if (rc < 0)
            return rc;
        done += n;
        /* bytes read, the few lead bytes included */
        if (progress && progress(ctx, done, d.span))
            return -ECANCELED;
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
