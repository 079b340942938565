/* Escapes for text typed over the serial line, so any byte can be given:
 * \n \t \r \\ \xHH; the whole text "" means the empty string. */
#ifndef EMBODIOS_SHELL_TEXT_ESCAPE_H
#define EMBODIOS_SHELL_TEXT_ESCAPE_H

#include <stddef.h>

#define LINE_TEXT_MAX 512

/* Decodes in into out; returns the length, or -EINVAL after printing
 * which escape is wrong. */
int text_unescape(const char *in, char *out, size_t cap);
/* Every string that comes from a disk (model names, metadata, tensor names,
 * token pieces, error messages quoting them) is printed through these, so
 * a file cannot drive the terminal: \n \t \r \\ \" escaped, other control
 * bytes (C0, DEL, and C1 as UTF-8 U+0080..U+009F) and bytes that are not
 * valid UTF-8 as \xHH; valid UTF-8 text is kept. */

/* Escapes at most max input bytes of s into out (cap >= 8, always NUL-
 * terminated), cutting at a character boundary and ending with "..." when
 * the input is longer or out is too small. Returns out. */
const char *text_escape(char *out, size_t cap, const char *s, size_t len, size_t max);
/* Prints len bytes escaped, without a length limit (detokenize). */
void text_print_escaped(const char *s, size_t len);
/* Prints at most max bytes escaped, then "..." if there were more. */
void text_print_limited(const char *s, size_t len, size_t max);

#endif
