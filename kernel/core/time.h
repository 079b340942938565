/* Monotonic time from the TSC, calibrated against the PIT at boot. No CPU
 * frequency is ever assumed. */
#ifndef EMBODIOS_CORE_TIME_H
#define EMBODIOS_CORE_TIME_H

#include <stdint.h>

/* Calibrates the TSC; call once at boot before any other function here. */
void time_init(void);
uint64_t time_tsc_hz(void);
uint64_t time_us(void);               /* microseconds since time_init */
uint64_t time_tsc_to_us(uint64_t tsc_delta);
void udelay(uint64_t us);

#endif
