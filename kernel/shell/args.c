#include "shell/args.h"
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

int unquote_text(const char *in, char *out, int cap)
{
    int o = 0;
    char quote = 0;
    for (const char *r = in; *r; r++) {
        if (!quote && (*r == '"' || *r == '\'')) {
            quote = *r;
            continue;
        }
        if (quote && *r == quote) {
            quote = 0;
            continue;
        }
        int n = (*r == '\\' && r[1]) ? 2 : 1;
        if (o + n >= cap)
            return -E2BIG;
        out[o++] = *r;
        if (n == 2)
            out[o++] = *++r;
    }
    if (quote)
        return -EINVAL;
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
