/* Splits a command line into arguments. */
#ifndef EMBODIOS_SHELL_ARGS_H
#define EMBODIOS_SHELL_ARGS_H

/* Splits `line` in place at spaces and tabs. "double" or 'single' quotes
 * group words (the quotes are removed). Returns argc, -E2BIG for more than
 * max_args arguments, or -EINVAL for an unterminated quote. */
int split_args(char *line, char **argv, int max_args);

/* Removes quotes from free text as split_args does ("double" or 'single'
 * quotes group, and are dropped) but keeps every space as typed; a
 * backslash and the byte after it are copied as they are, for
 * text_unescape. Returns the length written to out (NUL-terminated),
 * -EINVAL for an unterminated quote, or -E2BIG when out is too small. */
int unquote_text(const char *in, char *out, int cap);

/* Parses a decimal or 0x-hex number argument into *out, checking it lies in
 * [min, max]. Returns 0 or -EINVAL / -ERANGE. */
int arg_to_u64(const char *s, unsigned long long min, unsigned long long max, unsigned long long *out);

#endif
