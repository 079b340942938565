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

#endif
