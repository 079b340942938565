/* libFuzzer target: the GGUF reader and, for inputs that parse, the
 * tokenizer built from them. Besides crashes, leaks and sanitizer reports,
 * it checks invariants (a violation aborts):
 *  - an accepted file parses the same with a different read-ahead window;
 *  - written back from what was parsed, it is byte for byte the input's
 *    metadata, and that copy parses to the same result again;
 *  - the tokenizer's ids are all in range, and its special ids in range
 *    or -1. */
#include <stdint.h>
#include <stdlib.h>
#include <stddef.h>
#include "../host/gguf_builder.h"
#include "../host/host_file_reader.h"
#include "model/gguf.h"
#include "model/tokenizer.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define REQUIRE(cond) do { if (!(cond)) abort(); } while (0)

static int parse(const uint8_t *data, size_t size, size_t window, struct gguf_file *f, uint64_t *infos_end)
{
    struct mem_source src = { data, size };
    struct gguf_reader r;
    struct gguf_error err;
    if (gguf_reader_init(&r, mem_read, &src, size, window) < 0)
        return -1;
    int rc = gguf_parse(&r, f, &err);
    if (rc == 0 && infos_end)
        *infos_end = r.pos;
    gguf_reader_free(&r);
    return rc;
}

static int str_eq(const char *a, const char *b) { return (!a && !b) || (a && b && strcmp(a, b) == 0); }

static void require_same(const struct gguf_file *a, const struct gguf_file *b)
{
    REQUIRE(a->version == b->version && a->n_kv == b->n_kv && a->n_tensors == b->n_tensors);
    REQUIRE(a->alignment == b->alignment && a->data_offset == b->data_offset && a->data_size == b->data_size);
    for (uint64_t i = 0; i < a->n_kv; i++) {
        const struct gguf_kv *x = &a->kv[i], *y = &b->kv[i];
        REQUIRE(str_eq(x->key, y->key) && x->type == y->type && x->value == y->value);
        REQUIRE(str_eq(x->str, y->str) && x->str_len == y->str_len);
        REQUIRE(x->arr_type == y->arr_type && x->arr_count == y->arr_count && x->arr_bytes == y->arr_bytes);
    }
    for (uint64_t i = 0; i < a->n_tensors; i++) {
        const struct gguf_tensor *x = &a->tensors[i], *y = &b->tensors[i];
        REQUIRE(str_eq(x->name, y->name) && x->n_dims == y->n_dims && x->type == y->type);
        REQUIRE(x->offset == y->offset && x->size == y->size && x->elements == y->elements);
        REQUIRE(memcmp(x->dims, y->dims, sizeof(x->dims)) == 0);
    }
}

/* Writes f back as GGUF: header, key-values (arrays copied from the input,
 * which the parser walked), tensor infos, padding, then the input's bytes
 * from the data section on. */
static void write_back(const struct gguf_file *f, const uint8_t *data, size_t size, struct gbuf *b)
{
    gb_header(b, f->version, f->n_tensors, f->n_kv);
    for (uint64_t i = 0; i < f->n_kv; i++) {
        const struct gguf_kv *kv = &f->kv[i];
        gb_u64(b, strlen(kv->key));
        gb_put(b, kv->key, strlen(kv->key));
        gb_u32(b, kv->type);
        if (kv->type == GGUF_TYPE_STRING) {
            gb_u64(b, kv->str_len);
            gb_put(b, kv->str, kv->str_len);
        } else if (kv->type == GGUF_TYPE_ARRAY) {
            REQUIRE(kv->arr_offset >= 12 && kv->arr_offset + kv->arr_bytes <= size);
            gb_put(b, data + kv->arr_offset - 12, 12 + kv->arr_bytes);
        } else {
            gb_put(b, &kv->value, gguf_scalar_size(kv->type));
        }
    }
    for (uint64_t i = 0; i < f->n_tensors; i++) {
        const struct gguf_tensor *t = &f->tensors[i];
        gb_tensor(b, t->name, t->n_dims, t->dims, t->type, t->offset);
    }
    gb_pad(b, f->alignment);
    REQUIRE(b->len == f->data_offset);
    if (f->data_offset < size)      /* without tensors the data section may start past the end */
        gb_put(b, data + f->data_offset, size - f->data_offset);
}

static void check_tokenizer(const struct gguf_file *f, const uint8_t *data, size_t size)
{
    struct mem_source src = { data, size };
    struct gguf_reader r;
    struct gguf_error err;
    struct tokenizer t;
    if (gguf_reader_init(&r, mem_read, &src, size, 4096) < 0)
        return;
    if (tokenizer_load(&t, f, &r, &err) == 0) {
        REQUIRE(t.bos >= -1 && t.bos < (int32_t)t.n_tokens && t.eos >= -1 && t.eos < (int32_t)t.n_tokens);
        REQUIRE(t.unk >= -1 && t.unk < (int32_t)t.n_tokens);
        static const char *const texts[] = { "Hello world", "", " a  b\n\xC3\xA9\xF0\x9F\x98\x80", "<0x41>\xFF" };
        for (unsigned k = 0; k < sizeof(texts) / sizeof(texts[0]); k++) {
            int32_t ids[256];
            int n = tokenizer_encode(&t, texts[k], strlen(texts[k]), 1, ids, 256);
            REQUIRE(n >= 0 || n == -ETOK_NOPIECE || n == -ENOSPC);
            for (int i = 0; i < n; i++)
                REQUIRE(ids[i] >= 0 && (uint32_t)ids[i] < t.n_tokens);
            char out[4096];
            if (n > 0)
                REQUIRE(tokenizer_decode(&t, ids, (size_t)n, out, sizeof(out)) >= -ENOSPC);
        }
        tokenizer_free(&t);
    }
    gguf_reader_free(&r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct gguf_file f, g;
    uint64_t infos_end = 0;
    if (parse(data, size, 4096, &f, &infos_end) != 0)
        return 0;
    /* The read-ahead window must not change the result. */
    REQUIRE(parse(data, size, 1 << 20, &g, NULL) == 0);
    require_same(&f, &g);
    gguf_free(&g);
    /* Written back, it is the same bytes and parses the same (unless a huge
     * general.alignment would make the copy gigabytes of padding). */
    if (f.data_offset - infos_end <= (1u << 20)) {
        struct gbuf b = { 0 };
        write_back(&f, data, size, &b);
        REQUIRE(b.len >= infos_end && memcmp(b.data, data, infos_end) == 0);
        REQUIRE(parse(b.data, b.len, 4096, &g, NULL) == 0);
        require_same(&f, &g);
        gguf_free(&g);
        free(b.data);
    }
    check_tokenizer(&f, data, size);
    gguf_free(&f);
    return 0;
}
