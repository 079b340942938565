/* panic() is for broken invariants of our own code, never for bad input: it
 * prints the message, the registers and a backtrace, then halts. */
#ifndef EMBODIOS_CORE_PANIC_H
#define EMBODIOS_CORE_PANIC_H

#include "lib/format.h"

struct interrupt_frame;

__attribute__((noreturn)) void panic(const char *fmt, ...) PRINTF_LIKE(1, 2);
void panic_dump_frame(const struct interrupt_frame *f);
__attribute__((noreturn)) void panic_halt(void);

#define BUG_ON(cond) do { if (cond) panic("BUG_ON(%s) at %s:%d", #cond, __FILE__, __LINE__); } while (0)

#endif
