/* Host tests: model/tokenizer*.c. A hand-built vocabulary checks merging,
 * byte fallback and the unsupported-model path; then LLaMA's real 32000-
 * piece vocabulary (in the GGUF that scripts/mkmodel.py writes) must give
 * exactly llama.cpp's ids for every fixture string, and decode them back. */
#include <stdio.h>
#include <time.h>
#include "check.h"
#include "gguf_builder.h"
#include "host_file_reader.h"
#include "host_heap_shim.h"
#include "model/gguf.h"
#include "model/tokenizer.h"

#define DEFAULT_MODEL "build/models/vocab-only.gguf"
#define DEFAULT_FIXTURES "tests/fixtures/tokenizer/llama_spm.tsv"
/* LLaMA's vocabulary plus user-defined tokens and add_eos_token (issue 8). */
#define SPECIAL_MODEL "build/models/vocab-special.gguf"
#define SPECIAL_FIXTURES "tests/fixtures/tokenizer/llama_spm_special.tsv"

struct loaded {
    struct gguf_file f;
    struct tokenizer t;
    struct gguf_reader r;
};

static int load(struct loaded *m, gguf_read_fn fn, void *ctx, uint64_t size, struct gguf_error *err)
{
    gguf_reader_init(&m->r, fn, ctx, size, GGUF_READAHEAD_DEFAULT);
    int rc = gguf_parse(&m->r, &m->f, err);
    if (rc == 0)
        rc = tokenizer_load(&m->t, &m->f, &m->r, err);
    return rc;
}

static void unload(struct loaded *m)
{
    tokenizer_free(&m->t);
    gguf_free(&m->f);
    gguf_reader_free(&m->r);
}

/* A tiny vocabulary: bytes, pieces with chosen scores. */
static void build_small(struct gbuf *b, const char *model)
{
    static const char *pieces[] = { "<unk>", "<s>", "</s>", "<0x41>", "<0x0A>", "\xE2\x96\x81", "a", "b", "c",
                                    "ab", "bc", "\xE2\x96\x81" "a", "abc", "\xE2\x96\x81" "abc" };
    static const float scores[] = { 0, 0, 0, 0, 0, -1, -2, -2, -2, -3, -1, -5, -4, -6 };
    static const int types[] = { 2, 3, 3, 6, 6, 1, 1, 1, 1, 1, 1, 1, 1, 1 };
    const uint64_t n = sizeof(pieces) / sizeof(pieces[0]);
    gb_header(b, 3, 0, 4);
    gb_kv_str(b, "tokenizer.ggml.model", model);
    gb_str(b, "tokenizer.ggml.tokens"); gb_u32(b, 9); gb_u32(b, 8); gb_u64(b, n);
    for (uint64_t i = 0; i < n; i++)
        gb_str(b, pieces[i]);
    gb_str(b, "tokenizer.ggml.scores"); gb_u32(b, 9); gb_u32(b, 6); gb_u64(b, n);
    for (uint64_t i = 0; i < n; i++)
        gb_f32(b, scores[i]);
    gb_str(b, "tokenizer.ggml.token_type"); gb_u32(b, 9); gb_u32(b, 5); gb_u64(b, n);
    for (uint64_t i = 0; i < n; i++)
        gb_u32(b, (uint32_t)types[i]);
}

static int encode(const struct tokenizer *t, const char *s, int bos, int32_t *ids)
{
    return tokenizer_encode(t, s, strlen(s), bos, ids, 64);
}

static void test_small_vocab(void)
{
    struct gbuf b = { 0 };
    build_small(&b, "llama");
    struct mem_source src = { b.data, b.len };
    struct loaded m;
    struct gguf_error err;
    CHECK_EQ_INT(load(&m, mem_read, &src, b.len, &err), 0);
    int32_t ids[64];
    /* "▁abc": bigrams ▁a(-5) ab(-3) bc(-1): bc first, then ▁a... ab no longer
     * possible, a+bc="abc"(-4) vs ▁+a="▁a"(-5): abc wins, then ▁abc(-6). */
    CHECK_EQ_INT(encode(&m.t, "abc", 1, ids), 2);
    CHECK(ids[0] == 1 && ids[1] == 13);
    CHECK_EQ_INT(encode(&m.t, "c", 0, ids), 2);                /* ▁ c */
    CHECK(ids[0] == 5 && ids[1] == 8);
    /* "A\n": A and \n are not pieces: byte fallback to <0x41>, <0x0A>. */
    CHECK_EQ_INT(encode(&m.t, "A\n", 0, ids), 3);
    CHECK(ids[0] == 5 && ids[1] == 3 && ids[2] == 4);
    /* "Z" has no piece and no byte token: unknown. */
    CHECK_EQ_INT(encode(&m.t, "Z", 0, ids), 2);
    CHECK(ids[1] == 0);
    CHECK_EQ_INT(encode(&m.t, "", 1, ids), 1);                 /* empty: just BOS */
    CHECK_EQ_INT(tokenizer_encode(&m.t, "abcabcabc", 9, 1, ids, 2), -ENOSPC);
    char out[64];
    int32_t seq[] = { 13, 3, 4, 0 };
    int n = tokenizer_decode(&m.t, seq, 4, out, sizeof(out));
    CHECK_EQ_INT(n, 5);        /* "▁abc" loses its prefix space; <unk> prints nothing, as in llama.cpp */
    out[n > 0 ? n : 0] = 0;
    CHECK_EQ_STR(out, "abcA\n");
    CHECK_EQ_INT(tokenizer_piece(&m.t, 99, out, sizeof(out)), -ERANGE);
    unload(&m);
    free(b.data);

    struct gbuf g = { 0 };
    build_small(&g, "gpt2");
    struct mem_source src2 = { g.data, g.len };
    CHECK_EQ_INT(load(&m, mem_read, &src2, g.len, &err), -ETOK_UNSUPPORTED);
    CHECK(strstr(err.message, "'gpt2' is not supported") != NULL);
    unload(&m);
    free(g.data);
}

/* Without a <0xXX> piece, byte fallback uses the one-byte piece if there is
 * one (llama.cpp's byte_to_token), else the unknown token. */
static void test_raw_byte_fallback(void)
{
    static const char *pieces[] = { "<unk>", "<s>", "</s>", "\xE2\x96\x81", "\xC3" };
    static const int types[] = { 2, 3, 3, 1, 1 };
    const uint64_t n = sizeof(pieces) / sizeof(pieces[0]);
    struct gbuf b = { 0 };
    gb_header(&b, 3, 0, 3);
    gb_kv_str(&b, "tokenizer.ggml.model", "llama");
    gb_str(&b, "tokenizer.ggml.tokens"); gb_u32(&b, 9); gb_u32(&b, 8); gb_u64(&b, n);
    for (uint64_t i = 0; i < n; i++)
        gb_str(&b, pieces[i]);
    gb_str(&b, "tokenizer.ggml.token_type"); gb_u32(&b, 9); gb_u32(&b, 5); gb_u64(&b, n);
    for (uint64_t i = 0; i < n; i++)
        gb_u32(&b, (uint32_t)types[i]);
    struct mem_source src = { b.data, b.len };
    struct loaded m;
    struct gguf_error err;
    CHECK_EQ_INT(load(&m, mem_read, &src, b.len, &err), 0);
    int32_t ids[8];
    CHECK_EQ_INT(encode(&m.t, "\xC3\xA9", 0, ids), 3);          /* ▁, then é as bytes C3 A9 */
    CHECK(ids[0] == 3 && ids[1] == 4 && ids[2] == 0);
    unload(&m);
    free(b.data);
}

/* A vocabulary from pieces and types (scores: minus the index), with
 * optional add_bos / add_eos flags (-1: key absent) and no special ids
 * unless with_ids. */
static void build_vocab(struct gbuf *b, const char *const *pieces, const int *types, uint64_t n, int add_bos,
                        int add_eos, int with_ids)
{
    gb_header(b, 3, 0, 4 + (add_bos >= 0) + (add_eos >= 0) + 3 * with_ids);
    gb_kv_str(b, "tokenizer.ggml.model", "llama");
    gb_str(b, "tokenizer.ggml.tokens"); gb_u32(b, 9); gb_u32(b, 8); gb_u64(b, n);
    for (uint64_t i = 0; i < n; i++)
        gb_str(b, pieces[i]);
    gb_str(b, "tokenizer.ggml.scores"); gb_u32(b, 9); gb_u32(b, 6); gb_u64(b, n);
    for (uint64_t i = 0; i < n; i++)
        gb_f32(b, -(float)i);
    gb_str(b, "tokenizer.ggml.token_type"); gb_u32(b, 9); gb_u32(b, 5); gb_u64(b, n);
    for (uint64_t i = 0; i < n; i++)
        gb_u32(b, (uint32_t)types[i]);
    if (add_bos >= 0) {
        gb_str(b, "tokenizer.ggml.add_bos_token"); gb_u32(b, 7); gb_u8(b, (uint8_t)add_bos);
    }
    if (add_eos >= 0) {
        gb_str(b, "tokenizer.ggml.add_eos_token"); gb_u32(b, 7); gb_u8(b, (uint8_t)add_eos);
    }
    if (with_ids) {
        gb_kv_u32(b, "tokenizer.ggml.bos_token_id", 1);
        gb_kv_u32(b, "tokenizer.ggml.eos_token_id", 2);
        gb_kv_u32(b, "tokenizer.ggml.unknown_token_id", 0);
    }
}

static int ids_are(const int32_t *ids, int n, const int32_t *want, int n_want)
{
    if (n != n_want) {
        fprintf(stderr, "got %d ids, want %d:", n, n_want);
        for (int i = 0; i < n && i < 32; i++)
            fprintf(stderr, " %d", ids[i]);
        fprintf(stderr, "\n");
        return 0;
    }
    return memcmp(ids, want, (size_t)n * sizeof(*ids)) == 0;
}
#define IDS_ARE(ids, n, ...) ids_are(ids, n, (const int32_t[]){ __VA_ARGS__ }, \
                                      (int)(sizeof((const int32_t[]){ __VA_ARGS__ }) / sizeof(int32_t)))

/* Issue 8: a vocabulary of one token and no bos_token_id made `tokenize a`
 * emit BOS id 1 (out of range). Fallback special ids are in range or
 * absent, and every id the encoder gives is in range. */
static void test_one_token_vocab(void)
{
    static const char *const pieces[] = { "x" };
    static const int types[] = { 1 };
    struct gbuf b = { 0 };
    build_vocab(&b, pieces, types, 1, -1, -1, 0);
    struct mem_source src = { b.data, b.len };
    struct loaded m;
    struct gguf_error err;
    CHECK_EQ_INT(load(&m, mem_read, &src, b.len, &err), 0);
    CHECK_EQ_INT(m.t.bos, -1);        /* the SPM default 1 does not exist */
    CHECK_EQ_INT(m.t.eos, -1);
    CHECK_EQ_INT(m.t.unk, 0);
    int32_t ids[16];
    int n = encode(&m.t, "a", 1, ids);
    CHECK(n > 0);
    for (int i = 0; i < n; i++)
        CHECK(ids[i] >= 0 && (uint32_t)ids[i] < m.t.n_tokens);
    CHECK(IDS_ARE(ids, n, 0, 0, 0, 0));  /* "▁a": no piece, no byte tokens: unknown for each byte */
    CHECK_EQ_INT(encode(&m.t, "", 1, ids), 0);      /* no BOS to add */
    uint32_t len = 77;
    CHECK(tokenizer_text(&m.t, 1, &len) == NULL && len == 77);   /* a bad id has no text */
    unload(&m);
    free(b.data);
}

/* add_bos_token / add_eos_token are honoured (add_special), and user-
 * defined tokens are split out before encoding, as llama.cpp does. */
static void test_special_flags_and_user_tokens(void)
{
    static const char *const pieces[] = { "<unk>", "<s>", "</s>", "\xE2\x96\x81", "a", "b",
                                          "\xE2\x96\x81" "a", "ab", "<|user|>", "bab", "<0x3C>" };
    static const int types[] = { 2, 3, 3, 1, 1, 1, 1, 1, 4, 4, 6 };
    struct gbuf b = { 0 };
    build_vocab(&b, pieces, types, 11, 0, 1, 1);
    struct mem_source src = { b.data, b.len };
    struct loaded m;
    struct gguf_error err;
    CHECK_EQ_INT(load(&m, mem_read, &src, b.len, &err), 0);
    CHECK(!m.t.add_bos && m.t.add_eos);
    CHECK_EQ_INT(m.t.n_user, 2);
    CHECK_EQ_INT(m.t.user_tokens[0], 8);    /* longest first */
    int32_t ids[32];
    /* No BOS (add_bos_token false), EOS at the end (add_eos_token true). */
    CHECK(IDS_ARE(ids, encode(&m.t, "a", 1, ids), 6, 2));
    CHECK(IDS_ARE(ids, encode(&m.t, "a", 0, ids), 6));
    /* "<|user|>" is one token wherever it is; the text after it gets the
     * space prefix again (llama.cpp: is_prev_special). */
    CHECK(IDS_ARE(ids, encode(&m.t, "a<|user|>a", 0, ids), 6, 8, 6));
    CHECK(IDS_ARE(ids, encode(&m.t, "<|user|>", 0, ids), 8));
    /* "bab" is user-defined: split out even inside a word; "ab" is not. */
    CHECK(IDS_ARE(ids, encode(&m.t, "abab", 0, ids), 6, 9));
    CHECK(IDS_ARE(ids, encode(&m.t, "ab", 0, ids), 6, 5));     /* ▁a (-6) beats ab (-7) */
    /* Not quite the token: plain text, '<' by byte fallback. */
    CHECK(IDS_ARE(ids, encode(&m.t, "<|user", 0, ids), 3, 10, 0, 0, 0, 0, 0));
    char out[64];
    int d = tokenizer_decode(&m.t, (const int32_t[]){ 6, 8, 6 }, 3, out, sizeof(out));
    CHECK(d == 11 && memcmp(out, "a<|user|> a", 11) == 0);
    unload(&m);
    free(b.data);
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int unhex(const char *hex, char *out)
{
    if (strcmp(hex, "-") == 0)
        return 0;
    int n = 0;
    for (; hex[0] && hex[1]; hex += 2)
        sscanf(hex, "%2hhx", (unsigned char *)&out[n++]);
    return n;
}

/* Every fixture string must give exactly llama.cpp's ids (llama_tokenize
 * with add_special as the fixture says) and decode back. */
static void test_llama_fixtures(const char *model, const char *fixtures, uint32_t n_tokens, int special)
{
    FILE *mf = fopen(model, "rb");
    FILE *fx = fopen(fixtures, "r");
    CHECK(mf != NULL);
    CHECK(fx != NULL);
    if (!mf || !fx) {
        fprintf(stderr, "missing %s or %s: run scripts/make-models.sh\n", model, fixtures);
        return;
    }
    fseek(mf, 0, SEEK_END);
    uint64_t size = (uint64_t)ftell(mf);
    struct loaded m;
    struct gguf_error err;
    /* What loading allocates stays within tokenizer_memory_estimate, the
     * figure loadmodel's fit check counts. */
    struct gguf_reader pr;
    struct gguf_file pf;
    gguf_reader_init(&pr, file_read, mf, size, GGUF_READAHEAD_DEFAULT);
    CHECK_EQ_INT(gguf_parse(&pr, &pf, &err), 0);
    size_t before = host_heap_live;
    host_heap_peak = host_heap_live;
    struct tokenizer pt;
    CHECK_EQ_INT(tokenizer_load(&pt, &pf, &pr, &err), 0);
    uint64_t estimate = tokenizer_memory_estimate(&pf);
    printf("tokenizer: loading took %zu bytes at peak, estimate %lu\n", host_heap_peak - before,
           (unsigned long)estimate);
    CHECK(host_heap_peak - before <= estimate);
    CHECK(estimate < 2 * (host_heap_peak - before));       /* and not wildly more */
    tokenizer_free(&pt);
    gguf_free(&pf);
    gguf_reader_free(&pr);
    double t0 = now();
    int rc = load(&m, file_read, mf, size, &err);
    double ms = (now() - t0) * 1000;
    CHECK_EQ_INT(rc, 0);
    CHECK_EQ_INT(m.t.n_tokens, n_tokens);
    CHECK(m.t.bos == 1 && m.t.eos == 2 && m.t.unk == 0 && m.t.add_space_prefix && m.t.add_bos);
    CHECK_EQ_INT(m.t.add_eos, special);
    CHECK_EQ_INT(m.t.n_user, special ? n_tokens - 32000 : 0);
    printf("tokenizer: parsed %s and built %u pieces in %.1f ms (host)\n", model, n_tokens, ms);

    static char line[16384], text[8192], decoded[8192];
    static int32_t ids[4096];
    int cases = 0, matched = 0, roundtrip = 0, with_user = 0;
    while (fgets(line, sizeof(line), fx)) {
        if (line[0] == '#')
            continue;
        char *hex = strtok(line, "\t"), *bos = strtok(NULL, "\t"), *want = strtok(NULL, "\n");
        int len = unhex(hex, text);
        int n = tokenizer_encode(&m.t, text, (size_t)len, atoi(bos), ids, 4096);
        char got[16384] = "";
        for (int i = 0, o = 0; i < n; i++)
            o += snprintf(got + o, sizeof(got) - (size_t)o, i ? " %d" : "%d", ids[i]);
        cases++;
        if (strcmp(got, want ? want : "") == 0)
            matched++;
        else
            fprintf(stderr, "MISMATCH text %s bos %s\n  want %s\n  got  %s\n", hex, bos, want ? want : "", got);
        /* Decoding without BOS gives the text back (llama.cpp drops the prefix space). */
        n = tokenizer_encode(&m.t, text, (size_t)len, 0, ids, 4096);
        int d = tokenizer_decode(&m.t, ids, (size_t)n, decoded, sizeof(decoded));
        /* Text after a user-defined token gets the space prefix again (as
         * in llama.cpp), so it decodes with one more space: not counted. */
        int user = 0;
        for (int i = 0; i < n; i++)
            user |= m.t.type[ids[i]] == TOKEN_USER_DEFINED;
        if (user)
            with_user++;
        else if (d == len && memcmp(decoded, text, (size_t)len) == 0)
            roundtrip++;
        else
            fprintf(stderr, "ROUNDTRIP text %s: got %d bytes\n", hex, d);
    }
    printf("tokenizer: %d of %d fixture strings of %s match llama.cpp; %d of the %d without user-defined tokens "
           "decode back exactly\n", matched, cases, fixtures, roundtrip, cases - with_user);
    CHECK(cases >= 50);
    CHECK_EQ_INT(matched, cases);
    CHECK_EQ_INT(roundtrip, cases - with_user);
    CHECK(special ? with_user >= 15 : with_user == 0);
    if (special) {
        unload(&m);
        fclose(mf);
        fclose(fx);
        return;
    }
    /* Decoding as llama.cpp's detokenize without special tokens (expected
     * texts from node-llama-cpp 3.22.1's model.detokenize(ids, false)). */
    static const struct { int32_t ids[3]; size_t n; const char *text; } detok[] = {
        { { 0 }, 1, "" },                       { { 1, 9038, 2501 }, 3, " Once upon" },
        { { 9038, 2501 }, 2, "Once upon" },     { { 0, 9038 }, 2, " Once" },
        { { 2, 29871, 13 }, 3, " \n" },         { { 29871, 9038 }, 2, " Once" },
        { { 13, 9038 }, 2, "\n Once" },         { { 1, 1, 9038 }, 3, " Once" },
    };
    for (size_t i = 0; i < sizeof(detok) / sizeof(detok[0]); i++) {
        int d = tokenizer_decode(&m.t, detok[i].ids, detok[i].n, decoded, sizeof(decoded) - 1);
        decoded[d > 0 ? d : 0] = 0;
        CHECK_EQ_STR(decoded, detok[i].text);
    }
    CHECK_EQ_INT(roundtrip, cases);
    unload(&m);
    fclose(mf);
    fclose(fx);
}

int main(void)
{
    test_small_vocab();
    test_raw_byte_fallback();
    test_one_token_vocab();
    test_special_flags_and_user_tokens();
    const char *model = getenv("EMBODIOS_TEST_MODEL") ? getenv("EMBODIOS_TEST_MODEL") : DEFAULT_MODEL;
    test_llama_fixtures(model, DEFAULT_FIXTURES, 32000, 0);
    test_llama_fixtures(SPECIAL_MODEL, SPECIAL_FIXTURES, 32005, 1);
    return check_summary("test_tokenizer");
}
