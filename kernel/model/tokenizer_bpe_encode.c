/* Byte-level BPE encoding and decoding (llama.cpp's llm_tokenizer_bpe_session,
 * token_to_piece and detokenize). */
#include "core/heap.h"
#include "lib/errno.h"
#include "lib/string.h"
#include "model/token_partition.h"
#include "model/tokenizer_bpe.h"
#include "model/unicode_class.h"

struct sym {
    int32_t id;          /* token, or -1 for a stand-in char that is not one */
    int32_t prev, next;
    uint32_t off, n;     /* bytes of the encoded piece; n = 0 once merged away */
};

struct pair {
    uint32_t rank;
    int32_t left, right;           /* symbol indexes */
    int32_t left_id, right_id;     /* their tokens when queued, to spot stale pairs */
};

struct work {
    const struct tokenizer *t;
    uint32_t *cps;
    uint16_t *flags;
    uint32_t *pieces, *tmp;
    uint8_t *enc;        /* the byte-encoded piece */
    struct sym *sym;
    struct pair *heap;
    size_t heap_len;
    int32_t *ids;
    size_t max_ids, n_ids;
};

static void emit(struct work *w, int32_t id)
{
    if (w->n_ids < w->max_ids)
        w->ids[w->n_ids] = id;
    w->n_ids++;
}

/* Lowest rank first, then leftmost (llama.cpp's comparator). */
static int before(const struct pair *a, const struct pair *b)
{
    return a->rank < b->rank || (a->rank == b->rank && a->left < b->left);
}

static void heap_push(struct work *w, struct pair p)
{
    size_t i = w->heap_len++;
    while (i > 0 && before(&p, &w->heap[(i - 1) / 2])) {
        w->heap[i] = w->heap[(i - 1) / 2];
        i = (i - 1) / 2;
    }
    w->heap[i] = p;
}

static struct pair heap_pop(struct work *w)
{
    struct pair top = w->heap[0], last = w->heap[--w->heap_len];
    size_t i = 0;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= w->heap_len)
            break;
        if (c + 1 < w->heap_len && before(&w->heap[c + 1], &w->heap[c]))
            c++;
        if (!before(&w->heap[c], &last))
            break;
        w->heap[i] = w->heap[c];
        i = c;
    }
    if (w->heap_len)
        w->heap[i] = last;
    return top;
}

static void try_pair(struct work *w, int32_t left, int32_t right)
{
    if (left < 0 || right < 0 || w->sym[left].id < 0 || w->sym[right].id < 0)
        return;
    const struct bpe_merge *m = tokenizer_bpe_merge(w->t, w->sym[left].id, w->sym[right].id);
    if (m)
        heap_push(w, (struct pair){ (uint32_t)(m - w->t->bpe->merges), left, right, m->left, m->right });
}

/* BPE over one byte-encoded piece of len bytes (one symbol per stand-in
 * char, i.e. per input byte): O(n log n) with the heap. */
static void bpe_piece(struct work *w, size_t len)
{
    const struct tokenizer *t = w->t;
    if (t->bpe->ignore_merges) {
        int32_t id = tokenizer_lookup(t, (const char *)w->enc, len);
        if (id >= 0) {
            emit(w, id);
            return;
        }
    }
    int32_t count = 0;
    for (size_t off = 0; off < len; count++) {
        uint32_t n = unicode_len_utf8(w->enc[off]);
        if (n > len - off)
            n = (uint32_t)(len - off);
        int32_t id = tokenizer_lookup(t, (const char *)w->enc + off, n);
        w->sym[count] = (struct sym){ id, count - 1, off + n == len ? -1 : count + 1, (uint32_t)off, n };
        off += n;
    }
    w->heap_len = 0;
    for (int32_t i = 1; i < count; i++)
        try_pair(w, i - 1, i);
    while (w->heap_len) {
        struct pair p = heap_pop(w);
        struct sym *l = &w->sym[p.left], *r = &w->sym[p.right];
        if (l->n == 0 || r->n == 0 || l->id != p.left_id || r->id != p.right_id)
            continue;                               /* stale */
        l->id = t->bpe->merges[p.rank].result;
        l->n += r->n;
        r->n = 0;
        l->next = r->next;
        if (r->next >= 0)
            w->sym[r->next].prev = p.left;
        try_pair(w, l->prev, p.left);
        try_pair(w, p.left, l->next);
    }
    for (int32_t i = 0; i != -1; i = w->sym[i].next) {
        if (w->sym[i].id >= 0) {
            emit(w, w->sym[i].id);
            continue;
        }
        /* Not a token: llama.cpp tries each byte of the stand-in text as a
         * one-byte token and drops the others. */
        for (uint32_t k = 0; k < w->sym[i].n; k++) {
            int32_t id = tokenizer_lookup(t, (const char *)w->enc + w->sym[i].off + k, 1);
            if (id >= 0)
                emit(w, id);
        }
    }
}

/* One raw fragment: code points, pre-tokenizer, byte encoding, BPE. */
static int encode_raw(struct work *w, const uint8_t *text, size_t len)
{
    size_t n = 0;
    for (size_t pos = 0; pos < len;) {
        uint32_t cp = unicode_decode(text, len, &pos);
        if (cp > UNICODE_MAX_CP)
            return -ETOK_TEXT;                      /* llama.cpp throws here */
        w->cps[n] = cp;
        w->flags[n] = unicode_flags(cp);
        n++;
    }
    size_t n_pieces = bpe_pretokenize(w->t->bpe->pre, w->cps, w->flags, n, w->pieces, w->tmp);
    size_t at = 0;
    for (size_t p = 0; p < n_pieces; p++) {
        size_t len_enc = 0;
        for (size_t i = at; i < at + w->pieces[p]; i++) {
            uint8_t u[4];
            unsigned k = unicode_encode(w->cps[i], u);
            for (unsigned j = 0; j < k; j++)
                len_enc += unicode_encode(bpe_cp_of_byte(u[j]), w->enc + len_enc);
        }
        at += w->pieces[p];
        bpe_piece(w, len_enc);
    }
    return 0;
}

static void work_free(struct work *w)
{
    kfree(w->cps);
    kfree(w->flags);
    kfree(w->pieces);
    kfree(w->tmp);
    kfree(w->enc);
    kfree(w->sym);
    kfree(w->heap);
}

int tokenizer_bpe_encode(const struct tokenizer *t, const char *text, size_t len, int add_special, int parse_special,
                         int32_t *ids, size_t max_ids)
{
    if (len > (1u << 24))
        return -E2BIG;
    struct work w = { .t = t, .ids = ids, .max_ids = max_ids };
    struct tok_fragment *frags;
    size_t n_frags;
    int rc = token_partition(t, text, len, parse_special, &frags, &n_frags);
    if (rc < 0)
        return rc;
    /* A code point per byte at most; a byte is at most 3 UTF-8 bytes once
     * decoded (U+FFFD), each a 2-byte stand-in at most. */
    size_t cap = len + 1;
    w.cps = kmalloc(cap * sizeof(uint32_t));
    w.flags = kmalloc(cap * sizeof(uint16_t));
    w.pieces = kmalloc(cap * sizeof(uint32_t));
    w.tmp = kmalloc(cap * sizeof(uint32_t));
    w.enc = kmalloc(6 * cap);
    w.sym = kmalloc(3 * cap * sizeof(struct sym));
    w.heap = kmalloc(9 * cap * sizeof(struct pair));   /* n initial pairs + 2 per merge */
    if (!w.cps || !w.flags || !w.pieces || !w.tmp || !w.enc || !w.sym || !w.heap) {
        work_free(&w);
        kfree(frags);
        return -ENOMEM;
    }
    if (add_special && t->add_bos)
        emit(&w, t->bos);
    for (size_t i = 0; i < n_frags && rc == 0; i++) {
        if (frags[i].id >= 0)
            emit(&w, frags[i].id);
        else
            rc = encode_raw(&w, (const uint8_t *)text + frags[i].off, frags[i].len);
    }
    if (add_special && t->add_eos)
        emit(&w, t->eos);
    work_free(&w);
    kfree(frags);
    if (rc < 0)
        return rc;
    return w.n_ids <= max_ids ? (int)w.n_ids : -ENOSPC;
}

/* Appends bytes to buf if they fit; returns the new total either way. */
static size_t put(char *buf, size_t cap, size_t o, const void *src, size_t n)
{
    if (o + n <= cap)
        memcpy(buf + o, src, n);
    return o + n;
}

/* A NORMAL token's text, stand-ins back to bytes (llama_decode_text). */
static size_t decode_text(const char *text, size_t len, char *buf, size_t cap)
{
    static const char hex[] = "0123456789abcdef";
    size_t o = 0;
    for (size_t pos = 0; pos < len;) {
        size_t start = pos;
        uint32_t cp = unicode_decode((const uint8_t *)text, len, &pos);
        int b = bpe_byte_of_cp(cp);
        if (b >= 0) {
            char c = (char)b;
            o = put(buf, cap, o, &c, 1);
            continue;
        }
        uint8_t u[4];
        unsigned k = unicode_encode(cp, u);
        (void)start;
        o = put(buf, cap, o, "[UNK_BYTE_0x", 12);
        for (unsigned j = 0; j < k; j++) {
            char h[2] = { hex[u[j] >> 4], hex[u[j] & 15] };
            o = put(buf, cap, o, h, 2);
        }
        o = put(buf, cap, o, text, len);
        o = put(buf, cap, o, "]", 1);
    }
    return o;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = (char)(c | 0x20);
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

int tokenizer_bpe_piece(const struct tokenizer *t, int32_t id, int special, char *buf, size_t cap)
{
    if (id < 0 || (uint32_t)id >= t->n_tokens)
        return -ERANGE;
    const char *text = t->pool + t->text_offset[id];
    uint32_t len = t->text_len[id];
    switch (t->type[id]) {
    case TOKEN_CONTROL:
    case TOKEN_UNKNOWN:
        if (!special)
            return 0;
        /* fall through */
    case TOKEN_USER_DEFINED:
        put(buf, cap, 0, text, len);
        return (int)len;
    case TOKEN_NORMAL:
        return (int)decode_text(text, len, buf, cap);
    case TOKEN_BYTE: {
        /* "<0xXX>": llama.cpp reads the two characters after "<0x". */
        int v = 0;
        for (uint32_t i = 3; i < 5 && i < len && hexval(text[i]) >= 0; i++)
            v = v * 16 + hexval(text[i]);
        char c = (char)v;
        put(buf, cap, 0, &c, 1);
        return 1;
    }
    default:
        return 0;                                   /* UNUSED, UNDEFINED */
    }
}

/* llama.cpp's three clean-up passes, in place, same steps. */
static size_t clean_spaces(char *text, size_t total)
{
    size_t t1 = total, o = total ? 1 : 0;
    for (size_t i = 1; i < t1; i++) {
        char x = text[i];
        if (text[i - 1] == ' ' && (x == '?' || x == '!' || x == '.' || x == ','))
            o--;
        text[o++] = x;
    }
    size_t t2 = o;
    o = t2 ? 1 : 0;
    for (size_t i = 1; i < t2; i++) {
        char x = text[i];
        if (x == '\'' && i + 1 < t2 && text[i - 1] == ' ' && text[i + 1] == ' ') {
            o--;
            text[++i] = '\0';
        }
        text[o++] = x;
    }
    size_t t3 = o;
    o = t3 ? 1 : 0;
    for (size_t i = 1; i < t3; i++) {
        char x = text[i];
        if (text[i - 1] == ' ' && x == '\'' && i + 1 < t3) {
            char x1 = text[i + 1];
            if (x1 == 's' || x1 == 'm')
                o--;
            else if (x1 != 't' && x1 != 'd' && i + 2 < t3 && ((x1 == 'r' || x1 == 'v') && text[i + 2] == 'e'))
                o--;
        }
        text[o++] = x;
    }
    return o;
}

int tokenizer_bpe_decode(const struct tokenizer *t, const int32_t *ids, size_t n, int remove_special,
                         int unparse_special, char *buf, size_t cap)
{
    if (remove_special && t->add_bos && n > 0 && ids[0] == t->bos) {
        ids++;
        n--;
    }
    if (remove_special && t->add_eos && n > 0 && ids[n - 1] == t->eos)
        n--;
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        int k = tokenizer_bpe_piece(t, ids[i], unparse_special, o <= cap ? buf + o : buf, o <= cap ? cap - o : 0);
        if (k < 0)
            return k;
        o += (size_t)k;
    }
    if (o > cap || o > 0x7FFFFFFF)
        return -ENOSPC;
    if (t->bpe->clean_spaces)
        o = clean_spaces(buf, o);
    return (int)o;
}
