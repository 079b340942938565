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

/* Asks for a new arena of at least min_bytes; returns its start (any
 * alignment) and sets *got to its length, or returns NULL. */
typedef void *(*heap_grow_fn)(size_t min_bytes, size_t *got, void *ctx);

struct heap {
    struct heap_free_block *bins[HEAP_BINS];
    heap_grow_fn grow;
    void *grow_ctx;
    uint64_t arena_bytes;
    uint64_t used_bytes;
    uint64_t free_bytes;
    uint64_t allocations;
};

void heap_core_init(struct heap *h, heap_grow_fn grow, void *ctx);
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
/* Walks every free list and checks each block's tags; 0 if consistent. */
int heap_core_check(const struct heap *h);

#endif
