/* 16550 UART on COM1, 115200 8N1 with FIFOs, polled. Received bytes are
 * drained into a ring buffer whenever anyone polls, so input typed or pasted
 * while a command runs waits there instead of being dropped. */
#ifndef EMBODIOS_ARCH_SERIAL_H
#define EMBODIOS_ARCH_SERIAL_H

#include <stddef.h>

void serial_init(void);
void serial_write(const char *s, size_t len);
/* Moves bytes from the UART into the ring; returns how many are buffered. */
size_t serial_poll(void);
/* Next received byte, or -1 if none is waiting. */
int serial_read_byte(void);
/* Looks for Ctrl-C (0x03) among buffered bytes without consuming others;
 * removes it and returns 1 when found. */
int serial_take_interrupt(void);
/* Sleeps (hlt) until a byte arrives, unless one is already buffered. */
void serial_wait_for_input(void);

#endif
