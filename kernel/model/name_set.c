#include "model/name_set.h"
#include "core/heap.h"
#include "lib/errno.h"
#include "lib/hash_probe.h"
#include "lib/string.h"

uint64_t name_hash(const char *data, uint64_t len)
{
    uint64_t h = 0xCBF29CE484222325ULL;          /* FNV-1a */
    for (uint64_t i = 0; i < len; i++) {
        h ^= (uint8_t)data[i];
        h *= 0x100000001B3ULL;
    }
    return h;
}

int name_set_init(struct name_set *s, uint64_t max_names)
{
    s->capacity = 16;
    while (s->capacity < 2 * max_names)
        s->capacity <<= 1;
    s->slots = kcalloc(s->capacity, sizeof(*s->slots));
    return s->slots ? 0 : -ENOMEM;
}

void name_set_free(struct name_set *s)
{
    kfree(s->slots);
    s->slots = NULL;
}

struct name_key {
    const struct name_set *set;
    const char *name;
};

static int name_stop(const void *ctx, uint64_t slot)
{
    const struct name_key *k = ctx;
    const char *there = k->set->slots[slot];
    return !there || strcmp(there, k->name) == 0;
}

int name_set_add(struct name_set *s, const char *name)
{
    struct name_key k = { s, name };
    uint64_t i = hash_probe(name_hash(name, strlen(name)), s->capacity - 1, name_stop, &k);
    if (s->slots[i])
        return 0;
    s->slots[i] = name;
    return 1;
}
