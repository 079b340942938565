/* Host-test printk (host_printk_shim.c). */
#ifndef EMBODIOS_TESTS_HOST_PRINTK_SHIM_H
#define EMBODIOS_TESTS_HOST_PRINTK_SHIM_H

#include <stddef.h>

/* A test that wants to see what the code under test logs defines this; it
 * gets every printk's text (cut at 1023 bytes). Weak: most tests don't. */
void host_printk_tap(const char *text, size_t len) __attribute__((weak));

#endif
