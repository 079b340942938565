/* Monotonic time from the TSC, calibrated at boot against the HPET, the ACPI
 * PM timer or the PIT (the first the machine has), and refined about a
 * second later over the long baseline. No CPU frequency is ever assumed. */
#ifndef EMBODIOS_CORE_TIME_H
#define EMBODIOS_CORE_TIME_H

#include <stdint.h>

/* Calibrates the TSC; call once at boot (after acpi_init) before any other
 * function here. */
void time_init(void);
uint64_t time_tsc_hz(void);
/* Microseconds since the kernel's first instruction. */
uint64_t time_us(void);
/* "HPET", "ACPI PM timer" or "PIT". */
const char *time_reference_name(void);
/* One line: the refined rate and its baseline, or why there is none yet. */
void time_print_calibration(void);
uint64_t time_tsc_to_us(uint64_t tsc_delta);
void udelay(uint64_t us);

#endif
