/* libFuzzer target: the byte-level BPE tokenizer on llama.cpp's qwen2,
 * llama-bpe and starcoder vocabularies (build/models/bpe). The first byte
 * picks the vocabulary and the flags. Invariants: no crash, every id in
 * range, -ETOK_TEXT only for text that decodes above U+10FFFF; for valid
 * UTF-8 on a vocabulary without clean-up passes (qwen2), decoding gives
 * the text back whenever every id is a NORMAL token (llama.cpp also prints
 * nothing for CONTROL ones such as Qwen's "</s>"). Arbitrary ids decode
 * without crashing, and the streaming decoder gives the same bytes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "../host/host_tokenizer_loader.h"
#include "lib/errno.h"
#include "model/gguf.h"
#include "model/tokenizer.h"
#include "model/tokenizer_bpe.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const names[] = { "qwen2", "llama-bpe", "starcoder" };
static struct tokenizer toks[3];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    for (int i = 0; i < 3; i++) {
        char path[128];
        snprintf(path, sizeof(path), "build/models/bpe/%s.gguf", names[i]);
        load_tokenizer_or_exit("fuzz_tokenizer_bpe", path, &toks[i]);
    }
    return 0;
}

/* Strict UTF-8 (no overlongs, surrogates or values above U+10FFFF); also
 * reports whether some 4-byte form decodes above U+10FFFF. */
static int valid_utf8(const uint8_t *s, size_t n)
{
    for (size_t i = 0; i < n;) {
        uint8_t b = s[i];
        size_t len = b < 0x80 ? 1 : (b >> 5) == 6 ? 2 : (b >> 4) == 14 ? 3 : (b >> 3) == 30 ? 4 : 0;
        if (!len || i + len > n)
            return 0;
        uint32_t cp = len == 1 ? b : b & (0xFF >> (len + 1));
        for (size_t k = 1; k < len; k++) {
            if ((s[i + k] & 0xC0) != 0x80)
                return 0;
            cp = (cp << 6) | (s[i + k] & 0x3F);
        }
        static const uint32_t min[5] = { 0, 0, 0x80, 0x800, 0x10000 };
        if (cp < min[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return 0;
        i += len;
    }
    return 1;
}

static int above_max(const uint8_t *s, size_t n)
{
    for (size_t i = 0; i + 3 < n; i++)
        if ((s[i] & 0xF8) == 0xF0 && (s[i + 1] & 0xC0) == 0x80 && (s[i + 2] & 0xC0) == 0x80 &&
            (s[i + 3] & 0xC0) == 0x80 && (((uint32_t)(s[i] & 7) << 18) | ((uint32_t)(s[i + 1] & 0x3F) << 12)) > 0x10FFFF)
            return 1;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int32_t ids[1 << 16];
    static char out[1 << 19], streamed[1 << 19];
    if (size < 1 || size > 16384)
        return 0;
    const struct tokenizer *t = &toks[data[0] % 3];
    int add = (data[0] >> 2) & 1, parse = (data[0] >> 3) & 1;
    const char *text = (const char *)data + 1;
    size_t len = size - 1;
    int n = tokenizer_encode_special(t, text, len, add, parse, ids, 1 << 16);
    if (n == -ETOK_TEXT) {
        if (!above_max((const uint8_t *)text, len))
            abort();
        return 0;
    }
    if (n < 0)
        abort();
    int all_normal = 1;
    for (int i = 0; i < n; i++) {
        if (ids[i] < 0 || (uint32_t)ids[i] >= t->n_tokens)
            abort();
        all_normal &= t->type[ids[i]] == TOKEN_NORMAL;
    }
    int d = tokenizer_decode_special(t, ids, (size_t)n, 0, 0, out, sizeof(out));
    if (d < 0)
        abort();
    if (!t->bpe->clean_spaces && !add && !parse && all_normal && valid_utf8((const uint8_t *)text, len) &&
        ((size_t)d != len || memcmp(out, text, len) != 0))
        abort();
    /* The stream gives the same bytes as the plain decoder (no clean-up). */
    if (!t->bpe->clean_spaces) {
        struct tokenizer_stream s = { 0 };
        size_t o = 0;
        for (int i = 0; i < n; i++) {
            int k = tokenizer_stream_push(t, &s, ids[i], 0, streamed + o, sizeof(streamed) - o);
            if (k < 0)
                abort();
            o += (size_t)k;
        }
        o += (size_t)tokenizer_stream_flush(&s, streamed + o, sizeof(streamed) - o);
        if (o != (size_t)d || memcmp(streamed, out, o) != 0)
            abort();
    }
    /* The input read as ids: any value must decode or be refused. */
    size_t m = len / 4 < 64 ? len / 4 : 64;
    for (size_t i = 0; i < m; i++) {
        uint32_t v;
        memcpy(&v, text + 4 * i, 4);
        ids[i] = (int32_t)(v % (t->n_tokens + 8));
    }
    d = tokenizer_decode_special(t, ids, m, data[0] & 1, (data[0] >> 1) & 1, out, sizeof(out));
    if (d < 0 && d != -ERANGE)
        abort();
    return 0;
}
