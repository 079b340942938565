/* Escapes for text typed over the serial line, so any byte can be given:
 * \n \t \r \\ \xHH; the whole text "" means the empty string. */
#ifndef EMBODIOS_SHELL_TEXT_ESCAPE_H
#define EMBODIOS_SHELL_TEXT_ESCAPE_H

#include <stddef.h>

#define LINE_TEXT_MAX 512

/* Decodes in into out; returns the length, or -EINVAL after printing
 * which escape is wrong. */
int text_unescape(const char *in, char *out, size_t cap);
/* Prints bytes with \n, \t, \\, \" and \xHH for other control bytes. */
void text_print_escaped(const char *s, size_t len);

#endif
