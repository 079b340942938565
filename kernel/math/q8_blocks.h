/* Q8_0 and Q5_0 weight blocks as 32 signed bytes, for the kernels that
 * share work across rows or tokens (matvec_q8.c, matmul_q8.c). */
#ifndef EMBODIOS_MATH_Q8_BLOCKS_H
#define EMBODIOS_MATH_Q8_BLOCKS_H

#include <emmintrin.h>
#include <stdint.h>

#include "math/quant.h"

/* Q5_0's fifth bits: for 8 bits of qh, the 8 bytes to add to the low
 * nibbles so that they become the signed values (nibble | bit << 4) - 16,
 * i.e. 0 where the bit is set and -16 (0xF0) where it is not. Two 8-byte
 * loads per 16 elements instead of the unpack/compare sequence (unpacks are
 * helper calls under TCG); 2 KiB of constants (q8_blocks.c). */
extern const uint64_t q5_high_bits[256];

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
    const uint64_t *hb = q5_high_bits;
    uint32_t qh = (uint32_t)b->qh[0] | (uint32_t)b->qh[1] << 8 | (uint32_t)b->qh[2] << 16 | (uint32_t)b->qh[3] << 24;
    __m128i q = _mm_loadu_si128((const __m128i *)b->qs);
    const __m128i h0 = _mm_set_epi64x((long long)hb[(qh >> 8) & 0xFF], (long long)hb[qh & 0xFF]);
    const __m128i h1 = _mm_set_epi64x((long long)hb[qh >> 24], (long long)hb[(qh >> 16) & 0xFF]);
    *e0 = _mm_add_epi8(_mm_and_si128(q, m4), h0);
    *e1 = _mm_add_epi8(_mm_and_si128(_mm_srli_epi16(q, 4), m4), h1);
}


#endif
