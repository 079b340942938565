#include "core/printk.h"
#include "arch/x86_64/serial.h"

void console_write(const char *s, unsigned long len) { serial_write(s, len); }
void console_putc(char c) { serial_write(&c, 1); }

int vprintk(const char *fmt, va_list ap)
{
    char buf[512];
    int n = vsnprintf(buf, sizeof(buf), fmt, ap);
    if (n >= 0 && (size_t)n < sizeof(buf)) {
        serial_write(buf, (size_t)n);
    } else if (n >= 0) {
        /* Longer than the stack buffer: print what fits, then say so, rather
         * than allocating in a path that panic() also uses. */
        serial_write(buf, sizeof(buf) - 1);
        serial_write("[...]\n", 6);
    }
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
