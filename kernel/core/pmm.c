#include "core/pmm.h"
#include "core/printk.h"
#include "lib/errno.h"
#include "lib/string.h"

#define MAX_REGIONS  64
#define MAX_RESERVED 16
#define LOW_MEMORY   0x100000ULL   /* first MiB: BIOS data, EBDA, option ROMs */

struct range { uint64_t base, end; };

static struct range regions[MAX_REGIONS];     /* available RAM, page-aligned inward */
static int region_count;
static struct range reserved[MAX_RESERVED];   /* never handed out */
static int reserved_count;
static uint64_t *bitmap;                      /* 1 = used / not RAM */
static uint64_t bitmap_pages;                 /* pages the bitmap covers */
static uint64_t handed_limit;                 /* pages at or above this stay used */
static uint64_t usable_bytes, free_pages;

extern char __kernel_start[], __kernel_end[];

static void reserve(uint64_t base, uint64_t len)
{
    if (reserved_count < MAX_RESERVED && len)
        reserved[reserved_count++] = (struct range){ base & ~(PAGE_SIZE - 1),
                                                     (base + len + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1) };
}

static int overlaps_reserved(uint64_t base, uint64_t end)
{
    for (int i = 0; i < reserved_count; i++)
        if (base < reserved[i].end && reserved[i].base < end)
            return 1;
    return 0;
}

static inline int page_used(uint64_t p) { return (bitmap[p / 64] >> (p % 64)) & 1; }
static inline void mark_used(uint64_t p) { bitmap[p / 64] |= 1ULL << (p % 64); }
static inline void mark_free(uint64_t p) { bitmap[p / 64] &= ~(1ULL << (p % 64)); }

static void read_memory_map(const struct multiboot_info *mbi)
{
    uint64_t off = 0;
    while (off + sizeof(struct multiboot_mmap_entry) <= mbi->mmap_length && region_count < MAX_REGIONS) {
        const struct multiboot_mmap_entry *e =
            (const struct multiboot_mmap_entry *)(uintptr_t)(mbi->mmap_addr + off);
        if (e->type == MULTIBOOT_MEMORY_AVAILABLE && e->len) {
            uint64_t base = (e->addr + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
            uint64_t end = (e->addr + e->len) & ~(PAGE_SIZE - 1);
            if (end > base) {
                regions[region_count++] = (struct range){ base, end };
                usable_bytes += end - base;
            }
        }
        off += e->size + sizeof(e->size);
    }
}

/* Marks pages [first, end) free, whole 64-page words at a time where it can
 * (a page at a time, this loop alone would take a large part of the boot
 * budget under emulation with 4 GiB of RAM). */
static void free_page_range(uint64_t first, uint64_t end)
{
    uint64_t p = first;
    for (; p < end && p % 64; p++)
        mark_free(p);
    for (; p + 64 <= end; p += 64)
        bitmap[p / 64] = 0;
    for (; p < end; p++)
        mark_free(p);
    if (end > first)
        free_pages += end - first;
}

/* Frees the available RAM in pages [from_page, to_page) minus every
 * reservation: each region is cut at the reservations that overlap it. */
static void release_regions(uint64_t from_page, uint64_t to_page)
{
    for (int r = 0; r < region_count; r++) {
        uint64_t start = regions[r].base / PAGE_SIZE, end = regions[r].end / PAGE_SIZE;
        if (start < from_page)
            start = from_page;
        if (end > to_page)
            end = to_page;
        while (start < end) {
            /* The earliest point where a reservation overlaps [start, end). */
            uint64_t cut = end, resume = end;
            for (int i = 0; i < reserved_count; i++) {
                uint64_t rb = reserved[i].base / PAGE_SIZE, re = reserved[i].end / PAGE_SIZE;
                uint64_t c = rb > start ? rb : start;
                if (rb < end && re > start && c < cut) {
                    cut = c;
                    resume = re;
                }
            }
            free_page_range(start, cut);
            start = cut == end ? end : resume;
        }
    }
}

int pmm_init(uint32_t magic, const struct multiboot_info *mbi, uint64_t map_limit)
{
    if (magic != MULTIBOOT_BOOTLOADER_MAGIC || !(mbi->flags & MULTIBOOT_INFO_MEM_MAP)) {
        printk("pmm: no multiboot memory map (magic 0x%x)\n", magic);
        return -EINVAL;
    }
    read_memory_map(mbi);

    reserve(0, LOW_MEMORY);
    reserve((uintptr_t)__kernel_start, (uintptr_t)__kernel_end - (uintptr_t)__kernel_start);
    reserve((uintptr_t)mbi, sizeof(*mbi));
    reserve(mbi->mmap_addr, mbi->mmap_length);
    if (mbi->flags & MULTIBOOT_INFO_CMDLINE)
        reserve(mbi->cmdline, 4096);
    if (mbi->flags & MULTIBOOT_INFO_MODS) {
        const struct multiboot_module *mods = (const struct multiboot_module *)(uintptr_t)mbi->mods_addr;
        reserve(mbi->mods_addr, mbi->mods_count * sizeof(*mods));
        for (uint32_t i = 0; i < mbi->mods_count && i < 8; i++)
            reserve(mods[i].mod_start, mods[i].mod_end - mods[i].mod_start);
    }

    /* The bitmap itself lives in the first available run below the limit
     * that overlaps nothing reserved. */
    bitmap_pages = pmm_ram_end() / PAGE_SIZE;
    uint64_t bitmap_bytes = ((bitmap_pages + 63) / 64) * 8;
    uint64_t bitmap_len = (bitmap_bytes + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
    for (int r = 0; r < region_count && !bitmap; r++) {
        for (uint64_t base = regions[r].base; base + bitmap_len <= regions[r].end && base + bitmap_len <= map_limit;
             base += PAGE_SIZE) {
            if (!overlaps_reserved(base, base + bitmap_len)) {
                bitmap = (uint64_t *)(uintptr_t)base;
                break;
            }
        }
    }
    if (!bitmap) {
        printk("pmm: no room for the page bitmap (%lu bytes)\n", bitmap_len);
        return -ENOMEM;
    }
    reserve((uintptr_t)bitmap, bitmap_len);
    memset(bitmap, 0xFF, bitmap_bytes);
    /* Never past the bitmap: it covers exactly the pages up to the end of RAM. */
    handed_limit = map_limit / PAGE_SIZE < bitmap_pages ? map_limit / PAGE_SIZE : bitmap_pages;
    release_regions(0, handed_limit);
    return 0;
}

void pmm_extend_limit(uint64_t new_limit)
{
    uint64_t new_pages = new_limit / PAGE_SIZE;
    if (new_pages > bitmap_pages)
        new_pages = bitmap_pages;
    if (new_pages <= handed_limit)
        return;
    release_regions(handed_limit, new_pages);
    handed_limit = new_pages;
}

uint64_t pmm_ram_end(void)
{
    uint64_t end = 0;
    for (int i = 0; i < region_count; i++)
        if (regions[i].end > end)
            end = regions[i].end;
    return end;
}

/* Search for a run of free pages; whole words of used pages are skipped 64
 * at a time. */
static uint64_t find_run(uint64_t start, uint64_t end, uint64_t count)
{
    uint64_t run = 0;
    for (uint64_t p = start; p < end;) {
        if (p % 64 == 0 && bitmap[p / 64] == ~0ULL) {
            run = 0;
            p += 64;
            continue;
        }
        if (page_used(p)) {
            run = 0;
        } else if (++run == count) {
            return p + 1 - count;
        }
        p++;
    }
    return ~0ULL;
}

uint64_t pmm_alloc_pages(uint64_t count)
{
    if (!count || count > free_pages)
        return 0;
    /* First fit, always from the bottom: small heap arenas then gather low
     * and leave the big free run above them whole (next fit dropped a 4 MiB
     * arena into the middle of memory that a large allocation had just
     * given back). */
    uint64_t first = find_run(0, handed_limit, count);
    if (first == ~0ULL)
        return 0;
    for (uint64_t p = first; p < first + count; p++)
        mark_used(p);
    free_pages -= count;
    return first * PAGE_SIZE;
}

void pmm_free_pages(uint64_t addr, uint64_t count)
{
    for (uint64_t p = addr / PAGE_SIZE; p < addr / PAGE_SIZE + count && p < handed_limit; p++) {
        if (page_used(p) && !overlaps_reserved(p * PAGE_SIZE, (p + 1) * PAGE_SIZE)) {
            mark_free(p);
            free_pages++;
        }
    }
}

void pmm_get_stats(struct pmm_stats *st)
{
    uint64_t best = 0, run = 0;
    for (uint64_t p = 0; p < handed_limit; p++) {
        if (p % 64 == 0 && p + 64 <= handed_limit && bitmap[p / 64] == ~0ULL) {
            run = 0;
            p += 63;
            continue;
        }
        if (p % 64 == 0 && p + 64 <= handed_limit && bitmap[p / 64] == 0) {
            run += 64;
            if (run > best)
                best = run;
            p += 63;
            continue;
        }
        run = page_used(p) ? 0 : run + 1;
        if (run > best)
            best = run;
    }
    uint64_t reserved_bytes = 0;
    for (int r = 0; r < region_count; r++)
        for (int i = 0; i < reserved_count; i++) {
            uint64_t b = regions[r].base > reserved[i].base ? regions[r].base : reserved[i].base;
            uint64_t e = regions[r].end < reserved[i].end ? regions[r].end : reserved[i].end;
            if (e > b)
                reserved_bytes += e - b;
        }
    st->usable_bytes = usable_bytes;
    st->reserved_bytes = reserved_bytes;
    st->free_bytes = free_pages * PAGE_SIZE;
    st->largest_free_run = best * PAGE_SIZE;
}

int pmm_region_count(void) { return region_count; }

void pmm_region(int index, uint64_t *base, uint64_t *len)
{
    *base = regions[index].base;
    *len = regions[index].end - regions[index].base;
}
