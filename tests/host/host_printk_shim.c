/* Host-test stand-in for printk: pure kernel code logs through printk; in host
 * tests the output goes to stdout (or nowhere when EMBODIOS_QUIET is set). */
#include <stdio.h>
#include <stdlib.h>
#include "core/printk.h"

int vprintk(const char *fmt, va_list ap)
{
    if (getenv("EMBODIOS_QUIET"))
        return 0;
    return vprintf(fmt, ap);
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
