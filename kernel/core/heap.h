/* Kernel heap: kmalloc/kfree/kcalloc and aligned allocations, from 16 bytes to
 * hundreds of MiB. Memory comes from the physical page allocator; physical ==
 * virtual (all RAM is identity-mapped), so any heap pointer is also its own
 * DMA address. */
#ifndef EMBODIOS_CORE_HEAP_H
#define EMBODIOS_CORE_HEAP_H

#include <stddef.h>
#include <stdint.h>

void *kmalloc(size_t size);
void *kcalloc(size_t count, size_t size);
/* align must be a power of two; the result may be passed to kfree. */
void *kmalloc_aligned(size_t size, size_t align);
void kfree(void *ptr);

struct heap_stats {
    uint64_t total_bytes;     /* bytes the heap manages (arenas) */
    uint64_t used_bytes;      /* bytes in live allocations, headers included */
    uint64_t free_bytes;      /* bytes in free blocks */
    uint64_t largest_free;    /* largest single free block */
    uint64_t allocations;     /* live allocations */
};
void heap_get_stats(struct heap_stats *st);

/* The largest allocation that could succeed right now, counting memory the
 * page allocator can still give (for `mem`). */
uint64_t heap_max_allocation(void);
/* Whether kmalloc_aligned(bytes, align) would succeed right now, with every
 * overhead counted (block tags, the slide to the alignment, a new arena's
 * prologue and epilogue and page rounding). loadmodel's fit check: callers
 * sum everything they will allocate into bytes. */
int heap_can_allocate(uint64_t bytes, uint64_t align);

#endif
