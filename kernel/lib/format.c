/* printf-style formatting (see format.h). Integer-only: no floating point is
 * used anywhere in the kernel. */
#include "lib/format.h"
#include "lib/errno.h"
#include "lib/hex.h"
#include <stdint.h>

#ifdef EMBODIOS_HOST_TEST
/* Host tests link the C library, which has these names too: test ours
 * under a prefix (declared in tests/host/test_format.c). */
#define vsnprintf emb_vsnprintf
#define snprintf  emb_snprintf
int emb_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int emb_snprintf(char *buf, size_t size, const char *fmt, ...) PRINTF_LIKE(3, 4);
#endif

struct out {
    char *buf;
    size_t size;
    size_t len;   /* length the full output would have */
};

static void put(struct out *o, char c)
{
    if (o->len + 1 < o->size)
        o->buf[o->len] = c;
    o->len++;
}

static void put_padding(struct out *o, char c, int count)
{
    while (count-- > 0)
        put(o, c);
}

struct spec {
    int left;      /* '-' */
    int zero;      /* '0' */
    int plus;      /* '+' */
    int space;     /* ' ' */
    int alt;       /* '#' */
    int width;
    int precision; /* -1 when absent */
};

static void put_string(struct out *o, const struct spec *sp, const char *s)
{
    if (!s)
        s = "(null)";
    int len = 0;
    while (s[len] && (sp->precision < 0 || len < sp->precision))
        len++;
    if (!sp->left)
        put_padding(o, ' ', sp->width - len);
    for (int i = 0; i < len; i++)
        put(o, s[i]);
    if (sp->left)
        put_padding(o, ' ', sp->width - len);
}

static void put_number(struct out *o, const struct spec *sp, unsigned long long v,
                       int negative, unsigned base, int upper, const char *prefix)
{
    const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    char tmp[24];
    int n = 0;
    do {
        tmp[n++] = digits[v % base];
        v /= base;
    } while (v);

    char sign = negative ? '-' : sp->plus ? '+' : sp->space ? ' ' : 0;
    int prefix_len = 0;
    while (prefix && prefix[prefix_len])
        prefix_len++;
    int body = n + (sign ? 1 : 0) + prefix_len;
    int pad = sp->width > body ? sp->width - body : 0;

    if (!sp->left && !sp->zero)
        put_padding(o, ' ', pad);
    if (sign)
        put(o, sign);
    for (int i = 0; i < prefix_len; i++)
        put(o, prefix[i]);
    if (!sp->left && sp->zero)
        put_padding(o, '0', pad);
    while (n)
        put(o, tmp[--n]);
    if (sp->left)
        put_padding(o, ' ', pad);
}

enum length { LEN_INT, LEN_CHAR, LEN_SHORT, LEN_LONG, LEN_LLONG, LEN_SIZE };

static unsigned long long fetch_unsigned(va_list *ap, enum length len)
{
    switch (len) {
    case LEN_CHAR:  return (unsigned char)va_arg(*ap, unsigned int);
    case LEN_SHORT: return (unsigned short)va_arg(*ap, unsigned int);
    case LEN_LONG:  return va_arg(*ap, unsigned long);
    case LEN_LLONG: return va_arg(*ap, unsigned long long);
    case LEN_SIZE:  return va_arg(*ap, size_t);
    default:        return va_arg(*ap, unsigned int);
    }
}

static long long fetch_signed(va_list *ap, enum length len)
{
    switch (len) {
    case LEN_CHAR:  return (signed char)va_arg(*ap, int);
    case LEN_SHORT: return (short)va_arg(*ap, int);
    case LEN_LONG:  return va_arg(*ap, long);
    case LEN_LLONG: return va_arg(*ap, long long);
    case LEN_SIZE:  return va_arg(*ap, long);   /* ssize_t / ptrdiff_t */
    default:        return va_arg(*ap, int);
    }
}

/* Parses flags, width, precision and length; returns the conversion char. */
static const char *parse_spec(const char *f, va_list *ap, struct spec *sp, enum length *len)
{
    *sp = (struct spec){ .precision = -1 };
    for (;; f++) {
        if (*f == '-') sp->left = 1;
        else if (*f == '0') sp->zero = 1;
        else if (*f == '+') sp->plus = 1;
        else if (*f == ' ') sp->space = 1;
        else if (*f == '#') sp->alt = 1;
        else break;
    }
    if (*f == '*') {
        sp->width = va_arg(*ap, int);
        if (sp->width < 0) {
            sp->left = 1;
            sp->width = -sp->width;
        }
        f++;
    } else {
        while (*f >= '0' && *f <= '9')
            sp->width = sp->width * 10 + (*f++ - '0');
    }
    if (*f == '.') {
        f++;
        sp->precision = 0;
        if (*f == '*') {
            sp->precision = va_arg(*ap, int);
            f++;
        } else {
            while (*f >= '0' && *f <= '9')
                sp->precision = sp->precision * 10 + (*f++ - '0');
        }
    }
    *len = LEN_INT;
    if (*f == 'h') {
        f++;
        *len = LEN_SHORT;
        if (*f == 'h') { f++; *len = LEN_CHAR; }
    } else if (*f == 'l') {
        f++;
        *len = LEN_LONG;
        if (*f == 'l') { f++; *len = LEN_LLONG; }
    } else if (*f == 'z' || *f == 't') {
        f++;
        *len = LEN_SIZE;
    }
    return f;
}

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap_in)
{
    struct out o = { buf, size, 0 };
    va_list ap;
    va_copy(ap, ap_in);
    for (const char *f = fmt; *f; f++) {
        if (*f != '%') {
            put(&o, *f);
            continue;
        }
        struct spec sp;
        enum length len;
        f = parse_spec(f + 1, &ap, &sp, &len);
        switch (*f) {
        case 'd':
        case 'i': {
            long long v = fetch_signed(&ap, len);
            unsigned long long mag = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;
            put_number(&o, &sp, mag, v < 0, 10, 0, 0);
            break;
        }
        case 'u': put_number(&o, &sp, fetch_unsigned(&ap, len), 0, 10, 0, 0); break;
        case 'x': put_number(&o, &sp, fetch_unsigned(&ap, len), 0, 16, 0, sp.alt ? "0x" : 0); break;
        case 'X': put_number(&o, &sp, fetch_unsigned(&ap, len), 0, 16, 1, sp.alt ? "0X" : 0); break;
        case 'o': put_number(&o, &sp, fetch_unsigned(&ap, len), 0, 8, 0, sp.alt ? "0" : 0); break;
        case 'p': {
            uintptr_t v = (uintptr_t)va_arg(ap, void *);
            put_number(&o, &sp, v, 0, 16, 0, "0x");
            break;
        }
        case 'c': {
            char c = (char)va_arg(ap, int);
            if (!sp.left)
                put_padding(&o, ' ', sp.width - 1);
            put(&o, c);
            if (sp.left)
                put_padding(&o, ' ', sp.width - 1);
            break;
        }
        case 's': put_string(&o, &sp, va_arg(ap, const char *)); break;
        case '%': put(&o, '%'); break;
        case '\0': f--; break;           /* lone '%' at the end */
        default:                          /* unknown: print it verbatim */
            put(&o, '%');
            put(&o, *f);
            break;
        }
    }
    va_end(ap);
    if (size)
        buf[o.len < size ? o.len : size - 1] = 0;
    return (int)o.len;
}

int snprintf(char *buf, size_t size, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, size, fmt, ap);
    va_end(ap);
    return n;
}

int parse_u64(const char *s, unsigned long long *out)
{
    unsigned base = 10;
    unsigned long long v = 0;
    if (!s || !*s)
        return -EINVAL;
    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        base = 16;
        s += 2;
        if (!*s)
            return -EINVAL;
    }
    for (; *s; s++) {
        int digit = hex_digit_value(*s);
        if (digit < 0 || (unsigned)digit >= base)
            return -EINVAL;
        unsigned d = (unsigned)digit;
        if (v > (~0ULL - d) / base)
            return -ERANGE;
        v = v * base + d;
    }
    *out = v;
    return 0;
}
