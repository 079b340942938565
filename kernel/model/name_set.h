/* A set of NUL-terminated names (hash table, open addressing) used to reject
 * duplicate keys and tensor names in O(1) each. The names are not copied. */
#ifndef EMBODIOS_MODEL_NAME_SET_H
#define EMBODIOS_MODEL_NAME_SET_H

#include <stdint.h>

struct name_set {
    const char **slots;
    uint64_t capacity;     /* a power of two */
};

int name_set_init(struct name_set *s, uint64_t max_names);
void name_set_free(struct name_set *s);
/* Returns 1 if added, 0 if the name was already there. */
int name_set_add(struct name_set *s, const char *name);
uint64_t name_hash(const char *data, uint64_t len);

#endif
