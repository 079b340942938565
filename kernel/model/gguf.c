#include "model/gguf.h"
#include "core/heap.h"
#include "lib/errno.h"
#include "lib/format.h"
#include "lib/string.h"
#include "model/ggml_types.h"
#include "model/name_set.h"

/* Smallest encodings, to bound counts by the bytes left before allocating:
 * a key-value is a key length (8) + type (4) + at least one byte; a tensor
 * info is a name length (8) + n_dims (4) + one dim (8) + type (4) + offset (8). */
#define MIN_KV_BYTES     13
#define MIN_TENSOR_BYTES 32

static int fail(struct gguf_error *err, int code, uint64_t offset, const char *fmt, ...) PRINTF_LIKE(4, 5);

static int fail(struct gguf_error *err, int code, uint64_t offset, const char *fmt, ...)
{
    char what[150];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof(what), fmt, ap);
    va_end(ap);
    err->code = code;
    err->offset = offset;
    snprintf(err->message, sizeof(err->message), "gguf: %s at byte offset %lu", what, (unsigned long)offset);
    return code;
}

/* A read that runs out of bytes becomes a "truncated" error naming what
 * was being read; device errors pass through unchanged. */
static int read_or_fail(struct gguf_reader *r, struct gguf_error *err, int rc, uint64_t at, const char *what)
{
    if (rc == -EGGUF_TRUNCATED)
        return fail(err, rc, at, "file truncated inside %s", what);
    if (rc < 0)
        return fail(err, rc, at, "read error (%s) in %s", error_name(rc), what);
    (void)r;
    return 0;
}

#define READ(r, err, call, what) do { \
        uint64_t at_ = (r)->pos; \
        int rc_ = read_or_fail((r), (err), (call), at_, (what)); \
        if (rc_ < 0) return rc_; \
    } while (0)

uint32_t gguf_scalar_size(uint32_t type)
{
    static const uint8_t sizes[GGUF_TYPE_COUNT] = { 1, 1, 2, 2, 4, 4, 4, 1, 0, 0, 8, 8, 8 };
    return type < GGUF_TYPE_COUNT ? sizes[type] : 0;
}

const char *gguf_type_name(uint32_t type)
{
    static const char *const names[GGUF_TYPE_COUNT] = {
        "u8", "i8", "u16", "i16", "u32", "i32", "f32", "bool", "string", "array", "u64", "i64", "f64",
    };
    return type < GGUF_TYPE_COUNT ? names[type] : "unknown";
}

/* Reads a string; copy != NULL receives a NUL-terminated copy. Strings
 * containing NUL bytes are rejected when copied (keys, names, values). */
static int read_string(struct gguf_reader *r, struct gguf_error *err, uint64_t max, char **copy,
                       uint64_t *len_out, const char *what)
{
    uint64_t at = r->pos, len;
    READ(r, err, gguf_read_u64(r, &len), what);
    if (len > max)
        return fail(err, -EGGUF_TOOBIG, at, "%s length %lu exceeds the limit of %lu", what,
                    (unsigned long)len, (unsigned long)max);
    if (len > gguf_reader_left(r))
        return fail(err, -EGGUF_TRUNCATED, at, "%s length %lu runs past the end of the file", what,
                    (unsigned long)len);
    if (len_out)
        *len_out = len;
    if (!copy)
        return gguf_skip(r, len);
    char *s = kmalloc(len + 1);
    if (!s)
        return fail(err, -ENOMEM, at, "no memory for a %lu-byte %s", (unsigned long)len, what);
    int rc = gguf_read_bytes(r, s, len);
    if (rc < 0) {
        kfree(s);
        return read_or_fail(r, err, rc, at, what);
    }
    s[len] = 0;
    if (strnlen(s, len) != len) {
        kfree(s);
        return fail(err, -EGGUF_STRING, at, "%s contains a NUL byte", what);
    }
    *copy = s;
    return 0;
}

/* Walks (and so validates) an array's elements; arrays may nest. */
static int skip_array(struct gguf_reader *r, struct gguf_error *err, uint32_t type, uint64_t count, int depth)
{
    uint64_t at = r->pos;
    if (type >= GGUF_TYPE_COUNT)
        return fail(err, -EGGUF_TYPE, at, "unknown array element type %u", type);
    uint32_t size = gguf_scalar_size(type);
    if (size) {
        if (count > gguf_reader_left(r) / size)
            return fail(err, -EGGUF_TRUNCATED, at, "array of %lu %s runs past the end of the file",
                        (unsigned long)count, gguf_type_name(type));
        return gguf_skip(r, count * size);
    }
    /* Strings take at least 8 bytes, nested arrays at least 12. */
    if (count > gguf_reader_left(r) / (type == GGUF_TYPE_STRING ? 8 : 12))
        return fail(err, -EGGUF_TRUNCATED, at, "array of %lu %s runs past the end of the file",
                    (unsigned long)count, gguf_type_name(type));
    for (uint64_t i = 0; i < count; i++) {
        int rc;
        if (type == GGUF_TYPE_STRING) {
            rc = read_string(r, err, GGUF_MAX_STRING, NULL, NULL, "array string");
        } else {
            uint64_t inner_at = r->pos, inner_count;
            uint32_t inner_type;
            if (depth + 1 >= GGUF_MAX_ARRAY_DEPTH)
                return fail(err, -EGGUF_NESTING, inner_at, "arrays nested deeper than %d levels",
                            GGUF_MAX_ARRAY_DEPTH);
            READ(r, err, gguf_read_u32(r, &inner_type), "nested array type");
            READ(r, err, gguf_read_u64(r, &inner_count), "nested array count");
            rc = skip_array(r, err, inner_type, inner_count, depth + 1);
        }
        if (rc < 0)
            return rc;
    }
    return 0;
}

static int read_value(struct gguf_reader *r, struct gguf_error *err, struct gguf_kv *kv)
{
    uint64_t at = r->pos;
    if (kv->type >= GGUF_TYPE_COUNT)
        return fail(err, -EGGUF_TYPE, at, "key '%s' has unknown value type %u", kv->key, kv->type);
    if (kv->type == GGUF_TYPE_STRING)
        return read_string(r, err, GGUF_MAX_STRING, &kv->str, &kv->str_len, "string value");
    if (kv->type == GGUF_TYPE_ARRAY) {
        READ(r, err, gguf_read_u32(r, &kv->arr_type), "array type");
        READ(r, err, gguf_read_u64(r, &kv->arr_count), "array count");
        kv->arr_offset = r->pos;
        int rc = skip_array(r, err, kv->arr_type, kv->arr_count, 0);
        kv->arr_bytes = r->pos - kv->arr_offset;
        return rc;
    }
    READ(r, err, gguf_read_bytes(r, &kv->value, gguf_scalar_size(kv->type)), "value");
    if (kv->type == GGUF_TYPE_BOOL && kv->value > 1)
        return fail(err, -EGGUF_TYPE, at, "key '%s' has bool value %lu", kv->key, (unsigned long)kv->value);
    return 0;
}

static int parse_header(struct gguf_reader *r, struct gguf_file *f, struct gguf_error *err)
{
    uint32_t magic;
    READ(r, err, gguf_read_u32(r, &magic), "the header");
    if (magic != GGUF_MAGIC)
        return fail(err, -EBADMAGIC, 0, "not a GGUF file (magic 0x%08x, expected 0x%08x \"GGUF\")", magic,
                    GGUF_MAGIC);
    READ(r, err, gguf_read_u32(r, &f->version), "the header");
    if (f->version == 1)
        return fail(err, -EGGUF_VERSION, 4, "GGUF version 1 is not supported (only versions 2 and 3)");
    if (f->version < 2 || f->version > 3)
        return fail(err, -EGGUF_VERSION, 4, "GGUF version %u is not supported (only versions 2 and 3)",
                    f->version);
    READ(r, err, gguf_read_u64(r, &f->n_tensors), "the header");
    READ(r, err, gguf_read_u64(r, &f->n_kv), "the header");
    if (f->n_tensors > GGUF_MAX_TENSORS)
        return fail(err, -EGGUF_TOOBIG, 8, "tensor count %lu exceeds the limit of %u",
                    (unsigned long)f->n_tensors, GGUF_MAX_TENSORS);
    if (f->n_kv > GGUF_MAX_KV)
        return fail(err, -EGGUF_TOOBIG, 16, "key-value count %lu exceeds the limit of %u",
                    (unsigned long)f->n_kv, GGUF_MAX_KV);
    /* llama.cpp would load it, but there is nothing to load: no model. */
    if (f->n_kv == 0 && f->n_tensors == 0)
        return fail(err, -EGGUF_EMPTY, 8, "the file has no key-values and no tensors");
    if (f->n_kv * MIN_KV_BYTES + f->n_tensors * MIN_TENSOR_BYTES > gguf_reader_left(r))
        return fail(err, -EGGUF_TRUNCATED, 8, "%lu tensors and %lu key-values cannot fit in the %lu bytes left",
                    (unsigned long)f->n_tensors, (unsigned long)f->n_kv, (unsigned long)gguf_reader_left(r));
    return 0;
}

static int parse_kvs(struct gguf_reader *r, struct gguf_file *f, struct gguf_error *err)
{
    struct name_set keys;
    f->kv = kcalloc(f->n_kv ? f->n_kv : 1, sizeof(*f->kv));
    if (!f->kv || name_set_init(&keys, f->n_kv) < 0)
        return fail(err, -ENOMEM, r->pos, "no memory for %lu key-values", (unsigned long)f->n_kv);
    int rc = 0;
    for (uint64_t i = 0; i < f->n_kv && rc == 0; i++) {
        struct gguf_kv *kv = &f->kv[i];
        kv->offset = r->pos;
        rc = read_string(r, err, GGUF_MAX_KEY, &kv->key, NULL, "key");
        if (rc == 0 && kv->key[0] == 0)    /* llama.cpp refuses these too */
            rc = fail(err, -EGGUF_EMPTYKEY, kv->offset, "key-value %lu has an empty key", (unsigned long)i);
        if (rc == 0 && !name_set_add(&keys, kv->key))
            rc = fail(err, -EGGUF_DUPKEY, kv->offset, "duplicate key '%s'", kv->key);
        if (rc == 0) {
            uint64_t at = r->pos;
            rc = read_or_fail(r, err, gguf_read_u32(r, &kv->type), at, "value type");
        }
        if (rc == 0)
            rc = read_value(r, err, kv);
    }
    name_set_free(&keys);
    return rc;
}

static int check_alignment(struct gguf_file *f, struct gguf_error *err)
{
    f->alignment = GGUF_DEFAULT_ALIGNMENT;
    const struct gguf_kv *kv = gguf_find(f, "general.alignment");
    if (!kv)
        return 0;
    if (kv->type != GGUF_TYPE_UINT32)
        return fail(err, -EGGUF_ALIGN, kv->offset, "general.alignment has type %s, expected u32",
                    gguf_type_name(kv->type));
    if (kv->value == 0 || (kv->value & (kv->value - 1)))
        return fail(err, -EGGUF_ALIGN, kv->offset, "general.alignment %lu is not a power of two",
                    (unsigned long)kv->value);
    f->alignment = (uint32_t)kv->value;
    return 0;
}

static int parse_tensor(struct gguf_reader *r, struct gguf_tensor *t, struct name_set *names,
                        struct gguf_error *err)
{
    uint64_t at = r->pos;
    int rc = read_string(r, err, GGUF_MAX_TENSOR_NAME, &t->name, NULL, "tensor name");
    if (rc < 0)
        return rc;
    if (!name_set_add(names, t->name))
        return fail(err, -EGGUF_DUPTENSOR, at, "duplicate tensor name '%s'", t->name);
    uint64_t dims_at = r->pos;
    READ(r, err, gguf_read_u32(r, &t->n_dims), "tensor dimension count");
    if (t->n_dims < 1 || t->n_dims > GGUF_MAX_DIMS)
        return fail(err, -EGGUF_NDIMS, dims_at, "tensor '%s' has %u dimensions (1 to %d allowed)", t->name,
                    t->n_dims, GGUF_MAX_DIMS);
    t->elements = 1;
    for (uint32_t d = 0; d < t->n_dims; d++) {
        uint64_t dim_at = r->pos;
        READ(r, err, gguf_read_u64(r, &t->dims[d]), "tensor dimensions");
        if (t->dims[d] == 0 || t->dims[d] > (uint64_t)INT64_MAX / t->elements)
            return fail(err, -EGGUF_DIM, dim_at, "tensor '%s' dimension %u is %s", t->name, d,
                        t->dims[d] ? "too large" : "zero");
        t->elements *= t->dims[d];
    }
    uint64_t type_at = r->pos;
    READ(r, err, gguf_read_u32(r, &t->type), "tensor type");
    const struct ggml_type_info *ti = ggml_type_get(t->type);
    if (!ti)
        return fail(err, -EGGUF_GGMLTYPE, type_at, "tensor '%s' has unknown ggml type %u", t->name, t->type);
    if (t->dims[0] % ti->block_size)
        return fail(err, -EGGUF_DIM, dims_at, "tensor '%s' row of %lu is not a multiple of the %s block (%u)",
                    t->name, (unsigned long)t->dims[0], ti->name, ti->block_size);
    uint64_t blocks = t->elements / ti->block_size;
    if (blocks > UINT64_MAX / ti->type_size)
        return fail(err, -EGGUF_DIM, dims_at, "tensor '%s' size overflows", t->name);
    t->size = blocks * ti->type_size;
    t->offset_at = r->pos;
    READ(r, err, gguf_read_u64(r, &t->offset), "tensor offset");
    return 0;
}

/* Sorts tensor indices by offset (heapsort: no recursion, O(n log n)). */
static void sift_down(const struct gguf_tensor *t, uint64_t *idx, uint64_t start, uint64_t end)
{
    uint64_t root = start;
    while (2 * root + 1 < end) {
        uint64_t child = 2 * root + 1;
        if (child + 1 < end && t[idx[child + 1]].offset > t[idx[child]].offset)
            child++;
        if (t[idx[root]].offset >= t[idx[child]].offset)
            return;
        uint64_t tmp = idx[root];
        idx[root] = idx[child];
        idx[child] = tmp;
        root = child;
    }
}

static void sort_by_offset(const struct gguf_tensor *t, uint64_t *idx, uint64_t n)
{
    for (uint64_t i = n / 2; i-- > 0;)
        sift_down(t, idx, i, n);
    for (uint64_t end = n; end-- > 1;) {
        uint64_t tmp = idx[0];
        idx[0] = idx[end];
        idx[end] = tmp;
        sift_down(t, idx, 0, end);
    }
}

/* Tensor data: aligned, inside the file, and no two tensors overlapping. */
static int check_tensor_data(struct gguf_file *f, uint64_t infos_end, struct gguf_error *err)
{
    uint64_t avail = f->source_size > f->data_offset ? f->source_size - f->data_offset : 0;
    for (uint64_t i = 0; i < f->n_tensors; i++) {
        const struct gguf_tensor *t = &f->tensors[i];
        if (t->offset % f->alignment)
            return fail(err, -EGGUF_OFFSET, t->offset_at, "tensor '%s' data offset %lu is not a multiple of %u",
                        t->name, (unsigned long)t->offset, f->alignment);
        if (t->offset > avail || t->size > avail - t->offset)
            return fail(err, -EGGUF_BOUNDS, f->data_offset + t->offset,
                        "tensor '%s' (%lu bytes at data offset %lu) extends beyond the end of the file", t->name,
                        (unsigned long)t->size, (unsigned long)t->offset);
        if (t->offset + t->size > f->data_size)
            f->data_size = t->offset + t->size;
    }
    if (f->n_tensors < 2)
        return 0;
    uint64_t *idx = kmalloc(f->n_tensors * sizeof(uint64_t));
    if (!idx)
        return fail(err, -ENOMEM, infos_end, "no memory to sort %lu tensors", (unsigned long)f->n_tensors);
    for (uint64_t i = 0; i < f->n_tensors; i++)
        idx[i] = i;
    sort_by_offset(f->tensors, idx, f->n_tensors);
    int rc = 0;
    for (uint64_t i = 1; i < f->n_tensors && rc == 0; i++) {
        const struct gguf_tensor *a = &f->tensors[idx[i - 1]], *b = &f->tensors[idx[i]];
        if (a->offset + a->size > b->offset)
            rc = fail(err, -EGGUF_OVERLAP, f->data_offset + b->offset, "tensors '%s' and '%s' overlap", a->name,
                      b->name);
    }
    kfree(idx);
    return rc;
}

static int parse_tensors(struct gguf_reader *r, struct gguf_file *f, struct gguf_error *err)
{
    struct name_set names;
    f->tensors = kcalloc(f->n_tensors ? f->n_tensors : 1, sizeof(*f->tensors));
    if (!f->tensors || name_set_init(&names, f->n_tensors) < 0)
        return fail(err, -ENOMEM, r->pos, "no memory for %lu tensors", (unsigned long)f->n_tensors);
    int rc = 0;
    for (uint64_t i = 0; i < f->n_tensors && rc == 0; i++)
        rc = parse_tensor(r, &f->tensors[i], &names, err);
    name_set_free(&names);
    if (rc < 0)
        return rc;
    uint64_t infos_end = r->pos;
    f->data_offset = (infos_end + f->alignment - 1) / f->alignment * f->alignment;
    return check_tensor_data(f, infos_end, err);
}

int gguf_parse(struct gguf_reader *r, struct gguf_file *f, struct gguf_error *err)
{
    memset(f, 0, sizeof(*f));
    memset(err, 0, sizeof(*err));
    f->source_size = r->size;
    int rc = parse_header(r, f, err);
    if (rc == 0)
        rc = parse_kvs(r, f, err);
    if (rc == 0)
        rc = check_alignment(f, err);
    if (rc == 0)
        rc = parse_tensors(r, f, err);
    if (rc < 0) {
        gguf_free(f);
        err->code = rc;
    }
    return rc;
}

void gguf_free(struct gguf_file *f)
{
    for (uint64_t i = 0; f->kv && i < f->n_kv; i++) {
        kfree(f->kv[i].key);
        kfree(f->kv[i].str);
    }
    for (uint64_t i = 0; f->tensors && i < f->n_tensors; i++)
        kfree(f->tensors[i].name);
    kfree(f->kv);
    kfree(f->tensors);
    memset(f, 0, sizeof(*f));
}

const struct gguf_kv *gguf_find(const struct gguf_file *f, const char *key)
{
    for (uint64_t i = 0; i < f->n_kv; i++)
        if (f->kv[i].key && strcmp(f->kv[i].key, key) == 0)
            return &f->kv[i];
    return NULL;
}

int gguf_kv_uint(const struct gguf_kv *kv, uint64_t *out)
{
    int64_t v;
    switch (kv->type) {
    case GGUF_TYPE_UINT8: case GGUF_TYPE_UINT16: case GGUF_TYPE_UINT32: case GGUF_TYPE_UINT64:
        *out = kv->value;
        return 0;
    case GGUF_TYPE_INT8:  v = (int8_t)kv->value; break;
    case GGUF_TYPE_INT16: v = (int16_t)kv->value; break;
    case GGUF_TYPE_INT32: v = (int32_t)kv->value; break;
    case GGUF_TYPE_INT64: v = (int64_t)kv->value; break;
    default:
        return -EGGUF_KEYTYPE;
    }
    if (v < 0)
        return -ERANGE;
    *out = (uint64_t)v;
    return 0;
}

int gguf_get_uint(const struct gguf_file *f, const char *key, uint64_t *out)
{
    const struct gguf_kv *kv = gguf_find(f, key);
    return kv ? gguf_kv_uint(kv, out) : -ENOENT;
}

const char *gguf_get_str(const struct gguf_file *f, const char *key)
{
    const struct gguf_kv *kv = gguf_find(f, key);
    return kv && kv->type == GGUF_TYPE_STRING ? kv->str : NULL;
}
