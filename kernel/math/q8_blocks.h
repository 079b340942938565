/* Q8_0 and Q5_0 weight blocks as 32 signed bytes, for the kernels that
 * share work across rows or tokens (matvec_q8.c, matmul_q8.c). */
#ifndef EMBODIOS_MATH_Q8_BLOCKS_H
#define EMBODIOS_MATH_Q8_BLOCKS_H

#include <emmintrin.h>
#include <stdint.h>

#include "math/quant.h"

/* Q5_0's fifth bits: for the 8 bits of qh in v's low byte, the 8 bytes to
 * add to the low nibbles so that they become the signed values
 * (nibble | bit << 4) - 16, i.e. 0 where the bit is set and -16 (0xF0)
 * where it is not. In general registers (host instructions under TCG):
 * each bit to its own byte by a multiply and a mask, then 0xF0 where it is
 * clear. Measured (mathbench q5_0 --decode, 32000x288): a 2 KiB table of
 * the 256 answers 17.7 ms, this 16.0 ms, an SSE compare version 17.9 ms;
 * without any fifth bits (wrong results, for the cost) 12.2 ms. */
static inline uint64_t q5_spread(uint32_t v)
{
    const uint64_t ones = 0x0101010101010101ull;
    const uint64_t m = ((v & 0xFF) * ones) & 0x8040201008040201ull;   /* byte j: bit j or 0 */
    const uint64_t set = ((m + 0x7F7F7F7F7F7F7F7Full) & 0x8080808080808080ull) >> 7;   /* 1 where set */
    return (set ^ ones) * 0xF0;
}

/* One Q8_0 or Q5_0 weight block as signed bytes (elements 0-15, 16-31). */
static inline void block_bytes(uint32_t type, const uint8_t *blk, __m128i *e0, __m128i *e1)
{
    if (type == QT_Q8_0) {
        const struct block_q8_0 *b = (const void *)blk;
        *e0 = _mm_loadu_si128((const __m128i *)b->qs);
        *e1 = _mm_loadu_si128((const __m128i *)(b->qs + 16));
        return;
    }
    const struct block_q5_0 *b = (const void *)blk;
    const __m128i m4 = _mm_set1_epi8(0x0F);
    uint32_t qh = (uint32_t)b->qh[0] | (uint32_t)b->qh[1] << 8 | (uint32_t)b->qh[2] << 16 | (uint32_t)b->qh[3] << 24;
    __m128i q = _mm_loadu_si128((const __m128i *)b->qs);
    const __m128i h0 = _mm_castps_si128(_mm_movelh_ps(_mm_castsi128_ps(_mm_cvtsi64_si128((long long)q5_spread(qh))),
                                                      _mm_castsi128_ps(_mm_cvtsi64_si128((long long)q5_spread(qh >> 8)))));
    const __m128i h1 = _mm_castps_si128(_mm_movelh_ps(_mm_castsi128_ps(_mm_cvtsi64_si128((long long)q5_spread(qh >> 16))),
                                                      _mm_castsi128_ps(_mm_cvtsi64_si128((long long)q5_spread(qh >> 24)))));
    *e0 = _mm_add_epi8(_mm_and_si128(q, m4), h0);
    *e1 = _mm_add_epi8(_mm_and_si128(_mm_srli_epi16(q, 4), m4), h1);
}


#endif
