/* Unicode character classes and UTF-8 conversion for the byte-level BPE
 * pre-tokenizers, behaving as llama.cpp's src/unicode.cpp does. The classes
 * come from kernel/model/unicode_tables.c, generated from Unicode data by
 * scripts/gen-unicode-tables.py (the version is named in that file). */
#ifndef EMBODIOS_MODEL_UNICODE_CLASS_H
#define EMBODIOS_MODEL_UNICODE_CLASS_H

#include <stddef.h>
#include <stdint.h>

/* One bit per major general category (Cn is UC_UNDEFINED; Cc Cf Cs Co are
 * UC_CONTROL), plus White_Space. Every code point below U+110000 has exactly
 * one category bit, so its flags are never 0: 0 means "past the text". */
#define UC_UNDEFINED  0x001
#define UC_NUMBER     0x002    /* \p{N} */
#define UC_LETTER     0x004    /* \p{L} */
#define UC_SEPARATOR  0x008    /* \p{Z} */
#define UC_MARK       0x010    /* \p{M} */
#define UC_PUNCT      0x020    /* \p{P} */
#define UC_SYMBOL     0x040    /* \p{S} */
#define UC_CONTROL    0x080    /* \p{C} but unassigned */
#define UC_WHITESPACE 0x100    /* \s */

#define UNICODE_MAX_CP 0x10FFFF
#define UNICODE_REPLACEMENT 0xFFFD

extern const unsigned unicode_range_count;
extern const uint32_t unicode_range_start[];
extern const uint8_t unicode_range_flags[];
extern const unsigned unicode_whitespace_count;
extern const uint32_t unicode_whitespace[];

/* Flags of a code point; above U+10FFFF: UC_UNDEFINED (as llama.cpp). */
uint16_t unicode_flags(uint32_t cp);
/* Decodes one code point at s[*pos] (len bytes in all) and advances *pos.
 * As llama.cpp's unicode_cpts_from_utf8: a byte that does not start a
 * complete sequence gives U+FFFD and advances by one; overlong forms and
 * surrogates are accepted; 4-byte forms may decode above U+10FFFF. */
uint32_t unicode_decode(const uint8_t *s, size_t len, size_t *pos);
/* UTF-8 of cp into out (4 bytes); returns the length, or 0 for cp above
 * U+10FFFF (where llama.cpp throws). */
unsigned unicode_encode(uint32_t cp, uint8_t *out);
/* ASCII-only lowercase: scripts/gen-unicode-tables.py checks that no other
 * code point lowercases to a letter of the contraction rules. */
static inline uint32_t unicode_tolower_ascii(uint32_t cp)
{
    return cp >= 'A' && cp <= 'Z' ? cp + 32 : cp;
}
/* Expected length of a UTF-8 sequence from its lead byte (continuation
 * bytes and invalid leads count 1, as llama.cpp's unicode_len_utf8). */
static inline unsigned unicode_len_utf8(uint8_t lead)
{
    static const uint8_t lengths[16] = { 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 3, 4 };
    return lengths[lead >> 4];
}

#endif
