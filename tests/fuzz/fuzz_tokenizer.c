/* libFuzzer target: encodes arbitrary bytes with LLaMA's real vocabulary
 * (build/models/vocab-only.gguf): ids must be in range, and for valid UTF-8
 * decoding without BOS must give the same bytes back. (Invalid UTF-8 need
 * not round-trip, in llama.cpp either: spaces become U+2581 before the text
 * is split into characters, so a broken sequence can swallow part of one,
 * and byte fallback then keeps the U+2581 bytes. Text that itself contains
 * U+2581 decodes to spaces there, also as in llama.cpp.) */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "../host/host_tokenizer_loader.h"
#include "model/gguf.h"
#include "model/tokenizer.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct tokenizer tok;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    const char *path = getenv("EMBODIOS_TEST_MODEL") ? getenv("EMBODIOS_TEST_MODEL") : "build/models/vocab-only.gguf";
    load_tokenizer_or_exit("fuzz_tokenizer", path, &tok);
    return 0;
}

static int valid_utf8(const uint8_t *s, size_t n)
{
    for (size_t i = 0; i < n;) {
        int len = s[i] < 0x80 ? 1 : (s[i] >> 5) == 6 ? 2 : (s[i] >> 4) == 14 ? 3 : (s[i] >> 3) == 30 ? 4 : 0;
        if (!len || i + (size_t)len > n)
            return 0;
        for (int k = 1; k < len; k++)
            if ((s[i + k] & 0xC0) != 0x80)
                return 0;
        i += (size_t)len;
    }
    return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 4096)
        return 0;
    static int32_t ids[4096 * 4 + 8];
    static char back[4096 * 4];
    int n = tokenizer_encode(&tok, (const char *)data, size, 0, ids, sizeof(ids) / sizeof(ids[0]));
    if (n < 0)
        abort();
    for (int i = 0; i < n; i++)
        if (ids[i] < 0 || (uint32_t)ids[i] >= tok.n_tokens)
            abort();
    int d = tokenizer_decode(&tok, ids, (size_t)n, back, sizeof(back));
    if (d < 0)
        abort();
    int has_space_mark = memmem(data, size, "\xE2\x96\x81", 3) != NULL;
    if (valid_utf8(data, size) && !has_space_mark && (d != (int)size || memcmp(back, data, size) != 0))
        abort();          /* decode(encode(x)) must be x */
    return 0;
}
