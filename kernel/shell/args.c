#include "shell/args.h"
#include "core/printk.h"
#include "lib/errno.h"
#include "lib/format.h"

int split_args(char *line, char **argv, int max_args)
{
    int argc = 0;
    char *r = line, *w = line;
    for (;;) {
        while (*r == ' ' || *r == '\t')
            r++;
        if (!*r)
            break;
        if (argc == max_args)
            return -E2BIG;
        argv[argc++] = w;
        char quote = 0;
        while (*r && (quote || (*r != ' ' && *r != '\t'))) {
            if (!quote && (*r == '"' || *r == '\'')) {
                quote = *r++;
            } else if (quote && *r == quote) {
                quote = 0;
                r++;
            } else {
                *w++ = *r++;
            }
        }
        if (quote)
            return -EINVAL;
        /* Terminate the argument; r may equal w, so step r first. */
        if (*r)
            r++;
        *w++ = 0;
    }
    return argc;
}

static int is_blank(char c)
{
    return c == ' ' || c == '\t';
}

/* Where the quote at q closes: the next same quote at the end of a word
 * (followed by a blank or the end), or NULL. */
static const char *closing_quote(const char *q)
{
    for (const char *r = q + 1; *r; r++) {
        if (*r == '\\' && r[1])
            r++;
        else if (*r == *q && (r[1] == 0 || is_blank(r[1])))
            return r;
    }
    return NULL;
}

int unquote_text(const char *in, char *out, int cap)
{
    int o = 0;
    const char *close = NULL;
    for (const char *r = in; *r; r++) {
        if (r == close) {
            close = NULL;
            continue;
        }
        if (!close && (*r == '"' || *r == '\'') && (r == in || is_blank(r[-1]))) {
            close = closing_quote(r);
            if (close)
                continue;
        }
        int n = (*r == '\\' && r[1]) ? 2 : 1;
        if (o + n >= cap)
            return -E2BIG;
        out[o++] = *r;
        if (n == 2)
            out[o++] = *++r;
    }
    out[o] = 0;
    return o;
}

int arg_to_u64(const char *s, unsigned long long min, unsigned long long max, unsigned long long *out)
{
    unsigned long long v;
    int rc = parse_u64(s, &v);
    if (rc < 0)
        return rc;
    if (v < min || v > max)
        return -ERANGE;
    *out = v;
    return 0;
}

int arg_u64_checked(const char *cmd, const char *name, const char *s, unsigned long long min,
                    unsigned long long max, unsigned long long *out)
{
    int rc = arg_to_u64(s, min, max, out);
    if (rc < 0 && max == ~0ULL)
        printk("%s: %s '%s' is not a number from %llu up\n", cmd, name, s, min);
    else if (rc < 0)
        printk("%s: %s '%s' is not in %llu..%llu\n", cmd, name, s, min, max);
    return rc;
}
