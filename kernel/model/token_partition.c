#include "model/token_partition.h"
#include "core/heap.h"
#include "lib/errno.h"
#include "lib/string.h"

static int is_candidate(uint8_t type)
{
    return type == TOKEN_CONTROL || type == TOKEN_USER_DEFINED || type == TOKEN_UNKNOWN;
}

int token_partition_build(struct tokenizer *t)
{
    uint32_t n = 0;
    t->n_user = 0;
    for (uint32_t i = 0; i < t->n_tokens; i++) {
        n += is_candidate(t->type[i]);
        t->n_user += t->type[i] == TOKEN_USER_DEFINED;
    }
    t->special_ids = kmalloc((size_t)(n ? n : 1) * sizeof(int32_t));
    if (!t->special_ids)
        return -ENOMEM;
    t->n_special = 0;
    /* Insertion sort by length (descending), stable: a few hundred ids. */
    for (uint32_t i = 0; i < t->n_tokens; i++) {
        if (!is_candidate(t->type[i]))
            continue;
        uint32_t j = t->n_special++;
        while (j > 0 && t->text_len[t->special_ids[j - 1]] < t->text_len[i]) {
            t->special_ids[j] = t->special_ids[j - 1];
            j--;
        }
        t->special_ids[j] = (int32_t)i;
    }
    return 0;
}

void token_partition_free(struct tokenizer *t)
{
    kfree(t->special_ids);
    t->special_ids = NULL;
    t->n_special = 0;
    t->n_user = 0;
}

static const char *find_bytes(const char *hay, size_t n, const char *needle, size_t k)
{
    if (k == 0 || k > n)
        return NULL;
    for (size_t i = 0; i + k <= n; i++)
        if (hay[i] == needle[0] && memcmp(hay + i, needle, k) == 0)
            return hay + i;
    return NULL;
}

struct frag_list {
    struct tok_fragment *v;
    size_t n, cap;
};

/* Replaces fragment at with up to three: left text, the token, right text. */
static int split_at(struct frag_list *l, size_t at, uint32_t match, uint32_t mlen, int32_t id)
{
    struct tok_fragment f = l->v[at];
    struct tok_fragment parts[3];
    size_t k = 0;
    if (match > f.off)
        parts[k++] = (struct tok_fragment){ f.off, match - f.off, -1 };
    parts[k++] = (struct tok_fragment){ match, mlen, id };
    if (match + mlen < f.off + f.len)
        parts[k++] = (struct tok_fragment){ match + mlen, f.off + f.len - match - mlen, -1 };
    if (l->n + k - 1 > l->cap) {
        size_t ncap = l->cap * 2 + k;
        struct tok_fragment *nv = kmalloc(ncap * sizeof(*nv));
        if (!nv)
            return -ENOMEM;
        memcpy(nv, l->v, l->n * sizeof(*nv));
        kfree(l->v);
        l->v = nv;
        l->cap = ncap;
    }
    memmove(l->v + at + k, l->v + at + 1, (l->n - at - 1) * sizeof(*l->v));
    memcpy(l->v + at, parts, k * sizeof(*parts));
    l->n += k - 1;
    return (int)k;
}

int token_partition(const struct tokenizer *t, const char *text, size_t len, int parse_special,
                    struct tok_fragment **out, size_t *n_out)
{
    *out = NULL;
    *n_out = 0;
    if (len > (1u << 30))
        return -E2BIG;
    struct frag_list l = { kmalloc(16 * sizeof(struct tok_fragment)), 0, 16 };
    if (!l.v)
        return -ENOMEM;
    if (len)
        l.v[l.n++] = (struct tok_fragment){ 0, (uint32_t)len, -1 };
    for (uint32_t s = 0; s < t->n_special; s++) {
        int32_t id = t->special_ids[s];
        if (!parse_special && t->type[id] != TOKEN_USER_DEFINED)
            continue;
        const char *tok = t->pool + t->text_offset[id];
        uint32_t tlen = t->text_len[id];
        for (size_t i = 0; i < l.n; i++) {
            if (l.v[i].id >= 0)
                continue;
            const char *hit = find_bytes(text + l.v[i].off, l.v[i].len, tok, tlen);
            if (!hit)
                continue;
            int k = split_at(&l, i, (uint32_t)(hit - text), tlen, id);
            if (k < 0) {
                kfree(l.v);
                return k;
            }
            /* Continue with the right remainder, if any: it is the last part. */
            i += (size_t)k - 1;
            if (l.v[i].id >= 0)
                continue;           /* the token ended the fragment */
            i--;                    /* search the remainder again */
        }
    }
    *out = l.v;
    *n_out = l.n;
    return 0;
}
