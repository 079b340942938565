#include "shell/text_escape.h"
#include "core/printk.h"
#include "lib/errno.h"
#include "lib/hex.h"
#include "lib/string.h"

int text_unescape(const char *in, char *out, size_t cap)
{
    if (strcmp(in, "\"\"") == 0)
        return 0;
    size_t o = 0;
    for (size_t i = 0; in[i]; i++) {
        char c = in[i];
        if (c == '\\') {
            char e = in[++i];
            if (e == 'n') c = '\n';
            else if (e == 't') c = '\t';
            else if (e == 'r') c = '\r';
            else if (e == '\\') c = '\\';
            else if (e == 'x' && hex_digit_value(in[i + 1]) >= 0 && hex_digit_value(in[i + 2]) >= 0) {
                c = (char)(hex_digit_value(in[i + 1]) * 16 + hex_digit_value(in[i + 2]));
                i += 2;
            } else {
                printk("Bad escape '\\%c' at position %lu (use \\n \\t \\r \\\\ or \\xHH)\n", e ? e : ' ',
                       (unsigned long)i);
                return -EINVAL;
            }
        }
        if (o == cap)
            return -E2BIG;
        out[o++] = c;
    }
    return (int)o;
}

/* Length of the valid UTF-8 character at s (1 to 4), or 0 if the bytes
 * there are not one; C1 controls (U+0080..U+009F) count as not valid, so
 * they are escaped. */
static size_t utf8_char(const unsigned char *s, size_t left)
{
    size_t n = s[0] >= 0xF0 && s[0] <= 0xF4 ? 4 : s[0] >= 0xE0 ? 3 : s[0] >= 0xC2 && s[0] < 0xE0 ? 2 : 0;
    if (s[0] >= 0xF5 || n == 0 || n > left)
        return 0;
    for (size_t k = 1; k < n; k++)
        if ((s[k] & 0xC0) != 0x80)
            return 0;
    if (n == 2 && s[0] == 0xC2 && s[1] < 0xA0)
        return 0;                                           /* C1 control */
    if ((n == 3 && s[0] == 0xE0 && s[1] < 0xA0) || (n == 4 && s[0] == 0xF0 && s[1] < 0x90) ||
        (n == 4 && s[0] == 0xF4 && s[1] >= 0x90) || (n == 3 && s[0] == 0xED && s[1] >= 0xA0))
        return 0;                                           /* overlong, beyond U+10FFFF, surrogate */
    return n;
}

/* The escaped form of the character at s[0..left): writes it to out (at
 * most 5 bytes, no NUL) and returns its length; *used = input bytes. */
static size_t escape_char(const char *s, size_t left, char *out, size_t *used)
{
    unsigned char c = (unsigned char)s[0];
    static const char digits[] = "0123456789abcdef";
    *used = 1;
    switch (c) {
    case '\n': memcpy(out, "\\n", 2); return 2;
    case '\t': memcpy(out, "\\t", 2); return 2;
    case '\r': memcpy(out, "\\r", 2); return 2;
    case '\\': memcpy(out, "\\\\", 2); return 2;
    case '"': memcpy(out, "\\\"", 2); return 2;
    default: break;
    }
    if (c >= 0x20 && c < 0x7F) {
        out[0] = (char)c;
        return 1;
    }
    size_t n = c >= 0x80 ? utf8_char((const unsigned char *)s, left) : 0;
    if (n) {
        memcpy(out, s, n);
        *used = n;
        return n;
    }
    out[0] = '\\';
    out[1] = 'x';
    out[2] = digits[c >> 4];
    out[3] = digits[c & 15];
    return 4;
}

const char *text_escape(char *out, size_t cap, const char *s, size_t len, size_t max)
{
    size_t o = 0, i = 0;
    char one[5];
    int cut = 0;
    while (i < len) {
        size_t used, n = escape_char(s + i, len - i, one, &used);
        if (i + used > max || o + n + 4 > cap) {   /* keep room for "..." and the NUL */
            cut = 1;
            break;
        }
        memcpy(out + o, one, n);
        o += n;
        i += used;
    }
    if (cut)
        memcpy(out + o, "...", 3), o += 3;
    out[o] = 0;
    return out;
}

void text_print_escaped(const char *s, size_t len)
{
    char one[6];
    for (size_t i = 0; i < len;) {
        size_t used, n = escape_char(s + i, len - i, one, &used);
        one[n] = 0;
        printk("%s", one);
        i += used;
    }
}

void text_print_limited(const char *s, size_t len, size_t max)
{
    char one[6];
    for (size_t i = 0; i < len;) {
        size_t used, n = escape_char(s + i, len - i, one, &used);
        if (i + used > max) {
            printk("...");
            return;
        }
        one[n] = 0;
        printk("%s", one);
        i += used;
    }
}
