#include "lib/float_format.h"
#include "lib/format.h"

/* value = mant * 2^exp (mant < 2^53). Normalises into [1, 10) by repeated
 * exact-enough scaling of a 64-bit mantissa, then prints d.ddddde±XX. */
static void format_parts(char *buf, size_t size, int negative, uint64_t mant, int exp)
{
    const char *sign = negative ? "-" : "";
    if (mant == 0) {
        snprintf(buf, size, "%s0", sign);
        return;
    }
    while (!(mant & (1ULL << 63))) {
        mant <<= 1;
        exp--;
    }
    /* Now value = mant * 2^exp with mant in [2^63, 2^64). */
    int dec = 0;
    for (;;) {
        /* value >= 10 ? */
        int e = exp + 63;                      /* value in [2^e, 2^(e+1)) */
        if (e >= 4 || (e == 3 && (mant >> 60) >= 10)) {
            mant /= 10;
            while (!(mant & (1ULL << 63))) {
                mant <<= 1;
                exp--;
            }
            dec++;
        } else if (e < 0) {
            unsigned __int128 p = (unsigned __int128)mant * 10;
            while (p >> 64) {
                p >>= 1;
                exp++;
            }
            mant = (uint64_t)p;
            while (!(mant & (1ULL << 63))) {
                mant <<= 1;
                exp--;
            }
            dec--;
        } else {
            break;
        }
    }
    /* value in [1, 10): integer part and 5 more digits, rounded. */
    int shift = -exp;                          /* 60..63 */
    uint64_t scaled = (uint64_t)(((unsigned __int128)mant * 100000 + ((unsigned __int128)1 << (shift - 1))) >> shift);
    if (scaled >= 1000000) {
        scaled /= 10;
        dec++;
    }
    /* Six significant digits; trailing zeros dropped. */
    char d[8];
    snprintf(d, sizeof(d), "%06lu", (unsigned long)scaled);
    int n = 6;
    while (n > 1 && d[n - 1] == '0')
        n--;
    d[n] = 0;
    if (dec >= 0 && dec < 6) {
        /* Plain notation: the point goes after dec + 1 digits. */
        char whole[8], *frac = d + dec + 1;
        int w = dec + 1;
        for (int i = 0; i < w; i++)
            whole[i] = i < n ? d[i] : '0';
        whole[w] = 0;
        snprintf(buf, size, "%s%s%s%s", sign, whole, w < n ? "." : "", w < n ? frac : "");
    } else if (dec < 0 && dec > -5) {
        snprintf(buf, size, "%s0.%.*s%s", sign, -dec - 1, "0000", d);
    } else {
        snprintf(buf, size, "%s%c%s%s", sign, d[0], n > 1 ? "." : "", d + 1);
        size_t used = 0;
        while (used < size && buf[used])
            used++;
        snprintf(buf + used, size - used, "e%c%02d", dec < 0 ? '-' : '+', dec < 0 ? -dec : dec);
    }
}

void format_f32_bits(char *buf, size_t size, uint32_t bits)
{
    int negative = bits >> 31;
    int exp = (bits >> 23) & 0xFF;
    uint64_t frac = bits & 0x7FFFFF;
    if (exp == 0xFF) {
        snprintf(buf, size, frac ? "nan" : negative ? "-inf" : "inf");
        return;
    }
    if (exp == 0)
        format_parts(buf, size, negative, frac, -149);
    else
        format_parts(buf, size, negative, frac | (1ULL << 23), exp - 150);
}

void format_f64_bits(char *buf, size_t size, uint64_t bits)
{
    int negative = (int)(bits >> 63);
    int exp = (int)((bits >> 52) & 0x7FF);
    uint64_t frac = bits & ((1ULL << 52) - 1);
    if (exp == 0x7FF) {
        snprintf(buf, size, frac ? "nan" : negative ? "-inf" : "inf");
        return;
    }
    if (exp == 0)
        format_parts(buf, size, negative, frac, -1074);
    else
        format_parts(buf, size, negative, frac | (1ULL << 52), exp - 1075);
}
