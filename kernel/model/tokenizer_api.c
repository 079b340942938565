/* The tokenizer entry points generate and the shell use, over both models:
 * llama.cpp's tokenize/detokenize flags, end-of-generation tokens, and a
 * streaming decoder that never splits a UTF-8 character. */
#include "lib/errno.h"
#include "lib/string.h"
#include "model/tokenizer.h"
#include "model/tokenizer_bpe.h"

int tokenizer_decode_special(const struct tokenizer *t, const int32_t *ids, size_t n, int remove_special,
                             int unparse_special, char *buf, size_t cap)
{
    if (t->bpe)
        return tokenizer_bpe_decode(t, ids, n, remove_special, unparse_special, buf, cap);
    return tokenizer_decode(t, ids, n, buf, cap);
}

int tokenizer_is_eog(const struct tokenizer *t, int32_t id)
{
    if (!t->bpe)
        return id >= 0 && id == t->eos;
    uint32_t lo = 0, hi = t->bpe->n_eog;
    while (lo < hi) {
        uint32_t mid = (lo + hi) / 2;
        if (t->bpe->eog[mid] == id)
            return 1;
        if (t->bpe->eog[mid] < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return 0;
}

/* Bytes at the end of buf[0..n) that start a UTF-8 sequence not yet
 * complete (0 if the end is complete or not valid UTF-8 anyway). */
static size_t incomplete_tail(const uint8_t *buf, size_t n)
{
    for (size_t back = 1; back <= 3 && back <= n; back++) {
        uint8_t b = buf[n - back];
        if ((b & 0xC0) == 0x80)
            continue;                               /* continuation: look further back */
        size_t want = (b & 0xE0) == 0xC0 ? 2 : (b & 0xF0) == 0xE0 ? 3 : (b & 0xF8) == 0xF0 ? 4 : 1;
        return want > back ? back : 0;
    }
    return 0;
}

int tokenizer_stream_push(const struct tokenizer *t, struct tokenizer_stream *s, int32_t id, int special, char *out,
                          size_t cap)
{
    if (cap < s->n)
        return -ENOSPC;
    memcpy(out, s->pending, s->n);
    size_t o = s->n;
    int k = t->bpe ? tokenizer_bpe_piece(t, id, special, out + o, cap - o) : tokenizer_piece(t, id, out + o, cap - o);
    if (k < 0)
        return k;
    if ((size_t)k > cap - o)
        return -ENOSPC;
    o += (size_t)k;
    size_t hold = incomplete_tail((const uint8_t *)out, o);
    memcpy(s->pending, out + o - hold, hold);
    s->n = (uint8_t)hold;
    return (int)(o - hold);
}

int tokenizer_stream_flush(struct tokenizer_stream *s, char *out, size_t cap)
{
    if (cap < s->n)
        return -ENOSPC;
    memcpy(out, s->pending, s->n);
    int n = s->n;
    s->n = 0;
    return n;
}
