/* Just enough ACPI to power off: find the FADT for the PM1 control ports
 * and the DSDT's \_S5 package for the sleep type (ACPI 6.x, 16.1.7 and 7.4.2). */
#ifndef EMBODIOS_ARCH_ACPI_H
#define EMBODIOS_ARCH_ACPI_H

/* Reads the tables; 0 or a negative error. Logs what it found. */
int acpi_init(void);
/* Enters S5. Returns only on failure, with a negative error. */
int acpi_poweroff(void);
/* Resets the machine (8042 pulse, then a triple fault); does not return. */
__attribute__((noreturn)) void machine_reboot(void);

#endif
