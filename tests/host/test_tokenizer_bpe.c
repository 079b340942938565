/* Host tests: the byte-level BPE tokenizer (model/tokenizer_bpe*.c,
 * bpe_pretok.c, unicode_class.c, token_partition.c). For every vocabulary
 * in build/models/bpe (scripts/make-bpe-models.sh) every fixture string of
 * tests/fixtures/tokenizer/bpe_<name>.tsv must give llama.cpp's ids with
 * and without special parsing and BOS/EOS, and llama.cpp's detokenized
 * text; llama.cpp's own test-tokenizer-0 .inp/.out pairs must match too.
 * Then the cases llama.cpp cannot be asked about: code points above
 * U+10FFFF, the streaming decoder, EOG tokens, refusals. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include "check.h"
#include "gguf_builder.h"
#include "host_file_reader.h"
#include "host_heap_shim.h"
#include "host_tokenizer_loader.h"
#include "model/gguf.h"
#include "model/tokenizer.h"
#include "model/tokenizer_bpe.h"

#define MODELS "build/models/bpe"
#define FIXTURES "tests/fixtures/tokenizer"
#define BUNDLE_MODELS "build/llama.cpp-bundle/models"
#define MAX_IDS (1 << 16)

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int unhex(const char *hex, size_t n, char *out)
{
    if (n == 1 && hex[0] == '-')
        return 0;
    int k = 0;
    for (size_t i = 0; i + 1 < n + 1 && i + 2 <= n; i += 2)
        sscanf(hex + i, "%2hhx", (unsigned char *)&out[k++]);
    return k;
}

static int parse_ids(const char *s, size_t n, int32_t *ids)
{
    if (n == 1 && s[0] == '-')
        return 0;
    int k = 0;
    const char *end = s + n;
    while (s < end) {
        ids[k++] = (int32_t)strtol(s, (char **)&s, 10);
        while (s < end && *s == ' ')
            s++;
    }
    return k;
}

static int same_ids(const int32_t *a, int na, const int32_t *b, int nb)
{
    return na == nb && memcmp(a, b, (size_t)na * sizeof(int32_t)) == 0;
}

static void print_mismatch(const char *vocab, const char *what, const char *hex, const int32_t *got, int n)
{
    static int shown;
    if (shown++ > 12)
        return;
    fprintf(stderr, "MISMATCH %s %s text=%.80s got:", vocab, what, hex);
    for (int i = 0; i < n && i < 40; i++)
        fprintf(stderr, " %d", got[i]);
    fprintf(stderr, "\n");
}

/* Splits a tab-separated line into at most max fields (pointers + lengths). */
static int fields(char *line, const char **f, size_t *len, int max)
{
    int n = 0;
    char *p = line;
    while (n < max) {
        char *tab = strchr(p, '\t');
        f[n] = p;
        len[n] = tab ? (size_t)(tab - p) : strcspn(p, "\r\n");
        n++;
        if (!tab)
            break;
        p = tab + 1;
    }
    return n;
}

static int check_fixtures(struct loaded *m, const char *name)
{
    char path[256];
    snprintf(path, sizeof(path), FIXTURES "/bpe_%s.tsv", name);
    FILE *fx = fopen(path, "r");
    CHECK(fx != NULL);
    if (!fx)
        return 0;
    static char line[1 << 20], text[1 << 18], exp_text[1 << 18], out[1 << 18];
    static int32_t ids[MAX_IDS], want[MAX_IDS];
    int cases = 0, ok = 0;
    static const int modes[3][2] = { { 0, 0 }, { 1, 1 }, { 1, 0 } };
    while (fgets(line, sizeof(line), fx)) {
        if (line[0] == '#')
            continue;
        const char *f[7];
        size_t len[7];
        if (fields(line, f, len, 7) != 7) {
            CHECK(0);
            continue;
        }
        int tlen = unhex(f[0], len[0], text);
        int good = 1;
        static int32_t ids11[MAX_IDS];
        int n11 = 0;
        for (int k = 0; k < 3; k++) {
            int nw = parse_ids(f[1 + k], len[1 + k], want);
            int n = tokenizer_encode_special(&m->t, text, (size_t)tlen, modes[k][0], modes[k][1], ids, MAX_IDS);
            if (!same_ids(ids, n, want, nw)) {
                good = 0;
                print_mismatch(name, k == 0 ? "ids(0,0)" : k == 1 ? "ids(1,1)" : "ids(1,0)", line, ids, n);
            }
            if (k == 1) {
                memcpy(ids11, want, (size_t)nw * sizeof(int32_t));
                n11 = nw;
            }
            if (k == 0) {
                /* Decoding llama.cpp's ids gives llama.cpp's text. */
                int e = unhex(f[4], len[4], exp_text);
                int d = tokenizer_decode_special(&m->t, want, (size_t)nw, 0, 0, out, sizeof(out));
                if (d != e || memcmp(out, exp_text, (size_t)e) != 0) {
                    good = 0;
                    print_mismatch(name, "detok(0,0)", line, want, nw);
                }
            }
        }
        static const int dmodes[2][2] = { { 0, 1 }, { 1, 0 } };
        for (int k = 0; k < 2; k++) {
            int e = unhex(f[5 + k], len[5 + k], exp_text);
            int d = tokenizer_decode_special(&m->t, ids11, (size_t)n11, dmodes[k][0], dmodes[k][1], out, sizeof(out));
            if (d != e || memcmp(out, exp_text, (size_t)e) != 0) {
                good = 0;
                print_mismatch(name, k ? "detok(1,0)" : "detok(0,1)", line, ids11, n11);
            }
        }
        cases++;
        ok += good;
    }
    fclose(fx);
    CHECK_EQ_INT(ok, cases);
    CHECK(cases >= 200);
    printf("  %-10s fixtures: %d/%d strings match llama.cpp (3 id sets, 3 detokenizations each)\n", name, ok, cases);
    return cases;
}

/* llama.cpp's tests/test-tokenizer-0 data: .inp strings, .out ids
 * (add_special and parse_special off). */
static void check_inp_out(struct loaded *m, const char *name)
{
    /* The npm vocabularies are the same vocabularies as three of llama.cpp's. */
    const char *vocab = name;
    static const char *const same[][2] = { { "llama3", "llama-bpe" }, { "qwen3", "qwen2" }, { "gpt2-encoder", "gpt-2" } };
    for (size_t i = 0; i < sizeof(same) / sizeof(same[0]); i++)
        if (strcmp(name, same[i][0]) == 0)
            name = same[i][1];
    char pin[256], pout[256];
    snprintf(pin, sizeof(pin), BUNDLE_MODELS "/ggml-vocab-%s.gguf.inp", name);
    snprintf(pout, sizeof(pout), BUNDLE_MODELS "/ggml-vocab-%s.gguf.out", name);
    FILE *fi = fopen(pin, "rb"), *fo = fopen(pout, "r");
    if (!fi || !fo) {
        if (fi)
            fclose(fi);
        if (fo)
            fclose(fo);
        printf("  %-10s test-tokenizer-0: no .inp/.out in the bundle\n", vocab);
        return;
    }
    static char inp[1 << 16], line[1 << 16];
    static int32_t ids[MAX_IDS], want[MAX_IDS];
    size_t n = fread(inp, 1, sizeof(inp) - 1, fi);
    inp[n] = 0;
    static const char sep[] = "\n__ggml_vocab_test__\n";
    int cases = 0, ok = 0;
    for (char *p = inp; *p || p < inp + n;) {
        char *e = strstr(p, sep);
        if (!e)
            break;
        if (!fgets(line, sizeof(line), fo))
            break;
        int nw = parse_ids(line + (line[0] == ' '), strcspn(line + (line[0] == ' '), "\r\n"), want);
        if (strcspn(line, "\r\n") == 0)
            nw = 0;
        int k = tokenizer_encode_special(&m->t, p, (size_t)(e - p), 0, 0, ids, MAX_IDS);
        cases++;
        if (same_ids(ids, k, want, nw))
            ok++;
        else
            print_mismatch(name, ".inp/.out", p, ids, k);
        p = e + strlen(sep);
    }
    fclose(fi);
    fclose(fo);
    CHECK_EQ_INT(ok, cases);
    CHECK(cases > 20);
    printf("  %-10s test-tokenizer-0 (%s): %d/%d strings\n", vocab, name, ok, cases);
}

/* What loading a vocabulary allocates stays within
 * tokenizer_memory_estimate, the figure loadmodel's fit check counts (issue
 * 8: a model that passes the check never fails later with ENOMEM). */
static void check_memory_estimate(const char *path, const char *name)
{
    FILE *fp = fopen(path, "rb");
    CHECK(fp != NULL);
    if (!fp)
        return;
    fseek(fp, 0, SEEK_END);
    struct gguf_reader r;
    struct gguf_file f;
    struct gguf_error err;
    gguf_reader_init(&r, file_read, fp, (uint64_t)ftell(fp), GGUF_READAHEAD_DEFAULT);
    CHECK_EQ_INT(gguf_parse(&r, &f, &err), 0);
    size_t before = host_heap_live;
    host_heap_peak = host_heap_live;
    struct tokenizer t;
    CHECK_EQ_INT(tokenizer_load(&t, &f, &r, &err), 0);
    uint64_t peak = host_heap_peak - before, estimate = tokenizer_memory_estimate(&f);
    printf("  %-12s tokenizer memory: %.2f MB at peak, estimate %.2f MB\n", name, peak / 1048576.0,
           estimate / 1048576.0);
    CHECK(peak <= estimate);
    CHECK(estimate < 3 * peak);            /* an upper bound, not a wild one */
    tokenizer_free(&t);
    gguf_free(&f);
    gguf_reader_free(&r);
    fclose(fp);
}

static void test_vocabularies(void)
{
    DIR *d = opendir(MODELS);
    CHECK(d != NULL);
    if (!d) {
        fprintf(stderr, "missing %s: run scripts/make-bpe-models.sh\n", MODELS);
        return;
    }
    char names[32][64];
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) && n < 32) {
        size_t l = strlen(e->d_name);
        if (l > 5 && strcmp(e->d_name + l - 5, ".gguf") == 0)
            snprintf(names[n++], sizeof(names[0]), "%.*s", (int)(l - 5), e->d_name);
    }
    closedir(d);
    CHECK(n >= 12);
    for (int i = 0; i < n; i++) {
        char path[256];
        snprintf(path, sizeof(path), MODELS "/%s.gguf", names[i]);
        struct loaded m;
        struct gguf_error err;
        double t0 = now();
        int rc = load_path(&m, path, &err);
        double ms = (now() - t0) * 1000;
        CHECK_EQ_INT(rc, 0);
        if (rc < 0) {
            fprintf(stderr, "%s: %s\n", path, err.message);
            unload(&m);
            continue;
        }
        printf("%s: %u tokens, %u merges (%u dropped), pre '%s'%s, %.1f ms (host), tables %.1f MB\n", names[i],
               m.t.n_tokens, m.t.bpe->n_merges, m.t.bpe->merges_dropped, m.t.bpe->pre_name,
               m.t.bpe->missing_pre ? " (missing: default)" : "", ms, m.t.bpe->table_bytes / 1048576.0);
        check_fixtures(&m, names[i]);
        check_inp_out(&m, names[i]);
        unload(&m);
        check_memory_estimate(path, names[i]);
    }
}

/* Behaviour on one vocabulary that needs no reference run. */
static void test_llama3_details(void)
{
    struct loaded m;
    struct gguf_error err;
    if (load_path(&m, MODELS "/llama-bpe.gguf", &err) < 0) {
        CHECK(0);
        unload(&m);
        return;
    }
    static int32_t ids[64];
    /* Above U+10FFFF: llama.cpp throws out of llama_tokenize; a clear error here. */
    CHECK_EQ_INT(tokenizer_encode_special(&m.t, "a\xF4\x90\x80\x80", 5, 0, 0, ids, 64), -ETOK_TEXT);
    CHECK_EQ_INT(tokenizer_encode_special(&m.t, "\xF5\x80\x80\x80", 4, 1, 1, ids, 64), -ETOK_TEXT);
    /* EOG by text. */
    int32_t eot = tokenizer_lookup(&m.t, "<|eot_id|>", 10), eom = tokenizer_lookup(&m.t, "<|eom_id|>", 10);
    int32_t eos = tokenizer_lookup(&m.t, "<|end_of_text|>", 15);
    CHECK(eot >= 0 && tokenizer_is_eog(&m.t, eot));
    CHECK(eom < 0 || tokenizer_is_eog(&m.t, eom));   /* Llama 3.0 has no <|eom_id|> */
    CHECK(eos >= 0 && tokenizer_is_eog(&m.t, eos));
    CHECK(!tokenizer_is_eog(&m.t, m.t.bos));
    CHECK(!tokenizer_is_eog(&m.t, 1000));
    /* Streaming: 😀 is two tokens in Llama 3; nothing comes out until both. */
    int n = tokenizer_encode_special(&m.t, "\xF0\x9F\x98\x80!", 5, 0, 0, ids, 64);
    CHECK(n >= 2);
    struct tokenizer_stream s = { 0 };
    char out[TOKENIZER_MAX_PIECE + 8], all[64];
    size_t total = 0;
    int first = tokenizer_stream_push(&m.t, &s, ids[0], 0, out, sizeof(out));
    CHECK_EQ_INT(first, 0);
    CHECK(s.n > 0);
    for (int i = 1; i < n; i++) {
        int k = tokenizer_stream_push(&m.t, &s, ids[i], 0, out, sizeof(out));
        CHECK(k >= 0);
        memcpy(all + total, out, (size_t)k);
        total += (size_t)k;
    }
    total += (size_t)tokenizer_stream_flush(&s, all + total, sizeof(all) - total);
    CHECK(total == 5 && memcmp(all, "\xF0\x9F\x98\x80!", 5) == 0);
    /* A stream ending mid-character gives the bytes at flush. */
    s.n = 0;
    CHECK_EQ_INT(tokenizer_stream_push(&m.t, &s, ids[0], 0, out, sizeof(out)), 0);
    CHECK_EQ_INT(tokenizer_stream_flush(&s, out, sizeof(out)), 3);
    /* Out-of-range ids. */
    CHECK_EQ_INT(tokenizer_decode_special(&m.t, (int32_t[]){ -1 }, 1, 0, 0, out, sizeof(out)), -ERANGE);
    CHECK_EQ_INT(tokenizer_decode_special(&m.t, (int32_t[]){ (int32_t)m.t.n_tokens }, 1, 0, 0, out, sizeof(out)),
                 -ERANGE);
    /* Too small an output buffer. */
    CHECK_EQ_INT(tokenizer_encode_special(&m.t, "hello world", 11, 1, 0, ids, 1), -ENOSPC);
    unload(&m);
}

/* The byte map is a bijection onto 256 code points below U+0144. */
static void test_byte_map(void)
{
    int seen[0x144] = { 0 }, ok = 1;
    for (int b = 0; b < 256; b++) {
        uint32_t cp = bpe_cp_of_byte((uint8_t)b);
        ok &= cp < 0x144 && !seen[cp] && bpe_byte_of_cp(cp) == b;
        if (cp < 0x144)
            seen[cp] = 1;
    }
    CHECK(ok);
    CHECK_EQ_INT(bpe_cp_of_byte(' '), 0x120);
    CHECK_EQ_INT(bpe_cp_of_byte('\n'), 0x10A);
    CHECK_EQ_INT(bpe_cp_of_byte(0xAD), 0x143);
    CHECK_EQ_INT(bpe_byte_of_cp(0x144), -1);
}

/* A hand-made vocabulary: stand-ins "a" "b" "c" "Ġ" (space), merges
 * a+b, ab+c, Ġ+a, one merge of non-tokens and one repeated pair (both
 * dropped), a CONTROL and a USER_DEFINED token, an empty token. */
enum { SMALL_DUP_TEXT = 1, SMALL_NO_MERGES = 2, SMALL_BOS = 4 };

static void build_small(struct gbuf *b, const char *pre, int flags)
{
    static const char *toks[] = { "a", "b", "c", "\xC4\xA0", "ab", "abc", "\xC4\xA0" "a", "<|x|>", "<u>", "", "q" };
    static const int types[] = { 1, 1, 1, 1, 1, 1, 1, 3, 4, 1, 1 };
    static const char *merges[] = { "a b", "ab c", "\xC4\xA0 a", "q z", "a b" };
    uint64_t n = sizeof(toks) / sizeof(toks[0]), nm = sizeof(merges) / sizeof(merges[0]);
    gb_header(b, 3, 0, 4 + (pre != NULL) + !(flags & SMALL_NO_MERGES) + ((flags & SMALL_BOS) ? 2 : 0));
    gb_kv_str(b, "tokenizer.ggml.model", "gpt2");
    if (pre)
        gb_kv_str(b, "tokenizer.ggml.pre", pre);
    gb_str(b, "tokenizer.ggml.tokens"); gb_u32(b, 9); gb_u32(b, 8); gb_u64(b, n);
    for (uint64_t i = 0; i < n; i++)
        gb_str(b, (flags & SMALL_DUP_TEXT) && i == n - 1 ? "a" : toks[i]);
    gb_str(b, "tokenizer.ggml.token_type"); gb_u32(b, 9); gb_u32(b, 5); gb_u64(b, n);
    for (uint64_t i = 0; i < n; i++)
        gb_u32(b, (uint32_t)types[i]);
    if (!(flags & SMALL_NO_MERGES)) {
        gb_str(b, "tokenizer.ggml.merges"); gb_u32(b, 9); gb_u32(b, 8); gb_u64(b, nm);
        for (uint64_t i = 0; i < nm; i++)
            gb_str(b, merges[i]);
    }
    gb_kv_u32(b, "tokenizer.ggml.eos_token_id", 99);     /* out of range: the default (11 -> none) */
    if (flags & SMALL_BOS) {
        gb_kv_u32(b, "tokenizer.ggml.bos_token_id", 7);
        gb_str(b, "tokenizer.ggml.add_bos_token"); gb_u32(b, 7); gb_u8(b, 1);
    }
}

static int load_small(struct loaded *m, const char *pre, int flags, struct gguf_error *err, struct gbuf *g)
{
    memset(g, 0, sizeof(*g));
    build_small(g, pre, flags);
    static struct mem_source src;
    src = (struct mem_source){ g->data, g->len };
    return load(m, mem_read, &src, g->len, err);
}

static void test_small_vocab(void)
{
    struct loaded m;
    struct gguf_error err;
    struct gbuf g;
    int32_t ids[32];
    char out[64];

    CHECK_EQ_INT(load_small(&m, "bogus", 0, &err, &g), -ETOK_UNSUPPORTED);
    CHECK(strstr(err.message, "unknown pre-tokenizer type: 'bogus'") != NULL);
    unload(&m);
    free(g.data);
    CHECK_EQ_INT(load_small(&m, "falcon", 0, &err, &g), -ETOK_UNSUPPORTED);
    CHECK(strstr(err.message, "pre-tokenizer type 'falcon' is not supported") != NULL);
    unload(&m);
    free(g.data);
    CHECK_EQ_INT(load_small(&m, "gpt-2", SMALL_NO_MERGES, &err, &g), -ETOK_VOCAB);
    CHECK(strstr(err.message, "merges") != NULL);
    unload(&m);
    free(g.data);
    CHECK_EQ_INT(load_small(&m, "gpt-2", SMALL_DUP_TEXT, &err, &g), -ETOK_VOCAB);
    CHECK(strstr(err.message, "same text") != NULL);
    unload(&m);
    free(g.data);

    /* No pre-type: 'default', flagged for the warning; gpt2 defaults bos = eos = 11, out of range here. */
    CHECK_EQ_INT(load_small(&m, NULL, 0, &err, &g), 0);
    CHECK(m.t.bpe && m.t.bpe->missing_pre && m.t.bpe->pre == BPE_PRE_DEFAULT);
    CHECK(m.t.bos == -1 && m.t.eos == -1 && !m.t.add_bos && !m.t.add_eos);
    unload(&m);
    free(g.data);

    CHECK_EQ_INT(load_small(&m, "gpt-2", SMALL_BOS, &err, &g), 0);
    CHECK_EQ_INT(m.t.bpe->n_merges, 3);
    CHECK_EQ_INT(m.t.bpe->merges_dropped, 2);
    CHECK(m.t.bos == 7 && m.t.add_bos);
    uint32_t len;
    const char *empty = tokenizer_text(&m.t, 9, &len);
    CHECK(len == 9 && memcmp(empty, "[EMPTY_9]", 9) == 0);
    /* "abc ab": pieces "abc" and " ab"; in "Ġab" a+b (rank 0) wins over
     * Ġ+a (rank 2), and Ġ+ab is no merge: abc | Ġ ab. */
    CHECK_EQ_INT(tokenizer_encode_special(&m.t, "abc ab", 6, 0, 0, ids, 32), 3);
    CHECK(ids[0] == 5 && ids[1] == 3 && ids[2] == 4);
    /* " a" alone: Ġ+a. */
    CHECK_EQ_INT(tokenizer_encode_special(&m.t, " a", 2, 0, 0, ids, 32), 1);
    CHECK_EQ_INT(ids[0], 6);
    /* USER_DEFINED text is split out always, CONTROL only with special parsing; BOS with add_special. */
    CHECK_EQ_INT(tokenizer_encode_special(&m.t, "<u>a", 4, 1, 0, ids, 32), 3);
    CHECK(ids[0] == 7 && ids[1] == 8 && ids[2] == 0);
    int n = tokenizer_encode_special(&m.t, "a<|x|>", 6, 0, 1, ids, 32);
    CHECK(n == 2 && ids[0] == 0 && ids[1] == 7);
    /* Decoding: the CONTROL token prints only with --special. */
    CHECK_EQ_INT(tokenizer_decode_special(&m.t, ids, 2, 0, 0, out, sizeof(out)), 1);
    CHECK_EQ_INT(tokenizer_decode_special(&m.t, ids, 2, 0, 1, out, sizeof(out)), 6);
    CHECK(memcmp(out, "a<|x|>", 6) == 0);
    /* remove_special drops the leading BOS the model adds. */
    int32_t bos_a[2] = { 7, 0 };
    CHECK_EQ_INT(tokenizer_decode_special(&m.t, bos_a, 2, 1, 1, out, sizeof(out)), 1);
    unload(&m);
    free(g.data);
}

int main(void)
{
    test_byte_map();
    test_small_vocab();
    test_vocabularies();
    test_llama3_details();
    return check_summary("test_tokenizer_bpe");
}
