/* The heap allocator proper, independent of where its memory comes from, so
 * the host tests can run it on malloc'd arenas.
 *
 * Boundary-tag allocator: every block has a 16-byte header (size|USED, and a
 * check word that catches corruption and double frees) and a footer copy of
 * size|USED in its last 8 bytes, so kfree can coalesce with both neighbours
 * in O(1). Free blocks sit in size-class bins (one per power of two) and a
 * request takes the first fit from its bin or any block from a higher one. */
#ifndef EMBODIOS_CORE_HEAP_CORE_H
#define EMBODIOS_CORE_HEAP_CORE_H

#include <stddef.h>
#include <stdint.h>

#define HEAP_BINS 64
#define HEAP_ALIGN 16

struct heap_free_block;

/* Asks for a new arena of at least min_bytes; returns its start and sets
 * *got to its length, or returns NULL. With a release function, the start
 * must be 16-byte aligned and the length a multiple of 16, so that release
 * gets back exactly what grow handed out. */
typedef void *(*heap_grow_fn)(size_t min_bytes, size_t *got, void *ctx);
/* Takes back an arena grow handed out, once nothing in it is allocated. */
typedef void (*heap_release_fn)(void *start, size_t len, void *ctx);

struct heap {
    struct heap_free_block *bins[HEAP_BINS];
    heap_grow_fn grow;
    heap_release_fn release;
    void *grow_ctx;
    /* One wholly free grown arena of at most spare_max bytes is kept
     * instead of released, so a small allocate/free loop does not take
     * and return pages every time. */
    void *spare;
    uint64_t spare_len;
    uint64_t spare_max;
    uint64_t arena_bytes;
    uint64_t used_bytes;
    uint64_t free_bytes;
    uint64_t allocations;
};

void heap_core_init(struct heap *h, heap_grow_fn grow, void *ctx);
/* Grown arenas that become wholly free go back through release (all but
 * one spare of at most spare_max bytes). Without it they stay forever. */
void heap_core_set_release(struct heap *h, heap_release_fn release, uint64_t spare_max);
/* Adds memory to the heap directly (also what grow results go through). */
void heap_core_add_arena(struct heap *h, void *start, size_t len);
/* align: a power of two; values below 16 mean 16. NULL when out of memory
 * or when size is absurd (overflow). */
void *heap_core_alloc(struct heap *h, size_t size, size_t align);
/* Returns 0, or -EFAULT for a pointer that is not a live block (the caller
 * decides whether that is a panic). */
int heap_core_free(struct heap *h, void *ptr);
/* Usable bytes of a live allocation. */
size_t heap_core_usable_size(const void *ptr);
uint64_t heap_core_largest_free(const struct heap *h);
/* Whether heap_core_alloc(size, align) would succeed from the free blocks
 * alone (without growing). */
int heap_core_fits(const struct heap *h, size_t size, size_t align);
/* The min_bytes heap_core_alloc(size, align) asks grow for when nothing
 * fits, or 0 for an impossible request: grow succeeding with that much is
 * enough for the allocation to succeed. */
uint64_t heap_core_grow_size(size_t size, size_t align);
/* Walks every free list and checks each block's tags; 0 if consistent. */
int heap_core_check(const struct heap *h);

#endif
