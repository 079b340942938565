/* printf-style formatting into a buffer, used by printk and by the host tests.
 * Supports %d %i %u %x %X %o %p %s %c %% with the h, hh, l, ll, z and t
 * length modifiers, field width (number or '*'), precision for %s, zero
 * padding ('0') and left justification ('-'). */
#ifndef EMBODIOS_LIB_FORMAT_H
#define EMBODIOS_LIB_FORMAT_H

#include <stdarg.h>
#include <stddef.h>

#define PRINTF_LIKE(fmt_index, first_arg) \
    __attribute__((format(printf, fmt_index, first_arg)))

/* Like C99 vsnprintf: writes at most size bytes including the terminator and
 * returns the length the full output would have had. */
int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int snprintf(char *buf, size_t size, const char *fmt, ...) PRINTF_LIKE(3, 4);

/* Parses an unsigned decimal or 0x-prefixed hex number; the whole string must
 * be consumed. Returns 0 or -EINVAL / -ERANGE. */
int parse_u64(const char *s, unsigned long long *out);

#endif
