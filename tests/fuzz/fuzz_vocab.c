/* libFuzzer target: tokenizers built from fuzzed vocabularies. The input is
 * split at NUL bytes: the first part is the text to encode, each further
 * part one piece (its first byte picks the type and score, the rest is its
 * text). Every vocabulary also gets U+2581 and the 256 <0xXX> byte tokens,
 * and no piece but those contains '<', so every text can be encoded and no
 * merge can spell a byte token's name. Invariants (a violation aborts):
 *  - every id is in range;
 *  - if every id is a normal or byte token, decode(encode(x)) == x for
 *    valid UTF-8 x without U+2581 (user-defined and control tokens do not
 *    decode back: llama.cpp adds a space after user-defined ones and
 *    prints nothing for control ones);
 *  - add_special adds exactly BOS and EOS as the file says. */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "../host/gguf_builder.h"
#include "../host/host_file_reader.h"
#include "model/gguf.h"
#include "model/tokenizer.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define REQUIRE(cond) do { if (!(cond)) abort(); } while (0)
#define MAX_PIECES 200

struct piece {
    const uint8_t *text;
    size_t len;
    uint8_t kind;
};

static int valid_utf8(const uint8_t *s, size_t n)
{
    for (size_t i = 0; i < n;) {
        size_t len = s[i] < 0x80 ? 1 : (s[i] >> 5) == 6 ? 2 : (s[i] >> 4) == 14 ? 3 : (s[i] >> 3) == 30 ? 4 : 0;
        if (!len || i + len > n)
            return 0;
        for (size_t k = 1; k < len; k++)
            if ((s[i + k] & 0xC0) != 0x80)
                return 0;
        i += len;
    }
    return 1;
}

static void put_piece(struct gbuf *b, const uint8_t *text, size_t len)
{
    gb_u64(b, len);
    gb_put(b, text, len);
}

/* Builds the GGUF of the vocabulary; returns the number of tokens. */
static uint64_t build(struct gbuf *b, const struct piece *p, size_t n, uint8_t flags)
{
    uint64_t total = 3 + 256 + 1 + n;
    gb_header(b, 3, 0, 6);
    gb_kv_str(b, "tokenizer.ggml.model", "llama");
    gb_str(b, "tokenizer.ggml.tokens"); gb_u32(b, 9); gb_u32(b, 8); gb_u64(b, total);
    gb_str(b, "<unk>"); gb_str(b, "<s>"); gb_str(b, "</s>");
    for (int i = 0; i < 256; i++) {
        char name[8];
        snprintf(name, sizeof(name), "<0x%02X>", i);
        gb_str(b, name);
    }
    gb_str(b, "\xE2\x96\x81");
    for (size_t i = 0; i < n; i++)
        put_piece(b, p[i].text, p[i].len);
    gb_str(b, "tokenizer.ggml.scores"); gb_u32(b, 9); gb_u32(b, 6); gb_u64(b, total);
    for (uint64_t i = 0; i < 260; i++)
        gb_f32(b, i == 259 ? -1000.0f : 0.0f);
    for (size_t i = 0; i < n; i++)
        gb_f32(b, -(float)(p[i].kind >> 3));
    gb_str(b, "tokenizer.ggml.token_type"); gb_u32(b, 9); gb_u32(b, 5); gb_u64(b, total);
    gb_u32(b, 2); gb_u32(b, 3); gb_u32(b, 3);
    for (int i = 0; i < 256; i++)
        gb_u32(b, 6);
    gb_u32(b, 1);
    /* Mostly normal pieces; some control, user-defined, unused. */
    static const uint32_t kinds[8] = { 1, 1, 1, 1, 1, 3, 4, 5 };
    for (size_t i = 0; i < n; i++)
        gb_u32(b, kinds[p[i].kind & 7]);
    gb_str(b, "tokenizer.ggml.add_bos_token"); gb_u32(b, 7); gb_u8(b, flags & 1);
    gb_str(b, "tokenizer.ggml.add_eos_token"); gb_u32(b, 7); gb_u8(b, (flags >> 1) & 1);
    gb_str(b, "tokenizer.ggml.add_space_prefix"); gb_u32(b, 7); gb_u8(b, 1);
    return total;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > 8192)
        return 0;
    uint8_t flags = data[0];
    data++, size--;
    const uint8_t *end = memchr(data, 0, size);
    size_t text_len = end ? (size_t)(end - data) : size;
    const uint8_t *text = data;
    static struct piece pieces[MAX_PIECES];
    size_t n = 0;
    for (size_t at = text_len + 1; at < size && n < MAX_PIECES;) {
        const uint8_t *e = memchr(data + at, 0, size - at);
        size_t len = e ? (size_t)(e - (data + at)) : size - at;
        /* The first byte is the kind; pieces with '<' are left out. */
        if (len >= 2 && !memchr(data + at + 1, '<', len - 1))
            pieces[n++] = (struct piece){ data + at + 1, len - 1, data[at] };
        at += len + 1;
    }
    struct gbuf b = { 0 };
    uint64_t total = build(&b, pieces, n, flags);
    struct mem_source src = { b.data, b.len };
    struct gguf_reader r;
    struct gguf_file f;
    struct gguf_error err;
    struct tokenizer t;
    REQUIRE(gguf_reader_init(&r, mem_read, &src, b.len, 4096) == 0);
    REQUIRE(gguf_parse(&r, &f, &err) == 0);
    REQUIRE(tokenizer_load(&t, &f, &r, &err) == 0);
    REQUIRE(t.n_tokens == total && t.bos == 1 && t.eos == 2 && t.unk == 0);
    static int32_t ids[8192 * 4 + 8];
    static char back[8192 * 4];
    int n_ids = tokenizer_encode(&t, (const char *)text, text_len, 0, ids, sizeof(ids) / sizeof(ids[0]));
    REQUIRE(n_ids >= 0);
    int only_plain = 1;
    for (int i = 0; i < n_ids; i++) {
        REQUIRE(ids[i] >= 0 && (uint32_t)ids[i] < t.n_tokens);
        only_plain &= t.type[ids[i]] == TOKEN_NORMAL || t.type[ids[i]] == TOKEN_BYTE;
    }
    int d = tokenizer_decode(&t, ids, (size_t)n_ids, back, sizeof(back));
    REQUIRE(d >= 0);
    if (only_plain && valid_utf8(text, text_len) && !memmem(text, text_len, "\xE2\x96\x81", 3))
        REQUIRE(d == (int)text_len && memcmp(back, text, text_len) == 0);
    /* add_special: BOS first and EOS last exactly when the flags say. */
    int m = tokenizer_encode(&t, (const char *)text, text_len, 1, ids, sizeof(ids) / sizeof(ids[0]));
    REQUIRE(m == n_ids + (flags & 1) + ((flags >> 1) & 1));
    if (flags & 1)
        REQUIRE(ids[0] == 1);
    if ((flags >> 1) & 1)
        REQUIRE(ids[m - 1] == 2);
    tokenizer_free(&t);
    gguf_free(&f);
    gguf_reader_free(&r);
    free(b.data);
    return 0;
}
