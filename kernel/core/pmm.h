/* Physical page allocator: a bitmap of 4 KiB pages fed from the multiboot
 * memory map. It never hands out the first MiB (BIOS areas), the kernel
 * image, the multiboot structures, or anything the map does not call
 * available RAM. */
#ifndef EMBODIOS_CORE_PMM_H
#define EMBODIOS_CORE_PMM_H

#include <stddef.h>
#include <stdint.h>
#include "core/multiboot.h"

#define PAGE_SIZE 4096ULL

/* Parses the map; only RAM below map_limit is handed out until
 * pmm_extend_limit() raises it (memory above 4 GiB must be mapped first). */
int pmm_init(uint32_t multiboot_magic, const struct multiboot_info *mbi, uint64_t map_limit);
void pmm_extend_limit(uint64_t new_limit);
/* Highest end address of available RAM in the map. */
uint64_t pmm_ram_end(void);
/* Physical address of `count` contiguous free pages, or 0. */
uint64_t pmm_alloc_pages(uint64_t count);
void pmm_free_pages(uint64_t addr, uint64_t count);

struct pmm_stats {
    uint64_t usable_bytes;     /* available RAM in the memory map */
    uint64_t reserved_bytes;   /* of that, kept back (first MiB, kernel, boot data) */
    uint64_t free_bytes;
    uint64_t largest_free_run; /* bytes */
};
void pmm_get_stats(struct pmm_stats *st);

#endif
