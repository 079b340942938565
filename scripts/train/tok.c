/* Host tool: the kernel's own tokenizer (kernel/model/tokenizer*.c, built
 * for the host) applied to a training corpus, so the ids the model learns
 * are exactly the ids the kernel gives at inference.
 *
 *   tok MODEL.gguf docs IN.txt OUT.u16   each line of IN is one document:
 *                                        BOS, its ids (space prefix), EOS;
 *                                        written as little-endian uint16
 *   tok MODEL.gguf ids TEXT              prints the ids of TEXT (with BOS)
 *   tok MODEL.gguf vocab                 prints "id<TAB>type<TAB>piece"
 *   tok MODEL.gguf load                  what `loadmodel` does: parse, build the
 *                                        tokenizer, read the tensor data
 *                                        (model_load_data); prints the tensors
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "model/gguf.h"
#include "model/ggml_types.h"
#include "model/model.h"
#include "core/heap.h"
#include "model/tokenizer.h"

static int file_read(void *ctx, uint64_t off, void *buf, size_t len)
{
    FILE *f = ctx;
    if (fseek(f, (long)off, SEEK_SET) != 0 || fread(buf, 1, len, f) != len)
        return -5;
    return 0;
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    if (buf) {
        buf[n] = 0;
        *len = (size_t)n;
    }
    return buf;
}

/* One document per line: BOS + ids + EOS. Returns 0 or 1. */
static int docs(const struct tokenizer *t, const char *in, const char *out)
{
    size_t len;
    char *text = slurp(in, &len);
    FILE *o = fopen(out, "wb");
    if (!text || !o) {
        fprintf(stderr, "tok: cannot read %s or write %s\n", in, out);
        return 1;
    }
    size_t cap = 1 << 16, total = 0, ndocs = 0;
    int32_t *ids = malloc(cap * sizeof(*ids));
    uint16_t *u = malloc(cap * sizeof(*u));
    for (char *p = text; p < text + len;) {
        char *nl = memchr(p, '\n', (size_t)(text + len - p));
        size_t n = nl ? (size_t)(nl - p) : (size_t)(text + len - p);
        if (n + 3 > cap) {
            fprintf(stderr, "tok: line of %zu bytes is too long\n", n);
            return 1;
        }
        int k = tokenizer_encode(t, p, n, 1, ids, cap - 1);
        if (k < 0) {
            fprintf(stderr, "tok: encode failed (%d)\n", k);
            return 1;
        }
        ids[k++] = t->eos;
        for (int i = 0; i < k; i++)
            u[i] = (uint16_t)ids[i];   /* little-endian host (x86_64) */
        fwrite(u, sizeof(*u), (size_t)k, o);
        total += (size_t)k;
        ndocs++;
        p += n + 1;
    }
    fclose(o);
    fprintf(stderr, "tok: %zu documents, %zu bytes -> %zu tokens (%.3f bytes/token)\n", ndocs, len, total,
            (double)len / (double)total);
    free(ids);
    free(u);
    free(text);
    return 0;
}

/* The kernel's loadmodel path on the host: the tensor data read through
 * model_load_data, every tensor inside it. */
static int load(struct gguf_file *g, struct gguf_reader *r)
{
    struct model m = { 0 };
    m.file = *g;
    int rc = model_load_data(&m, r, NULL, NULL);
    if (rc < 0) {
        fprintf(stderr, "tok: model_load_data: %d\n", rc);
        return 1;
    }
    char params[16];
    model_format_params(model_count_params(g), params, sizeof(params));
    printf("loaded %lu tensors, %s parameters, %lu data bytes\n", (unsigned long)g->n_tensors, params,
           (unsigned long)g->data_size);
    for (uint64_t i = 0; i < g->n_tensors; i++) {
        const struct gguf_tensor *t = &g->tensors[i];
        if (t->offset + t->size > g->data_size || !model_tensor_data(&m, t)) {
            fprintf(stderr, "tok: %s outside the data\n", t->name);
            return 1;
        }
        const struct ggml_type_info *ti = ggml_type_get(t->type);
        printf("tensor %s type %s dims", t->name, ti && ti->name ? ti->name : "?");
        for (uint32_t d = 0; d < t->n_dims; d++)
            printf(" %lu", (unsigned long)t->dims[d]);
        printf("\n");
    }
    kfree(m.data_alloc);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: tok MODEL.gguf docs IN OUT | ids TEXT | vocab\n");
        return 2;
    }
    FILE *f = fopen(argv[1], "rb");
    if (!f) {
        fprintf(stderr, "tok: cannot open %s\n", argv[1]);
        return 1;
    }
    fseek(f, 0, SEEK_END);
    uint64_t size = (uint64_t)ftell(f);
    struct gguf_reader r;
    struct gguf_file g;
    struct tokenizer t;
    struct gguf_error err = { 0 };
    gguf_reader_init(&r, file_read, f, size, GGUF_READAHEAD_DEFAULT);
    if (gguf_parse(&r, &g, &err) != 0 || tokenizer_load(&t, &g, &r, &err) != 0) {
        fprintf(stderr, "tok: %s: %s\n", argv[1], err.message);
        return 1;
    }
    int rc = 0;
    if (!strcmp(argv[2], "docs") && argc == 5) {
        rc = docs(&t, argv[3], argv[4]);
    } else if (!strcmp(argv[2], "ids") && argc == 4) {
        int32_t ids[4096];
        int k = tokenizer_encode(&t, argv[3], strlen(argv[3]), 1, ids, 4096);
        for (int i = 0; i < k; i++)
            printf("%s%d", i ? " " : "", ids[i]);
        printf("\n");
        rc = k < 0;
    } else if (!strcmp(argv[2], "vocab")) {
        for (uint32_t i = 0; i < t.n_tokens; i++) {
            uint32_t n;
            const char *s = tokenizer_text(&t, (int32_t)i, &n);
            printf("%u\t%u\t%.*s\n", i, t.type[i], (int)n, s);
        }
    } else if (!strcmp(argv[2], "load")) {
        rc = load(&g, &r);
    } else {
        fprintf(stderr, "tok: bad arguments\n");
        rc = 2;
    }
    tokenizer_free(&t);
    gguf_free(&g);
    gguf_reader_free(&r);
    fclose(f);
    return rc;
}
