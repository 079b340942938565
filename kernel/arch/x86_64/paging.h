/* Identity mapping of all RAM. boot.S maps the first 4 GiB (RAM below the
 * PCI hole, and the hole itself for device registers); paging_map_high()
 * adds any RAM the memory map shows above 4 GiB. */
#ifndef EMBODIOS_ARCH_PAGING_H
#define EMBODIOS_ARCH_PAGING_H

#include <stdint.h>

#define PAGING_BOOT_MAPPED (4ULL << 30)

/* Maps [4 GiB, end) with 2 MiB pages; page-directory pages come from the
 * page allocator. Returns 0 or -ENOMEM / -ERANGE. */
int paging_map_high(uint64_t end);

/* Splits the 2 MiB pages that hold the kernel into 4 KiB pages and
 * protects it: page 0 unmapped (a NULL dereference faults), a guard page
 * below the boot stack, text read-only and executable, rodata read-only,
 * and (with EFER.NXE, when the CPU has NX) every other page no-execute.
 * Call after the last read of the BIOS data area in page 0 (acpi_init).
 * Returns 1 with NX, 0 without, or -E2BIG if the kernel is too large. */
int paging_protect_kernel(void);

#endif
