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

/* --- protection of the kernel image -------------------------------------- */

#define PTE_NX        (1ULL << 63)
#define EFER_MSR      0xC0000080
#define EFER_NXE      (1ULL << 11)
#define CR0_WP        (1ULL << 16)
#define SMALL_PAGES_MAX 4               /* 2 MiB regions split into 4 KiB pages: the kernel must fit */

extern char __kernel_start[], __rodata_start[], __data_start[], __kernel_end[];
extern char boot_stack_guard[];

static uint64_t small_pts[SMALL_PAGES_MAX][512] __attribute__((aligned(4096)));

static int cpu_has_nx(void)
{
    uint32_t a, b, c, d;
    cpuid(0x80000000, &a, &b, &c, &d);
    if (a < 0x80000001)
        return 0;
    cpuid(0x80000001, &a, &b, &c, &d);
    return (d >> 20) & 1;
}

/* Flags of the 4 KiB page at addr in the low, split regions. */
static uint64_t small_page_flags(uint64_t addr, uint64_t nx)
{
    uint64_t start = (uintptr_t)__kernel_start, rodata = (uintptr_t)__rodata_start;
    uint64_t data = (uintptr_t)__data_start;
    if (addr == 0 || addr == (uintptr_t)boot_stack_guard)
        return 0;                                       /* not present */
    if (addr >= start && addr < rodata)
        return PTE_PRESENT;                             /* text: read-only, executable */
    if (addr >= rodata && addr < data)
        return PTE_PRESENT | nx;                        /* rodata: read-only */
    return PTE_PRESENT | PTE_WRITE | nx;                /* data, bss, low memory, free RAM */
}

int paging_protect_kernel(void)
{
    uint64_t end = (uintptr_t)__kernel_end;
    uint64_t regions = (end + HUGE_2M - 1) / HUGE_2M;
    if (regions > SMALL_PAGES_MAX)
        return -E2BIG;
    uint64_t nx = cpu_has_nx() ? PTE_NX : 0;
    if (nx)
        write_msr(EFER_MSR, read_msr(EFER_MSR) | EFER_NXE);
    uint64_t *pd0 = (uint64_t *)(uintptr_t)(boot_pdpt[0] & ~0xFFFULL);
    for (uint64_t r = 0; r < regions; r++) {
        for (int i = 0; i < 512; i++) {
            uint64_t addr = r * HUGE_2M + (uint64_t)i * 4096;
            small_pts[r][i] = addr | small_page_flags(addr, nx);
        }
        /* The directory entry allows everything; the 4 KiB entries decide. */
        pd0[r] = (uint64_t)(uintptr_t)small_pts[r] | PTE_PRESENT | PTE_WRITE;
    }
    /* Every other page is RAM for data or device registers: never code. */
    for (int g = 0; g < 512 && nx; g++) {
        if (!(boot_pdpt[g] & PTE_PRESENT))
            continue;
        uint64_t *pd = (uint64_t *)(uintptr_t)(boot_pdpt[g] & ~0xFFFULL);
        for (int i = g == 0 ? (int)regions : 0; i < 512; i++)
            if (pd[i] & PTE_PRESENT)
                pd[i] |= nx;
    }
    write_cr3(read_cr3());                              /* flush the TLB */
    /* Read-only pages bind the kernel too (Intel SDM vol. 3, 4.6.1). */
    write_cr0(read_cr0() | CR0_WP);
    return nx ? 1 : 0;
}
