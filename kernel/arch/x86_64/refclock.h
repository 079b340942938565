/* Reference clocks of known frequency for calibrating the TSC, best first:
 * the HPET main counter, the ACPI PM timer, the PIT. */
#ifndef EMBODIOS_ARCH_REFCLOCK_H
#define EMBODIOS_ARCH_REFCLOCK_H

#include "core/tsc_calib.h"

/* Each fills *rc and returns 0, or returns a negative error when ACPI names
 * no such timer or it does not count. Call after acpi_init. */
int refclock_hpet(struct refclock *rc);
int refclock_pm_timer(struct refclock *rc);
/* The PIT is always there on a PC; starts its channel 2. */
void refclock_pit(struct refclock *rc);

#endif
