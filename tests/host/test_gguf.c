/* Host tests: model/gguf.c. A valid file is parsed to exact values; one
 * hand-made bad file per check is rejected with its own code and a message
 * naming the problem and its byte offset; every truncation of the valid file
 * is rejected. `test_gguf --write-bad DIR` writes the bad files (and a
 * cases.tsv manifest) for the kernel test that boots them as disks. */
#include <stdio.h>
#include <sys/stat.h>
#include "check.h"
#include "gguf_builder.h"
#include "host_file_reader.h"
#include "model/ggml_types.h"
#include "model/gguf.h"
#include "lib/hash_probe.h"
#include "model/model.h"
#include "model/name_set.h"
#include "model/tokenizer.h"

static int parse_buf(const struct gbuf *b, struct gguf_file *f, struct gguf_error *err)
{
    struct mem_source src = { b->data, b->len };
    struct gguf_reader r;
    gguf_reader_init(&r, mem_read, &src, b->len, 4096);
    int rc = gguf_parse(&r, f, err);
    gguf_reader_free(&r);
    return rc;
}

/* Parses b and builds its tokenizer; returns the tokenizer's code. */
static int tokenize_buf(const struct gbuf *b, struct gguf_file *f, struct gguf_error *err)
{
    struct mem_source src = { b->data, b->len };
    struct gguf_reader r;
    struct tokenizer t;
    gguf_reader_init(&r, mem_read, &src, b->len, 4096);
    int rc = gguf_parse(&r, f, err);
    if (rc == 0) {
        rc = tokenizer_load(&t, f, &r, err);
        if (rc == 0)
            tokenizer_free(&t);
        gguf_free(f);
    }
    gguf_reader_free(&r);
    return rc;
}

/* The valid file: every value type, nested arrays, three tensors. */
static void build_valid(struct gbuf *b, uint32_t version)
{
    gb_header(b, version, 3, 16);
    gb_kv_str(b, "general.architecture", "llama");
    gb_kv_u32(b, "general.alignment", 64);
    gb_str(b, "t.u8"); gb_u32(b, 0); gb_u8(b, 200);
    gb_str(b, "t.i8"); gb_u32(b, 1); gb_u8(b, 0x80);
    gb_str(b, "t.u16"); gb_u32(b, 2); gb_u8(b, 0x34); gb_u8(b, 0x12);
    gb_str(b, "t.i16"); gb_u32(b, 3); gb_u8(b, 0xFF); gb_u8(b, 0xFF);
    gb_kv_u32(b, "t.u32", 4000000000u);
    gb_str(b, "t.i32"); gb_u32(b, 5); gb_u32(b, (uint32_t)-7);
    gb_str(b, "t.f32"); gb_u32(b, 6); gb_f32(b, 1.5f);
    gb_str(b, "t.bool"); gb_u32(b, 7); gb_u8(b, 1);
    gb_str(b, "t.u64"); gb_u32(b, 10); gb_u64(b, 1ULL << 40);
    gb_str(b, "t.i64"); gb_u32(b, 11); gb_u64(b, (uint64_t)-5);
    gb_str(b, "t.f64"); gb_u32(b, 12); gb_u64(b, 0x3FF8000000000000ULL);
    gb_str(b, "t.arr_u32"); gb_u32(b, 9); gb_u32(b, 4); gb_u64(b, 3); gb_u32(b, 1); gb_u32(b, 2); gb_u32(b, 3);
    gb_str(b, "t.arr_str"); gb_u32(b, 9); gb_u32(b, 8); gb_u64(b, 2); gb_str(b, "ab"); gb_str(b, "");
    gb_str(b, "t.arr_arr"); gb_u32(b, 9); gb_u32(b, 9); gb_u64(b, 2);
    gb_u32(b, 0); gb_u64(b, 2); gb_u8(b, 1); gb_u8(b, 2);
    gb_u32(b, 8); gb_u64(b, 1); gb_str(b, "x");
    uint64_t da[1] = { 64 }, db[2] = { 32, 2 }, dc[4] = { 2, 2, 2, 2 };
    gb_tensor(b, "a", 1, da, GGML_TYPE_F32, 0);      /* 256 bytes */
    gb_tensor(b, "b", 2, db, 2, 256);                 /* Q4_0: 2 blocks = 36 bytes */
    gb_tensor(b, "c", 4, dc, GGML_TYPE_F16, 320);    /* 32 bytes */
    gb_pad(b, 64);
    gb_zeros(b, 352);
}

static void test_valid(void)
{
    for (uint32_t version = 2; version <= 3; version++) {
        struct gbuf b = { 0 };
        build_valid(&b, version);
        struct gguf_file f;
        struct gguf_error err;
        CHECK_EQ_INT(parse_buf(&b, &f, &err), 0);
        if (err.code)
            fprintf(stderr, "%s\n", err.message);
        CHECK_EQ_INT(f.version, version);
        CHECK_EQ_INT(f.n_kv, 16);
        CHECK_EQ_INT(f.n_tensors, 3);
        CHECK_EQ_INT(f.alignment, 64);
        CHECK_EQ_STR(gguf_get_str(&f, "general.architecture"), "llama");
        uint64_t v;
        CHECK(gguf_get_uint(&f, "t.u8", &v) == 0 && v == 200);
        CHECK(gguf_get_uint(&f, "t.u16", &v) == 0 && v == 0x1234);
        CHECK(gguf_get_uint(&f, "t.u32", &v) == 0 && v == 4000000000u);
        CHECK(gguf_get_uint(&f, "t.u64", &v) == 0 && v == 1ULL << 40);
        CHECK_EQ_INT(gguf_get_uint(&f, "t.i8", &v), -ERANGE);        /* -128 */
        CHECK_EQ_INT(gguf_get_uint(&f, "t.i32", &v), -ERANGE);
        CHECK_EQ_INT(gguf_get_uint(&f, "t.f32", &v), -EGGUF_KEYTYPE);
        CHECK_EQ_INT(gguf_get_uint(&f, "missing", &v), -ENOENT);
        CHECK(gguf_find(&f, "t.f32")->value == 0x3FC00000);
        CHECK(gguf_find(&f, "t.bool")->value == 1);
        const struct gguf_kv *arr = gguf_find(&f, "t.arr_str");
        CHECK(arr && arr->arr_type == GGUF_TYPE_STRING && arr->arr_count == 2);
        CHECK(gguf_find(&f, "t.arr_arr")->arr_type == GGUF_TYPE_ARRAY);
        CHECK_EQ_STR(f.tensors[1].name, "b");
        CHECK_EQ_INT(f.tensors[1].size, 36);
        CHECK_EQ_INT(f.tensors[2].n_dims, 4);
        CHECK_EQ_INT(f.data_offset % 64, 0);
        CHECK_EQ_INT(f.data_size, 352);
        CHECK_EQ_INT(f.data_offset + 352, b.len);
        gguf_free(&f);
        free(b.data);
    }
}

/* ---- one bad file per check ------------------------------------------- */
static void minimal_tensor_file(struct gbuf *b, uint32_t n_dims, const uint64_t *dims, uint32_t type,
                                uint64_t offset, size_t data)
{
    gb_header(b, 3, 1, 0);
    gb_tensor(b, "w", n_dims, dims, type, offset);
    gb_pad(b, 32);
    gb_zeros(b, data);
}

#define CASE(fn) static void fn(struct gbuf *b)
static const uint64_t dims1[1] = { 32 }, dims5[5] = { 1, 1, 1, 1, 1 }, dims_zero[2] = { 32, 0 };
static const uint64_t dims_big[3] = { 1ULL << 40, 1ULL << 40, 1ULL << 40 }, dims33[1] = { 33 };
CASE(bad_magic) { gb_put(b, "GGUX", 4); gb_u32(b, 3); gb_u64(b, 0); gb_u64(b, 0); }
CASE(version_1) { gb_header(b, 1, 0, 0); }
CASE(version_4) { gb_header(b, 4, 0, 0); }
CASE(huge_tensor_count) { gb_header(b, 3, 1ULL << 40, 0); }
CASE(huge_kv_count) { gb_header(b, 3, 0, 1ULL << 62); }
CASE(counts_exceed_file) { gb_header(b, 3, 0, 60000); gb_kv_u32(b, "a", 1); }
CASE(huge_key_length) { gb_header(b, 3, 0, 1); gb_u64(b, 1ULL << 62); gb_put(b, "abcdefghijklmnop", 16); }
CASE(string_past_end) { gb_header(b, 3, 0, 1); gb_str(b, "k"); gb_u32(b, 8); gb_u64(b, 1000000); gb_put(b, "xy", 2); }
CASE(huge_array_count) { gb_header(b, 3, 0, 1); gb_str(b, "k"); gb_u32(b, 9); gb_u32(b, 4); gb_u64(b, 1ULL << 60); }
CASE(huge_string_array) { gb_header(b, 3, 0, 1); gb_str(b, "k"); gb_u32(b, 9); gb_u32(b, 8); gb_u64(b, 1ULL << 58); }
CASE(unknown_value_type) { gb_header(b, 3, 0, 1); gb_str(b, "k"); gb_u32(b, 13); gb_u32(b, 0); }
CASE(unknown_array_type) { gb_header(b, 3, 0, 1); gb_str(b, "k"); gb_u32(b, 9); gb_u32(b, 99); gb_u64(b, 1); gb_u64(b, 0); }
CASE(deep_nesting)
{
    gb_header(b, 3, 0, 1);
    gb_str(b, "k");
    gb_u32(b, 9);
    for (int i = 0; i < 8; i++) {
        gb_u32(b, 9);
        gb_u64(b, 1);
    }
    gb_u32(b, 4);
    gb_u64(b, 0);
}
CASE(duplicate_key) { gb_header(b, 3, 0, 2); gb_kv_u32(b, "same", 1); gb_kv_u32(b, "same", 2); }
CASE(alignment_not_pow2) { gb_header(b, 3, 0, 1); gb_kv_u32(b, "general.alignment", 48); }
CASE(alignment_zero) { gb_header(b, 3, 0, 1); gb_kv_u32(b, "general.alignment", 0); }
CASE(alignment_wrong_type) { gb_header(b, 3, 0, 1); gb_str(b, "general.alignment"); gb_u32(b, 10); gb_u64(b, 32); }
CASE(zero_dims) { minimal_tensor_file(b, 0, dims1, GGML_TYPE_F32, 0, 128); }
CASE(five_dims) { minimal_tensor_file(b, 5, dims5, GGML_TYPE_F32, 0, 128); }
CASE(zero_dimension) { minimal_tensor_file(b, 2, dims_zero, GGML_TYPE_F32, 0, 128); }
CASE(dimension_overflow) { minimal_tensor_file(b, 3, dims_big, GGML_TYPE_F32, 0, 128); }
CASE(removed_ggml_type) { minimal_tensor_file(b, 1, dims1, 4, 0, 128); }
CASE(unknown_ggml_type) { minimal_tensor_file(b, 1, dims1, 200, 0, 128); }
CASE(row_not_block_multiple) { minimal_tensor_file(b, 1, dims33, 2, 0, 128); }
CASE(misaligned_offset) { minimal_tensor_file(b, 1, dims1, GGML_TYPE_F32, 8, 256); }
CASE(offset_beyond_end) { minimal_tensor_file(b, 1, dims1, GGML_TYPE_F32, 1ULL << 40, 128); }
CASE(data_past_end) { minimal_tensor_file(b, 1, dims1, GGML_TYPE_F32, 0, 64); b->len -= 64; gb_zeros(b, 64); b->len -= 1; }
CASE(overlapping_tensors)
{
    gb_header(b, 3, 2, 0);
    gb_tensor(b, "x", 1, dims1, GGML_TYPE_F32, 0);
    gb_tensor(b, "y", 1, dims1, GGML_TYPE_F32, 96);   /* x spans 0..128 */
    gb_pad(b, 32);
    gb_zeros(b, 256);
}
CASE(duplicate_tensor)
{
    gb_header(b, 3, 2, 0);
    gb_tensor(b, "x", 1, dims1, GGML_TYPE_F32, 0);
    gb_tensor(b, "x", 1, dims1, GGML_TYPE_F32, 128);
    gb_pad(b, 32);
    gb_zeros(b, 256);
}
CASE(long_tensor_name)
{
    gb_header(b, 3, 1, 0);
    gb_tensor(b, "a_tensor_name_that_is_far_longer_than_the_sixty_three_bytes_ggml_allows", 1, dims1,
              GGML_TYPE_F32, 0);
    gb_zeros(b, 256);
}
CASE(nul_in_key) { gb_header(b, 3, 0, 1); gb_u64(b, 3); gb_put(b, "a\0b", 3); gb_u32(b, 4); gb_u32(b, 1); }
CASE(bool_out_of_range) { gb_header(b, 3, 0, 1); gb_str(b, "k"); gb_u32(b, 7); gb_u8(b, 2); }
CASE(truncated_header) { gb_put(b, "GGUF", 4); gb_u32(b, 3); gb_u32(b, 0); }
CASE(truncated_in_kv) { gb_header(b, 3, 0, 1); gb_str(b, "key"); gb_u32(b, 4); gb_u8(b, 1); }
CASE(truncated_in_tensor_info) { gb_header(b, 3, 1, 0); gb_str(b, "a_twenty_byte_name__"); gb_u32(b, 2); gb_u64(b, 32); }

/* Issue 8: three malformed files that were accepted. */
CASE(empty_key) { gb_header(b, 3, 0, 2); gb_kv_u32(b, "general.alignment", 32); gb_kv_u32(b, "", 7); }
CASE(no_keys_no_tensors) { gb_header(b, 3, 0, 0); }

/* A llama vocabulary of n tokens with n_scores scores and n_types types. */
static void vocab_file(struct gbuf *b, uint64_t n, uint64_t n_scores, uint64_t n_types)
{
    gb_header(b, 3, 0, 4);
    gb_kv_str(b, "tokenizer.ggml.model", "llama");
    gb_str(b, "tokenizer.ggml.tokens"); gb_u32(b, 9); gb_u32(b, 8); gb_u64(b, n);
    for (uint64_t i = 0; i < n; i++) {
        char piece[24];
        snprintf(piece, sizeof(piece), "t%llu", (unsigned long long)i);
        gb_str(b, piece);
    }
    gb_str(b, "tokenizer.ggml.scores"); gb_u32(b, 9); gb_u32(b, 6); gb_u64(b, n_scores);
    for (uint64_t i = 0; i < n_scores; i++)
        gb_f32(b, -(float)i);
    gb_str(b, "tokenizer.ggml.token_type"); gb_u32(b, 9); gb_u32(b, 5); gb_u64(b, n_types);
    for (uint64_t i = 0; i < n_types; i++)
        gb_u32(b, 1);
}
CASE(scores_count_mismatch) { vocab_file(b, 512, 100, 512); }
CASE(token_type_count_mismatch) { vocab_file(b, 512, 512, 511); }

struct bad_case {
    const char *name;
    void (*build)(struct gbuf *);
    int code;
    const char *words;    /* must appear in the message */
    int tokenizer;        /* the file parses; building its tokenizer fails */
};

static const struct bad_case bad_cases[] = {
    { "bad_magic", bad_magic, -EBADMAGIC, "not a GGUF file", 0 },
    { "version_1", version_1, -EGGUF_VERSION, "version 1", 0 },
    { "version_4", version_4, -EGGUF_VERSION, "version 4", 0 },
    { "huge_tensor_count", huge_tensor_count, -EGGUF_TOOBIG, "tensor count", 0 },
    { "huge_kv_count", huge_kv_count, -EGGUF_TOOBIG, "key-value count", 0 },
    { "counts_exceed_file", counts_exceed_file, -EGGUF_TRUNCATED, "cannot fit", 0 },
    { "huge_key_length", huge_key_length, -EGGUF_TOOBIG, "key length", 0 },
    { "string_past_end", string_past_end, -EGGUF_TRUNCATED, "past the end", 0 },
    { "huge_array_count", huge_array_count, -EGGUF_TRUNCATED, "array of", 0 },
    { "huge_string_array", huge_string_array, -EGGUF_TRUNCATED, "array of", 0 },
    { "unknown_value_type", unknown_value_type, -EGGUF_TYPE, "unknown value type 13", 0 },
    { "unknown_array_type", unknown_array_type, -EGGUF_TYPE, "unknown array element type 99", 0 },
    { "deep_nesting", deep_nesting, -EGGUF_NESTING, "nested deeper", 0 },
    { "duplicate_key", duplicate_key, -EGGUF_DUPKEY, "duplicate key 'same'", 0 },
    { "alignment_not_pow2", alignment_not_pow2, -EGGUF_ALIGN, "not a power of two", 0 },
    { "alignment_zero", alignment_zero, -EGGUF_ALIGN, "not a power of two", 0 },
    { "alignment_wrong_type", alignment_wrong_type, -EGGUF_ALIGN, "expected u32", 0 },
    { "zero_dims", zero_dims, -EGGUF_NDIMS, "0 dimensions", 0 },
    { "five_dims", five_dims, -EGGUF_NDIMS, "5 dimensions", 0 },
    { "zero_dimension", zero_dimension, -EGGUF_DIM, "is zero", 0 },
    { "dimension_overflow", dimension_overflow, -EGGUF_DIM, "too large", 0 },
    { "removed_ggml_type", removed_ggml_type, -EGGUF_GGMLTYPE, "unknown ggml type 4", 0 },
    { "unknown_ggml_type", unknown_ggml_type, -EGGUF_GGMLTYPE, "unknown ggml type 200", 0 },
    { "row_not_block_multiple", row_not_block_multiple, -EGGUF_DIM, "not a multiple", 0 },
    { "misaligned_offset", misaligned_offset, -EGGUF_OFFSET, "not a multiple of 32", 0 },
    { "offset_beyond_end", offset_beyond_end, -EGGUF_BOUNDS, "beyond the end", 0 },
    { "data_past_end", data_past_end, -EGGUF_BOUNDS, "beyond the end", 0 },
    { "overlapping_tensors", overlapping_tensors, -EGGUF_OVERLAP, "overlap", 0 },
    { "duplicate_tensor", duplicate_tensor, -EGGUF_DUPTENSOR, "duplicate tensor name 'x'", 0 },
    { "long_tensor_name", long_tensor_name, -EGGUF_TOOBIG, "tensor name length", 0 },
    { "nul_in_key", nul_in_key, -EGGUF_STRING, "NUL byte", 0 },
    { "bool_out_of_range", bool_out_of_range, -EGGUF_TYPE, "bool value 2", 0 },
    { "truncated_header", truncated_header, -EGGUF_TRUNCATED, "truncated", 0 },
    { "truncated_in_kv", truncated_in_kv, -EGGUF_TRUNCATED, "truncated", 0 },
    { "truncated_in_tensor_info", truncated_in_tensor_info, -EGGUF_TRUNCATED, "truncated", 0 },
    { "empty_key", empty_key, -EGGUF_EMPTYKEY, "key-value 1 has an empty key", 0 },
    { "no_keys_no_tensors", no_keys_no_tensors, -EGGUF_EMPTY, "no key-values and no tensors", 0 },
    { "scores_count_mismatch", scores_count_mismatch, -ETOK_COUNT,
      "tokenizer.ggml.scores has 100 entries but tokenizer.ggml.tokens has 512", 1 },
    { "token_type_count_mismatch", token_type_count_mismatch, -ETOK_COUNT,
      "tokenizer.ggml.token_type has 511 entries", 1 },
};
#define N_BAD (sizeof(bad_cases) / sizeof(bad_cases[0]))

static void test_bad_files(void)
{
    for (size_t i = 0; i < N_BAD; i++) {
        struct gbuf b = { 0 };
        bad_cases[i].build(&b);
        struct gguf_file f;
        struct gguf_error err;
        int rc = parse_buf(&b, &f, &err);
        if (bad_cases[i].tokenizer) {
            CHECK_EQ_INT(rc, 0);
            gguf_free(&f);
            rc = tokenize_buf(&b, &f, &err);
        }
        if (rc != bad_cases[i].code || !strstr(err.message, bad_cases[i].words) ||
            !strstr(err.message, "at byte offset"))
            fprintf(stderr, "case %s: rc %d (%s), message: %s\n", bad_cases[i].name, rc, error_name(rc),
                    err.message);
        CHECK_EQ_INT(rc, bad_cases[i].code);
        CHECK(strstr(err.message, bad_cases[i].words) != NULL);
        CHECK(strstr(err.message, "at byte offset") != NULL);
        CHECK(f.kv == NULL && f.tensors == NULL);           /* nothing left allocated */
        gguf_free(&f);
        free(b.data);
    }
}

/* Every prefix of the valid file is rejected, never accepted or crashed on. */
static void test_truncations(void)
{
    struct gbuf b = { 0 };
    build_valid(&b, 3);
    int bad = 0;
    for (size_t len = 0; len < b.len; len++) {
        struct gbuf cut = { b.data, len, len };
        struct gguf_file f;
        struct gguf_error err;
        int rc = parse_buf(&cut, &f, &err);
        if (rc != -EGGUF_TRUNCATED && rc != -EGGUF_BOUNDS)
            bad++;
    }
    CHECK_EQ_INT(bad, 0);
    free(b.data);
}

/* model_load_data reads from the 4 KiB boundary before the data section
 * into a shifted buffer: the tensor bytes must still be exactly the file's. */
static void test_load_data(void)
{
    struct gbuf b = { 0 };
    build_valid(&b, 3);
    /* Put the data section at an offset that is not a multiple of 512 and
     * give it a recognisable pattern. */
    size_t data_len = 352, data_at = b.len - data_len;
    for (size_t i = 0; i < data_len; i++)
        b.data[data_at + i] = (uint8_t)(i * 7 + 3);
    CHECK(data_at % 512 != 0);
    struct mem_source src = { b.data, b.len };
    struct gguf_reader r;
    struct model m;
    struct gguf_error err;
    memset(&m, 0, sizeof(m));
    gguf_reader_init(&r, mem_read, &src, b.len, 4096);
    CHECK_EQ_INT(gguf_parse(&r, &m.file, &err), 0);
    CHECK_EQ_INT(model_load_data(&m, &r, NULL, NULL), 0);
    CHECK(memcmp(m.data, b.data + m.file.data_offset, m.file.data_size) == 0);
    CHECK(model_tensor_data(&m, &m.file.tensors[1]) == m.data + 256);
    model_free(&m);
    gguf_reader_free(&r);
    free(b.data);
}

/* The one probe loop (lib/hash_probe.h) behind name_set and the
 * tokenizer's piece table: it wraps at the end of the table. */
struct probe_table {
    int used[8];
    int want;
};

static int probe_stop(const void *ctx, uint64_t slot)
{
    const struct probe_table *t = ctx;
    return !t->used[slot] || t->used[slot] == t->want;
}

static void test_hash_probe(void)
{
    struct probe_table t = { { 0, 0, 0, 0, 0, 0, 5, 6 }, 9 };
    CHECK_EQ_INT(hash_probe(6, 7, probe_stop, &t), 0);        /* 6 and 7 taken: wraps to 0 */
    CHECK_EQ_INT(hash_probe(14, 7, probe_stop, &t), 0);       /* only the low bits count */
    t.want = 6;
    CHECK_EQ_INT(hash_probe(6, 7, probe_stop, &t), 7);        /* found before the empty slot */
    CHECK_EQ_INT(hash_probe(2, 7, probe_stop, &t), 2);
    /* name_set through it: a full run of collisions and duplicates. */
    struct name_set set;
    CHECK_EQ_INT(name_set_init(&set, 8), 0);
    static const char *const names[] = { "a", "b", "c", "d", "e", "f", "g", "h" };
    for (int i = 0; i < 8; i++)
        CHECK_EQ_INT(name_set_add(&set, names[i]), 1);
    for (int i = 0; i < 8; i++)
        CHECK_EQ_INT(name_set_add(&set, names[i]), 0);
    name_set_free(&set);
}

static void test_types(void)
{
    CHECK_EQ_INT(ggml_type_get(2)->type_size, 18);
    CHECK_EQ_INT(ggml_type_get(12)->block_size, 256);
    CHECK_EQ_INT(ggml_type_get(14)->type_size, 210);
    CHECK_EQ_INT(ggml_type_get(23)->type_size, 136);
    CHECK(ggml_type_get(4) == NULL && ggml_type_get(31) == NULL && ggml_type_get(40) == NULL);
}

static int write_bad(const char *dir)
{
    mkdir(dir, 0755);
    char path[512];
    snprintf(path, sizeof(path), "%s/cases.tsv", dir);
    FILE *manifest = fopen(path, "w");
    if (!manifest)
        return 1;
    for (size_t i = 0; i < N_BAD; i++) {
        struct gbuf b = { 0 };
        bad_cases[i].build(&b);
        snprintf(path, sizeof(path), "%s/%s.gguf", dir, bad_cases[i].name);
        FILE *f = fopen(path, "wb");
        if (!f)
            return 1;
        fwrite(b.data, 1, b.len, f);
        fclose(f);
        fprintf(manifest, "%s\t%d\t%s\t%s\n", bad_cases[i].name, bad_cases[i].code, error_name(bad_cases[i].code),
                bad_cases[i].words);
        free(b.data);
    }
    fclose(manifest);
    printf("wrote %zu bad GGUF files to %s\n", N_BAD, dir);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "--write-bad") == 0)
        return write_bad(argv[2]);
    test_valid();
    test_bad_files();
    test_truncations();
    test_load_data();
    test_types();
    test_hash_probe();
    return check_summary("test_gguf");
}
