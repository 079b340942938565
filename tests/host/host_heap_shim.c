/* Host-test stand-in for the kernel heap: pure kernel code (block layer,
 * GGUF reader, tokenizer) calls kmalloc/kfree; in host tests those go to the
 * C library so AddressSanitizer sees every allocation. */
#include <malloc.h>
#include <stdlib.h>
#include <string.h>
#include "core/heap.h"
#include "host_heap_shim.h"

/* Bytes asked for and still live, and their peak: tests compare the peak
 * with what the code says it will need (tokenizer_memory_estimate). */
size_t host_heap_live, host_heap_peak;

static void *count(void *p)
{
    if (p) {
        host_heap_live += malloc_usable_size(p);
        if (host_heap_live > host_heap_peak)
            host_heap_peak = host_heap_live;
    }
    return p;
}

void *kmalloc(size_t size) { return count(malloc(size ? size : 1)); }
void *kcalloc(size_t count_, size_t size) { return count(calloc(count_ ? count_ : 1, size ? size : 1)); }
void *kmalloc_aligned(size_t size, size_t align)
{
    void *p = NULL;
    if (align < sizeof(void *))
        align = sizeof(void *);
    size = (size + align - 1) & ~(align - 1);
    return posix_memalign(&p, align, size ? size : align) == 0 ? count(p) : NULL;
}
void kfree(void *ptr)
{
    if (ptr)
        host_heap_live -= malloc_usable_size(ptr);
    free(ptr);
}
void heap_get_stats(struct heap_stats *st) { memset(st, 0, sizeof(*st)); }
uint64_t heap_max_allocation(void) { return (uint64_t)1 << 40; }
int heap_can_allocate(uint64_t bytes, uint64_t align) { (void)align; return bytes <= (uint64_t)1 << 40; }

#include "core/dma.h"
void *dma_alloc(size_t size)
{
    size = (size + 4095) & ~(size_t)4095;
    void *p = kmalloc_aligned(size, 4096);
    if (p)
        memset(p, 0, size);
    return p;
}
void dma_free(void *ptr) { free(ptr); }
