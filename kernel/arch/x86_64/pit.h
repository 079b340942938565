/* The 8254 PIT, used only as a known-frequency reference to calibrate the TSC. */
#ifndef EMBODIOS_ARCH_PIT_H
#define EMBODIOS_ARCH_PIT_H

#include <stdint.h>

#define PIT_HZ 1193182u

/* Busy-waits exactly `ticks` PIT ticks (at most 65535) on channel 2 and
 * returns how many TSC cycles that took. */
uint64_t pit_measure_tsc(uint16_t ticks);

#endif
