/* Linear probing over a power-of-two table, the one loop behind the GGUF
 * key and tensor-name sets and the tokenizer's piece table. */
#ifndef EMBODIOS_LIB_HASH_PROBE_H
#define EMBODIOS_LIB_HASH_PROBE_H

#include <stdint.h>

/* Returns nonzero when the probe should stop at `slot`: it is empty or it
 * holds the key being looked for. */
typedef int (*hash_stop_fn)(const void *ctx, uint64_t slot);

/* The first slot from the hash's home slot on where stop() says yes. The
 * table must never be full (callers size it to at least twice the keys),
 * so the walk always ends. */
static inline uint64_t hash_probe(uint64_t hash, uint64_t mask, hash_stop_fn stop, const void *ctx)
{
    uint64_t i = hash & mask;
    while (!stop(ctx, i))
        i = (i + 1) & mask;
    return i;
}

#endif
