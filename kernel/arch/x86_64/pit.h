/* The 8254 PIT, used only as the last-resort reference to calibrate the TSC
 * (when ACPI names neither an HPET nor a PM timer). */
#ifndef EMBODIOS_ARCH_PIT_H
#define EMBODIOS_ARCH_PIT_H

#include <stdint.h>

#define PIT_HZ 1193182u

/* Starts channel 2 counting down through all 65536 values, over and over
 * (mode 2 with reload 0); its output drives nothing (speaker off). */
void pit_start_free_running(void);
/* Ticks counted by channel 2 since it started, modulo 65536: counts up. */
uint64_t pit_read_ticks(void);

#endif
