/* Host tests: model/tokenizer*.c. A hand-built vocabulary checks merging,
 * byte fallback and the unsupported-model path; then LLaMA's real 32000-
 * piece vocabulary (in the GGUF that scripts/mkmodel.py writes) must give
 * exactly llama.cpp's ids for every fixture string, and decode them back. */
#include <stdio.h>
#include <time.h>
#include "check.h"
#include "gguf_builder.h"
#include "host_file_reader.h"
#include "model/gguf.h"
#include "model/tokenizer.h"

#define DEFAULT_MODEL "build/models/vocab-only.gguf"
#define DEFAULT_FIXTURES "tests/fixtures/tokenizer/llama_spm.tsv"

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
    build_small(&g, "bert");
    struct mem_source src2 = { g.data, g.len };
    CHECK_EQ_INT(load(&m, mem_read, &src2, g.len, &err), -ETOK_UNSUPPORTED);
    CHECK(strstr(err.message, "'bert' is not supported") != NULL);
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

static void test_llama_fixtures(void)
{
    const char *model = getenv("EMBODIOS_TEST_MODEL") ? getenv("EMBODIOS_TEST_MODEL") : DEFAULT_MODEL;
    FILE *mf = fopen(model, "rb");
    FILE *fx = fopen(DEFAULT_FIXTURES, "r");
    CHECK(mf != NULL);
    CHECK(fx != NULL);
    if (!mf || !fx) {
        fprintf(stderr, "missing %s or %s: run scripts/make-models.sh\n", model, DEFAULT_FIXTURES);
        return;
    }
    fseek(mf, 0, SEEK_END);
    uint64_t size = (uint64_t)ftell(mf);
    struct loaded m;
    struct gguf_error err;
    double t0 = now();
    int rc = load(&m, file_read, mf, size, &err);
    double ms = (now() - t0) * 1000;
    CHECK_EQ_INT(rc, 0);
    CHECK_EQ_INT(m.t.n_tokens, 32000);
    CHECK(m.t.bos == 1 && m.t.eos == 2 && m.t.unk == 0 && m.t.add_space_prefix && m.t.add_bos);
    printf("tokenizer: parsed the GGUF and built 32000 pieces in %.1f ms (host)\n", ms);

    static char line[16384], text[8192], decoded[8192];
    static int32_t ids[4096];
    int cases = 0, matched = 0, roundtrip = 0;
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
        if (d == len && memcmp(decoded, text, (size_t)len) == 0)
            roundtrip++;
        else
            fprintf(stderr, "ROUNDTRIP text %s: got %d bytes\n", hex, d);
    }
    printf("tokenizer: %d of %d fixture strings match llama.cpp; %d decode back exactly\n", matched, cases,
           roundtrip);
    CHECK(cases >= 50);
    CHECK_EQ_INT(matched, cases);
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
    test_llama_fixtures();
    return check_summary("test_tokenizer");
}
