/* The Q5_0 fifth-bit table of q8_blocks.h, built by the compiler. */
#include "math/q8_blocks.h"

#define Q5B(v, j) ((uint64_t)(((v) >> (j)) & 1 ? 0x00 : 0xF0) << (8 * (j)))
#define Q5E(v) (Q5B(v, 0) | Q5B(v, 1) | Q5B(v, 2) | Q5B(v, 3) | Q5B(v, 4) | Q5B(v, 5) | Q5B(v, 6) | Q5B(v, 7))
#define Q5E4(v) Q5E(v), Q5E((v) + 1), Q5E((v) + 2), Q5E((v) + 3)
#define Q5E16(v) Q5E4(v), Q5E4((v) + 4), Q5E4((v) + 8), Q5E4((v) + 12)
#define Q5E64(v) Q5E16(v), Q5E16((v) + 16), Q5E16((v) + 32), Q5E16((v) + 48)
const uint64_t q5_high_bits[256] = { Q5E64(0), Q5E64(64), Q5E64(128), Q5E64(192) };

