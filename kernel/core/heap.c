/* The kernel heap: heap_core fed with page runs from the page allocator. */
#include "core/heap.h"
#include "core/dma.h"
#include "core/heap_core.h"
#include "core/panic.h"
#include "core/pmm.h"
#include "lib/string.h"

#define ARENA_MIN (4ULL << 20)   /* grow in steps of at least 4 MiB */

static struct heap kernel_heap;
static int heap_ready;

static void *grow_from_pages(size_t min_bytes, size_t *got, void *ctx)
{
    (void)ctx;
    uint64_t bytes = min_bytes < ARENA_MIN ? ARENA_MIN : min_bytes;
    uint64_t pages = (bytes + PAGE_SIZE - 1) / PAGE_SIZE;
    uint64_t pa = pmm_alloc_pages(pages);
    if (!pa && bytes > min_bytes) {
        /* Short on memory: try for exactly what is needed. */
        pages = (min_bytes + PAGE_SIZE - 1) / PAGE_SIZE;
        pa = pmm_alloc_pages(pages);
    }
    if (!pa)
        return NULL;
    *got = pages * PAGE_SIZE;
    return phys_to_virt(pa);
}

/* Arenas come from grow_from_pages: page-aligned, whole pages. */
static void release_to_pages(void *start, size_t len, void *ctx)
{
    (void)ctx;
    pmm_free_pages(virt_to_phys(start), len / PAGE_SIZE);
}

static struct heap *heap(void)
{
    if (!heap_ready) {
        heap_core_init(&kernel_heap, grow_from_pages, NULL);
        /* Wholly free arenas go back to the page allocator, where they
         * merge with their neighbours again (one 4 MiB spare is kept). */
        heap_core_set_release(&kernel_heap, release_to_pages, ARENA_MIN);
        heap_ready = 1;
    }
    return &kernel_heap;
}

void *kmalloc(size_t size) { return heap_core_alloc(heap(), size, HEAP_ALIGN); }

void *kmalloc_aligned(size_t size, size_t align) { return heap_core_alloc(heap(), size, align); }

void *kcalloc(size_t count, size_t size)
{
    if (size && count > (size_t)-1 / size)
        return NULL;
    void *p = kmalloc(count * size);
    if (p)
        memset(p, 0, count * size);
    return p;
}

void kfree(void *ptr)
{
    if (heap_core_free(heap(), ptr) < 0)
        panic("kfree(%p): not a live heap block (double free or corruption)", ptr);
}

void heap_get_stats(struct heap_stats *st)
{
    struct heap *h = heap();
    st->total_bytes = h->arena_bytes;
    st->used_bytes = h->used_bytes;
    st->free_bytes = h->free_bytes;
    st->largest_free = heap_core_largest_free(h);
    st->allocations = h->allocations;
}

int heap_can_allocate(uint64_t bytes, uint64_t align)
{
    if (bytes > SIZE_MAX || align > SIZE_MAX)
        return 0;
    struct heap *h = heap();
    if (heap_core_fits(h, (size_t)bytes, (size_t)align))
        return 1;
    /* Otherwise grow_from_pages must get the whole arena in one run. */
    uint64_t grow = heap_core_grow_size((size_t)bytes, (size_t)align);
    struct pmm_stats ps;
    pmm_get_stats(&ps);
    return grow && (grow + PAGE_SIZE - 1) / PAGE_SIZE * PAGE_SIZE <= ps.largest_free_run;
}

uint64_t heap_max_allocation(void)
{
    struct pmm_stats ps;
    pmm_get_stats(&ps);
    uint64_t from_pages = ps.largest_free_run > PAGE_SIZE ? ps.largest_free_run - PAGE_SIZE : 0;
    uint64_t from_heap = heap_core_largest_free(heap());
    return from_pages > from_heap ? from_pages : from_heap;
}

void *dma_alloc(size_t size)
{
    size = (size + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
    void *p = kmalloc_aligned(size, PAGE_SIZE);
    if (p)
        memset(p, 0, size);
    return p;
}

void dma_free(void *ptr) { kfree(ptr); }
