#include "arch/x86_64/paging.h"
#include "arch/x86_64/cpu.h"
#include "core/pmm.h"
#include "lib/errno.h"
#include "lib/string.h"
#include "lib/units.h"

#define PTE_PRESENT 0x1ULL
#define PTE_WRITE   0x2ULL
#define PTE_LARGE   0x80ULL
#define HUGE_2M     (2ULL << 20)


extern uint64_t boot_pdpt[512];   /* boot.S: covers the first 512 GiB */

int paging_map_high(uint64_t end)
{
    if (end <= PAGING_BOOT_MAPPED)
        return 0;
    if (end > 512 * GIB)
        return -ERANGE;
    for (uint64_t gib = PAGING_BOOT_MAPPED / GIB; gib * GIB < end; gib++) {
        if (!(boot_pdpt[gib] & PTE_PRESENT)) {
            uint64_t pd = pmm_alloc_pages(1);
            if (!pd)
                return -ENOMEM;
            memset((void *)(uintptr_t)pd, 0, PAGE_SIZE);
            boot_pdpt[gib] = pd | PTE_PRESENT | PTE_WRITE;
        }
        uint64_t *pd = (uint64_t *)(uintptr_t)(boot_pdpt[gib] & ~0xFFFULL);
        for (int i = 0; i < 512; i++) {
            uint64_t addr = gib * GIB + (uint64_t)i * HUGE_2M;
            if (addr < end)
                pd[i] = addr | PTE_PRESENT | PTE_WRITE | PTE_LARGE;
        }
    }
    write_cr3(read_cr3());   /* flush the TLB */
    return 0;
}
