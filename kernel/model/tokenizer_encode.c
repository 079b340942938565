/* SentencePiece BPE encoding and decoding, as llama.cpp does it for
 * tokenizer.ggml.model = "llama". */
#include "core/heap.h"
#include "lib/errno.h"
#include "lib/hex.h"
#include "lib/string.h"
#include "model/tokenizer.h"

struct symbol {
    const char *text;
    uint32_t n;          /* bytes; 0 once merged into its left neighbour */
    int32_t prev, next;
};

struct bigram {
    int32_t left, right;
    uint32_t score;      /* order-preserving score key */
    uint32_t size;       /* bytes of the merged text */
};

struct session {
    const struct tokenizer *t;
    struct symbol *sym;
    struct bigram *heap;
    size_t heap_len, heap_cap;
};

/* The best bigram comes first: highest score, then leftmost (llama.cpp's
 * priority queue ordering). */
static int better(const struct bigram *a, const struct bigram *b)
{
    return a->score > b->score || (a->score == b->score && a->left < b->left);
}

static void heap_push(struct session *s, struct bigram b)
{
    size_t i = s->heap_len++;
    while (i > 0) {
        size_t parent = (i - 1) / 2;
        if (!better(&b, &s->heap[parent]))
            break;
        s->heap[i] = s->heap[parent];
        i = parent;
    }
    s->heap[i] = b;
}

static struct bigram heap_pop(struct session *s)
{
    struct bigram top = s->heap[0], last = s->heap[--s->heap_len];
    size_t i = 0;
    for (;;) {
        size_t child = 2 * i + 1;
        if (child >= s->heap_len)
            break;
        if (child + 1 < s->heap_len && better(&s->heap[child + 1], &s->heap[child]))
            child++;
        if (!better(&s->heap[child], &last))
            break;
        s->heap[i] = s->heap[child];
        i = child;
    }
    if (s->heap_len)
        s->heap[i] = last;
    return top;
}

/* Adjacent symbols are adjacent in memory, so their joined text is one run. */
static void try_bigram(struct session *s, int32_t left, int32_t right)
{
    if (left < 0 || right < 0)
        return;
    uint32_t size = s->sym[left].n + s->sym[right].n;
    int32_t id = tokenizer_lookup(s->t, s->sym[left].text, size);
    if (id < 0 || s->heap_len == s->heap_cap)
        return;
    heap_push(s, (struct bigram){ left, right, s->t->score_key[id], size });
}

/* Bytes a UTF-8 sequence says it has, from its lead byte (llama.cpp's
 * unicode_len_utf8: stray continuation bytes count as one). */
static uint32_t utf8_len(uint8_t lead)
{
    static const uint8_t lengths[16] = { 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 3, 4 };
    return lengths[lead >> 4];
}

static int emit(int32_t *ids, size_t max, size_t *n, int32_t id)
{
    if (*n < max)
        ids[*n] = id;
    (*n)++;
    return 0;
}

/* Writes the escaped text: optional leading U+2581, spaces as U+2581. */
static size_t escape_text(const char *text, size_t len, int space_prefix, char *out)
{
    size_t o = 0;
    if (space_prefix) {
        memcpy(out, SPACE_UTF8, 3);
        o = 3;
    }
    for (size_t i = 0; i < len; i++) {
        if (text[i] == ' ') {
            memcpy(out + o, SPACE_UTF8, 3);
            o += 3;
        } else {
            out[o++] = text[i];
        }
    }
    return o;
}

/* The symbols left after merging become ids: a piece, else one byte token
 * per byte, else the unknown token; -ETOK_NOPIECE when there is none. */
static int emit_symbols(const struct session *s, int32_t *ids, size_t max_ids, size_t *n_out)
{
    const struct tokenizer *t = s->t;
    for (int32_t i = 0; i != -1; i = s->sym[i].next) {
        int32_t id = tokenizer_lookup(t, s->sym[i].text, s->sym[i].n);
        if (id >= 0) {
            emit(ids, max_ids, n_out, id);
            continue;
        }
        for (uint32_t k = 0; k < s->sym[i].n; k++) {
            int32_t b = t->byte_token[(uint8_t)s->sym[i].text[k]];
            if (b < 0)
                b = t->unk;
            if (b < 0)
                return -ETOK_NOPIECE;
            emit(ids, max_ids, n_out, b);
        }
    }
    return 0;
}

/* SentencePiece on one run of text (llama.cpp's llm_tokenizer_spm_session). */
static int encode_text(const struct tokenizer *t, const char *text, size_t len, int space_prefix, int32_t *ids,
                       size_t max_ids, size_t *n_out)
{
    size_t cap = len * 3 + 3;
    char *escaped = kmalloc(cap);
    struct session s = { .t = t };
    s.sym = kmalloc(cap * sizeof(struct symbol));
    s.heap_cap = 2 * cap + 16;   /* each merge adds at most two bigrams */
    s.heap = kmalloc(s.heap_cap * sizeof(struct bigram));
    int rc = -ENOMEM;
    if (!escaped || !s.sym || !s.heap)
        goto out;
    size_t elen = escape_text(text, len, space_prefix, escaped);

    /* One symbol per UTF-8 character. */
    int32_t count = 0;
    for (size_t off = 0; off < elen; count++) {
        uint32_t n = utf8_len((uint8_t)escaped[off]);
        if (n > elen - off)
            n = (uint32_t)(elen - off);
        s.sym[count] = (struct symbol){ escaped + off, n, count - 1, off + n == elen ? -1 : count + 1 };
        off += n;
    }
    for (int32_t i = 1; i < count; i++)
        try_bigram(&s, i - 1, i);

    /* Merge the best pair until no adjacent pair forms a token. */
    while (s.heap_len) {
        struct bigram b = heap_pop(&s);
        struct symbol *l = &s.sym[b.left], *r = &s.sym[b.right];
        if (l->n == 0 || r->n == 0 || l->n + r->n != b.size)
            continue;                           /* stale: one side already merged */
        l->n += r->n;
        r->n = 0;
        l->next = r->next;
        if (r->next >= 0)
            s.sym[r->next].prev = b.left;
        try_bigram(&s, l->prev, b.left);
        try_bigram(&s, b.left, l->next);
    }
    rc = count ? emit_symbols(&s, ids, max_ids, n_out) : 0;
out:
    kfree(escaped);
    kfree(s.sym);
    kfree(s.heap);
    return rc;
}

/* A run of the input: text still to encode (token < 0) or a user-defined
 * token split out of it. */
struct fragment {
    size_t off, len;
    int32_t token;
};

static const char *find_bytes(const char *hay, size_t hay_len, const char *needle, size_t n)
{
    for (size_t i = 0; n <= hay_len && i <= hay_len - n; i++)
        if (memcmp(hay + i, needle, n) == 0)
            return hay + i;
    return NULL;
}

/* Splits every text fragment at every occurrence of each user-defined
 * token, longest first (llama.cpp's tokenizer_st_partition with
 * parse_special = false). A split replaces one fragment by at most three,
 * and fragments never overlap, so 2 * len + 1 entries always suffice. */
static size_t partition(const struct tokenizer *t, const char *text, size_t len, struct fragment *frag)
{
    size_t n = 1;
    frag[0] = (struct fragment){ 0, len, -1 };
    for (uint32_t u = 0; u < t->n_user; u++) {
        int32_t id = t->user_tokens[u];
        const char *piece = t->pool + t->text_offset[id];
        size_t plen = t->text_len[id];
        for (size_t f = 0; f < n; f++) {
            if (frag[f].token >= 0)
                continue;
            const char *hit = find_bytes(text + frag[f].off, frag[f].len, piece, plen);
            if (!hit)
                continue;
            size_t at = (size_t)(hit - text), end = frag[f].off + frag[f].len;
            struct fragment left = { frag[f].off, at - frag[f].off, -1 };
            struct fragment right = { at + plen, end - at - plen, -1 };
            size_t add = (left.len > 0) + 1 + (right.len > 0);
            memmove(&frag[f + add], &frag[f + 1], (n - f - 1) * sizeof(*frag));
            size_t k = f;
            if (left.len)
                frag[k++] = left;
            frag[k++] = (struct fragment){ at, plen, id };
            if (right.len)
                frag[k] = right;
            n += add - 1;
            f = k - 1;      /* the right part is looked at next */
        }
    }
    return n;
}

int tokenizer_encode(const struct tokenizer *t, const char *text, size_t len, int add_special, int32_t *ids,
                     size_t max_ids)
{
    if (len > (1u << 24))
        return -E2BIG;
    size_t n_out = 0;
    if (add_special && t->add_bos && t->bos >= 0)
        emit(ids, max_ids, &n_out, t->bos);
    struct fragment *frag = NULL;
    size_t n_frag = 0;
    if (len > 0) {
        frag = kmalloc((2 * len + 1) * sizeof(*frag));
        if (!frag)
            return -ENOMEM;
        n_frag = partition(t, text, len, frag);
    }
    /* As llama.cpp: text right after the start or after a split-out token
     * gets the space prefix. */
    int prev_special = 1, rc = 0;
    for (size_t f = 0; f < n_frag && rc == 0; f++) {
        if (frag[f].token >= 0) {
            emit(ids, max_ids, &n_out, frag[f].token);
            prev_special = 1;
            continue;
        }
        rc = encode_text(t, text + frag[f].off, frag[f].len, t->add_space_prefix && prev_special, ids, max_ids,
                         &n_out);
        prev_special = 0;
    }
    kfree(frag);
    if (rc < 0)
        return rc;
    if (add_special && t->add_eos && t->eos >= 0)
        emit(ids, max_ids, &n_out, t->eos);
    return n_out <= max_ids ? (int)n_out : -ENOSPC;
}

int tokenizer_piece(const struct tokenizer *t, int32_t id, char *buf, size_t cap)
{
    if (id < 0 || (uint32_t)id >= t->n_tokens)
        return -ERANGE;
    const char *text = t->pool + t->text_offset[id];
    uint32_t len = t->text_len[id];
    size_t o = 0;
    /* As llama.cpp's token_to_piece without special tokens (checked against
     * node-llama-cpp 3.22.1's detokenize): control and unknown tokens print
     * nothing, user-defined ones their text as is, byte tokens their byte,
     * normal ones their text with U+2581 as space; other types nothing. */
    switch (t->type[id]) {
    case TOKEN_NORMAL:
        break;
    case TOKEN_USER_DEFINED:
        if (cap)
            memcpy(buf, text, len < cap ? len : cap);
        return (int)len;
    case TOKEN_BYTE:
        if (len == 6 && hex_digit_value(text[3]) >= 0 && hex_digit_value(text[4]) >= 0) {
            if (cap)
                buf[0] = (char)(hex_digit_value(text[3]) * 16 + hex_digit_value(text[4]));
            return 1;
        }
        return 0;
    default:
        return 0;
    }
    for (uint32_t i = 0; i < len;) {
        if (i + 3 <= len && memcmp(text + i, SPACE_UTF8, 3) == 0) {
            if (o < cap)
                buf[o] = ' ';
            o++;
            i += 3;
        } else {
            if (o < cap)
                buf[o] = text[i];
            o++;
            i++;
        }
    }
    return (int)o;
}

int tokenizer_decode(const struct tokenizer *t, const int32_t *ids, size_t n, char *buf, size_t cap)
{
    char piece[TOKENIZER_MAX_PIECE];
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        int k = tokenizer_piece(t, ids[i], piece, sizeof(piece));
        if (k < 0)
            return k;
        if (k > (int)sizeof(piece))
            k = sizeof(piece);
        const char *p = piece;
        /* As llama.cpp: the first token (only) loses one leading space, the
         * one the space prefix added. A leading BOS is that first token. */
        if (i == 0 && t->add_space_prefix && k > 0 && p[0] == ' ') {
            p++;
            k--;
        }
        if (o + (size_t)k > cap)
            return -ENOSPC;
        memcpy(buf + o, p, (size_t)k);
        o += (size_t)k;
    }
    return (int)o;
}
