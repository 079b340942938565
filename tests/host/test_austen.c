/* Host test of the committed Austen model (issue 11): the file matches the
 * SHA-256 in models/<name>.sha256, the kernel's GGUF reader and tokenizer
 * load it, every tensor has the shape its hyperparameters give (and the
 * hyperparameters are the documented ones), the tensor data loads through
 * model_load_data, and the tokenizer's ids equal llama.cpp's on the fixture
 * texts (tests/fixtures/austen/tokens.tsv, made by llama.cpp from this file).
 * Usage: test_austen [MODEL.gguf] (default: the one models/austen-*.sha256 names). */
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "check.h"
#include "host_file_reader.h"
#include "model/gguf.h"
#include "model/model.h"
#include "model/tokenizer.h"

#define FIXTURES "tests/fixtures/austen/tokens.tsv"

/* ---- SHA-256 (FIPS 180-4), enough for one file ---- */
static const uint32_t K[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};
#define ROR(x, n) (((x) >> (n)) | ((x) << (32 - (n))))

static void sha256_block(uint32_t h[8], const uint8_t *p)
{
    uint32_t w[64], a[8];
    for (int i = 0; i < 16; i++)
        w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 | (uint32_t)p[4 * i + 2] << 8 | p[4 * i + 3];
    for (int i = 16; i < 64; i++) {
        uint32_t s0 = ROR(w[i - 15], 7) ^ ROR(w[i - 15], 18) ^ (w[i - 15] >> 3);
        uint32_t s1 = ROR(w[i - 2], 17) ^ ROR(w[i - 2], 19) ^ (w[i - 2] >> 10);
        w[i] = w[i - 16] + s0 + w[i - 7] + s1;
    }
    memcpy(a, h, sizeof(a));
    for (int i = 0; i < 64; i++) {
        uint32_t t1 = a[7] + (ROR(a[4], 6) ^ ROR(a[4], 11) ^ ROR(a[4], 25)) + ((a[4] & a[5]) ^ (~a[4] & a[6])) + K[i] + w[i];
        uint32_t t2 = (ROR(a[0], 2) ^ ROR(a[0], 13) ^ ROR(a[0], 22)) + ((a[0] & a[1]) ^ (a[0] & a[2]) ^ (a[1] & a[2]));
        memmove(a + 1, a, 7 * sizeof(a[0]));
        a[4] += t1;
        a[0] = t1 + t2;
    }
    for (int i = 0; i < 8; i++)
        h[i] += a[i];
}

static void sha256_hex(const uint8_t *d, uint64_t n, char out[65])
{
    uint32_t h[8] = { 0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19 };
    uint64_t full = n / 64 * 64;
    for (uint64_t i = 0; i < full; i += 64)
        sha256_block(h, d + i);
    uint8_t tail[128] = { 0 };
    uint64_t rest = n - full, len = rest < 56 ? 64 : 128;
    memcpy(tail, d + full, rest);
    tail[rest] = 0x80;
    for (int i = 0; i < 8; i++)
        tail[len - 1 - i] = (uint8_t)((n * 8) >> (8 * i));
    for (uint64_t i = 0; i < len; i += 64)
        sha256_block(h, tail + i);
    for (int i = 0; i < 8; i++)
        sprintf(out + 8 * i, "%08x", h[i]);
}

/* ---- the model ---- */
static uint8_t *slurp(const char *path, uint64_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    *len = (uint64_t)ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *b = malloc(*len + 1);
    if (b && fread(b, 1, *len, f) != *len) {
        free(b);
        b = NULL;
    }
    fclose(f);
    if (b)
        b[*len] = 0;
    return b;
}

static uint64_t get(const struct gguf_file *f, const char *key)
{
    uint64_t v = 0;
    CHECK_EQ_INT(gguf_get_uint(f, key, &v), 0);
    return v;
}

static void check_dims(const struct gguf_file *f, const char *name, uint64_t d0, uint64_t d1)
{
    for (uint64_t i = 0; i < f->n_tensors; i++) {
        const struct gguf_tensor *t = &f->tensors[i];
        if (strcmp(t->name, name) != 0)
            continue;
        CHECK_EQ_INT(t->n_dims, d1 ? 2 : 1);
        CHECK_EQ_INT(t->dims[0], d0);
        if (d1)
            CHECK_EQ_INT(t->dims[1], d1);
        return;
    }
    fprintf(stderr, "FAIL: no tensor %s\n", name);
    check_failed++;
}

static void check_shapes(const struct gguf_file *f, uint64_t vocab)
{
    uint64_t dim = get(f, "llama.embedding_length"), layers = get(f, "llama.block_count");
    uint64_t ffn = get(f, "llama.feed_forward_length"), heads = get(f, "llama.attention.head_count");
    /* The documented model (docs/TRAINING.md). */
    CHECK_EQ_INT(dim, 256);
    CHECK_EQ_INT(layers, 6);
    CHECK_EQ_INT(ffn, 704);
    CHECK_EQ_INT(heads, 4);
    CHECK_EQ_INT(get(f, "llama.attention.head_count_kv"), 4);
    CHECK_EQ_INT(get(f, "llama.context_length"), 256);
    CHECK_EQ_INT(vocab, 4096);
    CHECK_EQ_INT(f->n_tensors, 2 + 9 * layers);   /* classifier tied: no output.weight */
    check_dims(f, "token_embd.weight", dim, vocab);
    check_dims(f, "output_norm.weight", dim, 0);
    char n[64];
    static const char *sq[] = { "attn_q", "attn_k", "attn_v", "attn_output" };
    for (uint64_t l = 0; l < layers; l++) {
        for (int i = 0; i < 4; i++) {
            snprintf(n, sizeof(n), "blk.%lu.%s.weight", (unsigned long)l, sq[i]);
            check_dims(f, n, dim, dim);
        }
        snprintf(n, sizeof(n), "blk.%lu.ffn_gate.weight", (unsigned long)l);
        check_dims(f, n, dim, ffn);
        snprintf(n, sizeof(n), "blk.%lu.ffn_up.weight", (unsigned long)l);
        check_dims(f, n, dim, ffn);
        snprintf(n, sizeof(n), "blk.%lu.ffn_down.weight", (unsigned long)l);
        check_dims(f, n, ffn, dim);
        snprintf(n, sizeof(n), "blk.%lu.attn_norm.weight", (unsigned long)l);
        check_dims(f, n, dim, 0);
        snprintf(n, sizeof(n), "blk.%lu.ffn_norm.weight", (unsigned long)l);
        check_dims(f, n, dim, 0);
    }
}

static int hexval(char c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Lines "hex(text)<TAB>ids" from llama.cpp (scripts/train/gen-fixtures.sh). */
static void check_tokenizer(const struct tokenizer *t)
{
    uint64_t len;
    char *fx = (char *)slurp(FIXTURES, &len);
    CHECK(fx != NULL);
    if (!fx)
        return;
    int cases = 0, matched = 0;
    for (char *line = strtok(fx, "\n"); line; line = strtok(NULL, "\n")) {
        if (line[0] == '#')
            continue;
        char *tab = strchr(line, '\t');
        if (!tab)
            continue;
        char text[1024];
        size_t n = 0;
        for (char *p = line; p + 1 < tab && n < sizeof(text); p += 2)
            text[n++] = (char)(hexval(p[0]) << 4 | hexval(p[1]));
        int32_t ids[1024], want[1024];
        int k = tokenizer_encode(t, text, n, 1, ids, 1024), m = 0;
        for (char *p = tab + 1; *p && m < 1024;) {
            char *end;
            long v = strtol(p, &end, 10);
            if (end == p)
                break;
            want[m++] = (int32_t)v;
            p = end;
        }
        cases++;
        if (k == m && memcmp(ids, want, sizeof(int32_t) * (size_t)m) == 0)
            matched++;
        else
            fprintf(stderr, "austen: ids differ from llama.cpp for %.*s\n", (int)n, text);
    }
    CHECK(cases >= 5);
    CHECK_EQ_INT(matched, cases);
    printf("austen: %d of %d fixture texts tokenize as llama.cpp does\n", matched, cases);
    free(fx);
}

int main(int argc, char **argv)
{
    char path[512] = "", sumfile[512] = "", want[65] = "", got[65];
    glob_t g;
    if (glob("models/austen-*.sha256", 0, NULL, &g) == 0 && g.gl_pathc == 1) {
        snprintf(sumfile, sizeof(sumfile), "%s", g.gl_pathv[0]);
        FILE *s = fopen(sumfile, "r");
        char name[256];
        if (s && fscanf(s, "%64s %255s", want, name) == 2)
            snprintf(path, sizeof(path), "models/%s", name);
        if (s)
            fclose(s);
    }
    globfree(&g);
    if (argc > 1)
        snprintf(path, sizeof(path), "%s", argv[1]);
    uint64_t len = 0;
    uint8_t *data = path[0] ? slurp(path, &len) : NULL;
    CHECK(data != NULL);
    if (!data) {
        fprintf(stderr, "austen: no model (models/austen-*.sha256 names none, or it is missing)\n");
        return check_summary("austen");
    }
    sha256_hex(data, len, got);
    CHECK_EQ_STR(got, want);
    printf("austen: %s, %lu bytes, sha256 %s\n", path, (unsigned long)len, got);

    struct mem_source src = { data, len };
    struct gguf_reader r;
    struct model m = { 0 };
    struct gguf_error err = { 0 };
    gguf_reader_init(&r, mem_read, &src, len, GGUF_READAHEAD_DEFAULT);
    CHECK_EQ_INT(gguf_parse(&r, &m.file, &err), 0);
    CHECK_EQ_INT(tokenizer_load(&m.tok, &m.file, &r, &err), 0);
    m.has_tokenizer = 1;
    CHECK_EQ_STR(gguf_get_str(&m.file, "general.architecture"), "llama");
    check_shapes(&m.file, m.tok.n_tokens);
    CHECK_EQ_INT(model_load_data(&m, &r, NULL, NULL), 0);
    CHECK(m.file.data_offset + m.file.data_size <= len);
    /* The data the kernel loaded is the file's. */
    CHECK(m.data && memcmp(m.data, data + m.file.data_offset, m.file.data_size) == 0);
    check_tokenizer(&m.tok);
    model_free(&m);
    gguf_reader_free(&r);
    free(data);
    return check_summary("austen");
}
