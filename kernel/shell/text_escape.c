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

void text_print_escaped(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '\n') printk("\\n");
        else if (c == '\t') printk("\\t");
        else if (c == '\r') printk("\\r");
        else if (c == '\\') printk("\\\\");
        else if (c == '"') printk("\\\"");
        else if (c < 0x20 || c == 0x7F) printk("\\x%02x", c);
        else printk("%c", c);
    }
}
