/* Kernel console output. Everything goes to COM1. */
#ifndef EMBODIOS_CORE_PRINTK_H
#define EMBODIOS_CORE_PRINTK_H

#include <stdarg.h>
#include "lib/format.h"

int printk(const char *fmt, ...) PRINTF_LIKE(1, 2);
int vprintk(const char *fmt, va_list ap);
void console_write(const char *s, unsigned long len);
void console_putc(char c);

#endif
