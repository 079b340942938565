#include "core/heap_core.h"
#include "lib/errno.h"

#define USED        1ULL
#define SIZE_MASK   (~(uint64_t)(HEAP_ALIGN - 1))
#define HEADER_SIZE 16
#define FOOTER_SIZE 8
#define MIN_BLOCK   48          /* header + two list links + footer, rounded */
#define CHECK_SALT  0x454D424F48454150ULL   /* "EMBOHEAP" */
#define ARENA_SALT  0x4152454E41475257ULL   /* marks an arena that came from grow */
#define PROLOGUE    (HEAP_ALIGN | USED)     /* no real block is this small */

struct block_header {
    uint64_t size_flags;
    uint64_t check;            /* size_flags ^ CHECK_SALT ^ address */
};

struct heap_free_block {
    struct block_header hdr;
    struct heap_free_block *next, *prev;
};

static inline uint64_t block_size(const void *b) { return ((const struct block_header *)b)->size_flags & SIZE_MASK; }
static inline int block_used(const void *b) { return ((const struct block_header *)b)->size_flags & USED; }
static inline uint64_t *footer_of(void *b, uint64_t size) { return (uint64_t *)((char *)b + size - FOOTER_SIZE); }

static uint64_t check_word(const void *b, uint64_t size_flags)
{
    return size_flags ^ CHECK_SALT ^ (uint64_t)(uintptr_t)b;
}

static void set_tags(void *b, uint64_t size, int used)
{
    struct block_header *h = b;
    h->size_flags = size | (used ? USED : 0);
    h->check = check_word(b, h->size_flags);
    *footer_of(b, size) = h->size_flags;
}

static int floor_log2(uint64_t v)
{
    return 63 - __builtin_clzll(v);
}

static void bin_insert(struct heap *h, struct heap_free_block *b)
{
    int i = floor_log2(block_size(b));
    b->prev = NULL;
    b->next = h->bins[i];
    if (b->next)
        b->next->prev = b;
    h->bins[i] = b;
    h->free_bytes += block_size(b);
}

static void bin_remove(struct heap *h, struct heap_free_block *b)
{
    int i = floor_log2(block_size(b));
    if (b->prev)
        b->prev->next = b->next;
    else
        h->bins[i] = b->next;
    if (b->next)
        b->next->prev = b->prev;
    h->free_bytes -= block_size(b);
}

void heap_core_init(struct heap *h, heap_grow_fn grow, void *ctx)
{
    *h = (struct heap){ .grow = grow, .grow_ctx = ctx };
}

void heap_core_set_release(struct heap *h, heap_release_fn release, uint64_t spare_max)
{
    h->release = release;
    h->spare_max = spare_max;
}

/* The prologue's first word says whether the arena came from grow: only
 * those go back through release. */
static void add_arena(struct heap *h, void *start, size_t len, int grown)
{
    uintptr_t base = ((uintptr_t)start + HEAP_ALIGN - 1) & ~(uintptr_t)(HEAP_ALIGN - 1);
    uintptr_t end = ((uintptr_t)start + len) & ~(uintptr_t)(HEAP_ALIGN - 1);
    /* Prologue (a 16-byte "used" block whose footer stops backward
     * coalescing) + one free block + a zero-size used epilogue header. */
    if (end <= base || end - base < HEADER_SIZE + MIN_BLOCK + HEADER_SIZE)
        return;
    *(uint64_t *)base = grown ? ARENA_SALT ^ base : 0;
    *(uint64_t *)(base + 8) = PROLOGUE;        /* the prologue's footer */
    void *first = (void *)(base + HEADER_SIZE);
    uint64_t size = (end - HEADER_SIZE) - (base + HEADER_SIZE);
    struct block_header *epilogue = (struct block_header *)(end - HEADER_SIZE);
    epilogue->size_flags = USED;
    epilogue->check = check_word(epilogue, USED);
    set_tags(first, size, 0);
    h->arena_bytes += end - base;
    bin_insert(h, first);
}

void heap_core_add_arena(struct heap *h, void *start, size_t len) { add_arena(h, start, len, 0); }

/* Block size and search size of a request (the search adds room to slide
 * an over-aligned block forward); -1 for an impossible request. */
static int request_sizes(size_t size, size_t align, uint64_t *need, uint64_t *search)
{
    if (align < HEAP_ALIGN)
        align = HEAP_ALIGN;
    if (align & (align - 1))
        return -1;
    if (size > ((uint64_t)1 << 46) || align > ((uint64_t)1 << 30))
        return -1;                         /* absurd: also keeps the sums below from overflowing */
    *need = (size + HEADER_SIZE + FOOTER_SIZE + HEAP_ALIGN - 1) & SIZE_MASK;
    if (*need < MIN_BLOCK)
        *need = MIN_BLOCK;
    *search = align > HEAP_ALIGN ? *need + align + MIN_BLOCK : *need;
    return 0;
}

/* An arena holds a prologue and an epilogue header around its blocks; the
 * grown arena must have room for both after aligning. */
static uint64_t grow_bytes(uint64_t search) { return search + 4 * HEADER_SIZE + HEAP_ALIGN; }

uint64_t heap_core_grow_size(size_t size, size_t align)
{
    uint64_t need, search;
    return request_sizes(size, align, &need, &search) < 0 ? 0 : grow_bytes(search);
}

/* First block of at least `need` bytes: first fit within the request's own
 * bin, else the first block of any larger bin (all of which fit). */
static struct heap_free_block *find_fit(struct heap *h, uint64_t need)
{
    int i = floor_log2(need);
    for (struct heap_free_block *b = h->bins[i]; b; b = b->next)
        if (block_size(b) >= need)
            return b;
    for (i++; i < HEAP_BINS; i++)
        if (h->bins[i])
            return h->bins[i];
    return NULL;
}

/* Takes `size` bytes at the start of free block b (already off its bin),
 * returning any worthwhile tail to the bins. */
static void carve(struct heap *h, void *b, uint64_t size)
{
    uint64_t total = block_size(b);
    if (total - size >= MIN_BLOCK) {
        void *rest = (char *)b + size;
        set_tags(rest, total - size, 0);
        bin_insert(h, rest);
        total = size;
    }
    set_tags(b, total, 1);
    h->used_bytes += total;
    h->allocations++;
}

void *heap_core_alloc(struct heap *h, size_t size, size_t align)
{
    uint64_t need, search;
    if (request_sizes(size, align, &need, &search) < 0)
        return NULL;
    if (align < HEAP_ALIGN)
        align = HEAP_ALIGN;

    struct heap_free_block *b = find_fit(h, search);
    if (!b && h->grow) {
        size_t got = 0;
        void *mem = h->grow(grow_bytes(search), &got, h->grow_ctx);
        if (mem)
            add_arena(h, mem, got, 1);
        b = find_fit(h, search);
    }
    if (!b)
        return NULL;
    bin_remove(h, b);

    char *start = (char *)b;
    if (align > HEAP_ALIGN) {
        uintptr_t payload = ((uintptr_t)start + HEADER_SIZE + align - 1) & ~(uintptr_t)(align - 1);
        while (payload - HEADER_SIZE != (uintptr_t)start &&
               payload - HEADER_SIZE - (uintptr_t)start < MIN_BLOCK)
            payload += align;
        char *aligned = (char *)(payload - HEADER_SIZE);
        if (aligned != start) {
            /* The gap in front becomes a free block of its own. */
            uint64_t total = block_size(b);
            uint64_t gap = (uint64_t)(aligned - start);
            set_tags(start, gap, 0);
            bin_insert(h, (struct heap_free_block *)start);
            set_tags(aligned, total - gap, 0);
            start = aligned;
        }
    }
    carve(h, start, need);
    return start + HEADER_SIZE;
}

static int valid_block(const void *b)
{
    const struct block_header *hd = b;
    uint64_t size = hd->size_flags & SIZE_MASK;
    return size >= MIN_BLOCK && hd->check == check_word(b, hd->size_flags) &&
           *footer_of((void *)b, size) == hd->size_flags;
}

/* If free block b (size bytes, not in a bin) is all of a grown arena,
 * returns the arena's length, else 0. The prologue footer before it and the
 * zero-size epilogue after it say it spans the arena. */
static uint64_t whole_grown_arena(char *b, uint64_t size)
{
    uintptr_t base = (uintptr_t)b - HEADER_SIZE;
    const struct block_header *epi = (const struct block_header *)(b + size);
    if (*(uint64_t *)(base + 8) != PROLOGUE || *(uint64_t *)base != (ARENA_SALT ^ base))
        return 0;
    if (epi->size_flags != USED || epi->check != check_word(epi, USED))
        return 0;
    return size + 2 * HEADER_SIZE;
}

static int spare_still_free(const struct heap *h)
{
    const char *first = (const char *)h->spare + HEADER_SIZE;
    return !block_used(first) && block_size(first) == h->spare_len - 2 * HEADER_SIZE;
}

/* Keeps one small wholly free arena as a spare; everything else goes back. */
static int keep_arena(struct heap *h, void *base, uint64_t len)
{
    if (base == h->spare)
        return 1;
    if (h->spare && spare_still_free(h))
        return 0;
    if (len > h->spare_max)
        return 0;
    h->spare = base;
    h->spare_len = len;
    return 1;
}

int heap_core_free(struct heap *h, void *ptr)
{
    if (!ptr)
        return 0;
    if ((uintptr_t)ptr & (HEAP_ALIGN - 1))
        return -EFAULT;
    char *b = (char *)ptr - HEADER_SIZE;
    if (!block_used(b) || !valid_block(b))
        return -EFAULT;                    /* double free or not ours */
    uint64_t size = block_size(b);
    h->used_bytes -= size;
    h->allocations--;

    char *next = b + size;
    if (!block_used(next)) {
        bin_remove(h, (struct heap_free_block *)next);
        size += block_size(next);
    }
    uint64_t prev_footer = *(uint64_t *)(b - FOOTER_SIZE);
    if (!(prev_footer & USED)) {
        char *prev = b - (prev_footer & SIZE_MASK);
        bin_remove(h, (struct heap_free_block *)prev);
        size += prev_footer & SIZE_MASK;
        b = prev;
    }
    uint64_t arena = h->release ? whole_grown_arena(b, size) : 0;
    if (arena && !keep_arena(h, b - HEADER_SIZE, arena)) {
        h->arena_bytes -= arena;
        h->release(b - HEADER_SIZE, arena, h->grow_ctx);
        return 0;
    }
    set_tags(b, size, 0);
    bin_insert(h, (struct heap_free_block *)b);
    return 0;
}

size_t heap_core_usable_size(const void *ptr)
{
    const char *b = (const char *)ptr - HEADER_SIZE;
    return block_size(b) - HEADER_SIZE - FOOTER_SIZE;
}

uint64_t heap_core_largest_free(const struct heap *h)
{
    for (int i = HEAP_BINS - 1; i >= 0; i--) {
        uint64_t best = 0;
        for (const struct heap_free_block *b = h->bins[i]; b; b = b->next)
            if (block_size(b) > best)
                best = block_size(b);
        if (best)
            return best - HEADER_SIZE - FOOTER_SIZE;
    }
    return 0;
}

int heap_core_fits(const struct heap *h, size_t size, size_t align)
{
    uint64_t need, search;
    if (request_sizes(size, align, &need, &search) < 0)
        return 0;
    /* find_fit takes any block of the search size or more. */
    return heap_core_largest_free(h) + HEADER_SIZE + FOOTER_SIZE >= search && heap_core_largest_free(h) > 0;
}

int heap_core_check(const struct heap *h)
{
    uint64_t free_total = 0;
    for (int i = 0; i < HEAP_BINS; i++) {
        const struct heap_free_block *prev = NULL;
        for (const struct heap_free_block *b = h->bins[i]; b; b = b->next) {
            if (block_used(b) || !valid_block(b) || floor_log2(block_size(b)) != i || b->prev != prev)
                return -EFAULT;
            /* Two adjacent free blocks mean a missed coalesce. */
            if (!block_used((const char *)b + block_size(b)))
                return -EFAULT;
            free_total += block_size(b);
            prev = b;
        }
    }
    return free_total == h->free_bytes ? 0 : -EFAULT;
}
