/* Host-test stand-in for printk: pure kernel code logs through printk; in host
 * tests the output goes to stdout (or nowhere when EMBODIOS_QUIET is set),
 * and to host_printk_tap when the test defines one. */
#include "host_printk_shim.h"
#include <stdio.h>
#include <stdlib.h>
#include "core/printk.h"

int vprintk(const char *fmt, va_list ap)
{
    va_list copy;
    va_copy(copy, ap);
    char line[1024];
    int n = vsnprintf(line, sizeof(line), fmt, copy);
    va_end(copy);
    if (n > 0 && host_printk_tap)
        host_printk_tap(line, (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1);
    if (n > 0 && !getenv("EMBODIOS_QUIET"))
        vprintf(fmt, ap);
    return n;
}

int printk(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vprintk(fmt, ap);
    va_end(ap);
    return n;
}

void console_write(const char *s, unsigned long len) { fwrite(s, 1, len, stdout); }
void console_putc(char c) { putchar(c); }
