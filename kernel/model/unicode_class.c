#include "model/unicode_class.h"

static int is_whitespace(uint32_t cp)
{
    unsigned lo = 0, hi = unicode_whitespace_count;
    while (lo < hi) {
        unsigned mid = (lo + hi) / 2;
        if (unicode_whitespace[mid] == cp)
            return 1;
        if (unicode_whitespace[mid] < cp)
            lo = mid + 1;
        else
            hi = mid;
    }
    return 0;
}

uint16_t unicode_flags(uint32_t cp)
{
    if (cp > UNICODE_MAX_CP)
        return UC_UNDEFINED;
    /* The last range starting at or before cp. */
    unsigned lo = 0, hi = unicode_range_count;
    while (hi - lo > 1) {
        unsigned mid = (lo + hi) / 2;
        if (unicode_range_start[mid] <= cp)
            lo = mid;
        else
            hi = mid;
    }
    uint16_t f = unicode_range_flags[lo];
    if ((cp <= 0x20 || cp >= 0x85) && is_whitespace(cp))
        f |= UC_WHITESPACE;
    return f;
}

static int cont(const uint8_t *s, size_t len, size_t at)
{
    return at < len && (s[at] & 0xC0) == 0x80;
}

uint32_t unicode_decode(const uint8_t *s, size_t len, size_t *pos)
{
    size_t p = *pos;
    uint8_t b = s[p];
    if (b < 0x80) {
        *pos = p + 1;
        return b;
    }
    if ((b & 0xE0) == 0xC0 && cont(s, len, p + 1)) {
        *pos = p + 2;
        return ((uint32_t)(b & 0x1F) << 6) | (s[p + 1] & 0x3F);
    }
    if ((b & 0xF0) == 0xE0 && cont(s, len, p + 1) && cont(s, len, p + 2)) {
        *pos = p + 3;
        return ((uint32_t)(b & 0x0F) << 12) | ((uint32_t)(s[p + 1] & 0x3F) << 6) | (s[p + 2] & 0x3F);
    }
    if ((b & 0xF8) == 0xF0 && cont(s, len, p + 1) && cont(s, len, p + 2) && cont(s, len, p + 3)) {
        *pos = p + 4;
        return ((uint32_t)(b & 0x07) << 18) | ((uint32_t)(s[p + 1] & 0x3F) << 12) |
               ((uint32_t)(s[p + 2] & 0x3F) << 6) | (s[p + 3] & 0x3F);
    }
    *pos = p + 1;
    return UNICODE_REPLACEMENT;
}

unsigned unicode_encode(uint32_t cp, uint8_t *out)
{
    if (cp < 0x80) {
        out[0] = (uint8_t)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (uint8_t)(0xC0 | (cp >> 6));
        out[1] = (uint8_t)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (uint8_t)(0xE0 | (cp >> 12));
        out[1] = (uint8_t)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (uint8_t)(0x80 | (cp & 0x3F));
        return 3;
    }
    if (cp <= UNICODE_MAX_CP) {
        out[0] = (uint8_t)(0xF0 | (cp >> 18));
        out[1] = (uint8_t)(0x80 | ((cp >> 12) & 0x3F));
        out[2] = (uint8_t)(0x80 | ((cp >> 6) & 0x3F));
        out[3] = (uint8_t)(0x80 | (cp & 0x3F));
        return 4;
    }
    return 0;
}
