/* Just enough ACPI to power off: find the FADT for the PM1 control ports
 * and the DSDT's \_S5 package for the sleep type (ACPI 6.x, 16.1.7 and 7.4.2);
 * and where the HPET and the PM timer are, for calibrating the TSC. */
#ifndef EMBODIOS_ARCH_ACPI_H
#define EMBODIOS_ARCH_ACPI_H

#include <stdint.h>

/* Reads the tables; 0 or a negative error. Logs what it found. Needs no
 * other subsystem, so it runs before the clock is calibrated. */
int acpi_init(void);

/* The reference clocks the tables name (0 where absent), for calibrating
 * the TSC. Valid after acpi_init, whatever it returned. */
struct acpi_timers {
    uint64_t hpet_base;           /* physical address of the HPET's registers */
    uint16_t pm_timer_port;       /* I/O port of the ACPI PM timer */
    uint8_t pm_timer_bits;        /* 24 or 32 */
};
const struct acpi_timers *acpi_timers(void);
/* Enters S5. Returns only on failure, with a negative error. */
int acpi_poweroff(void);
/* Resets the machine (8042 pulse, then a triple fault); does not return. */
__attribute__((noreturn)) void machine_reboot(void);

#endif
