/* DMA-visible memory. EMBODIOS identity-maps all RAM (physical == virtual),
 * so the address of any kernel buffer is the address a device must be given.
 * dma_alloc returns zeroed, page-aligned memory. */
#ifndef EMBODIOS_CORE_DMA_H
#define EMBODIOS_CORE_DMA_H

#include <stddef.h>
#include <stdint.h>

void *dma_alloc(size_t size);
void dma_free(void *ptr);

static inline uint64_t virt_to_phys(const void *p) { return (uint64_t)(uintptr_t)p; }
static inline void *phys_to_virt(uint64_t pa) { return (void *)(uintptr_t)pa; }

#endif
