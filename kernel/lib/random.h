/* The kernel's one pseudo-random generator: xorshift64* (Vigna, "An
 * experimental exploration of Marsaglia's xorshift generators, scrambled",
 * 2016). Not for secrets. scripts and tests replay it from a seed
 * (tests/qemu/test_reliability.py), so the sequence must never change. */
#ifndef EMBODIOS_LIB_RANDOM_H
#define EMBODIOS_LIB_RANDOM_H

#include <stdint.h>

/* *state must not be 0 (0 stays 0); random_seed() makes any value usable. */
static inline uint64_t random_next(uint64_t *state)
{
    uint64_t x = *state;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *state = x;
    return x * 0x2545F4914F6CDD1DULL;
}

static inline uint64_t random_seed(uint64_t seed)
{
    return seed ? seed : 0x9E3779B97F4A7C15ULL;
}

#endif
