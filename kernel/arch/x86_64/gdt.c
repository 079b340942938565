#include "arch/x86_64/gdt.h"
#include <stdint.h>

/* 64-bit TSS (Intel SDM vol. 3, 8.7). */
struct tss64 {
    uint32_t reserved0;
    uint64_t rsp[3];
    uint64_t reserved1;
    uint64_t ist[7];
    uint64_t reserved2;
    uint16_t reserved3;
    uint16_t iomap_base;
} __attribute__((packed));

static struct tss64 tss;
static uint8_t emergency_stack[16384] __attribute__((aligned(16)));

extern uint64_t gdt64[5];   /* boot.S: null, code, data, 16-byte TSS slot */

void gdt_init(void)
{
    tss.ist[GDT_IST_EMERGENCY - 1] = (uint64_t)(uintptr_t)(emergency_stack + sizeof(emergency_stack));
    tss.iomap_base = sizeof(tss);   /* no I/O permission bitmap */

    uint64_t base = (uint64_t)(uintptr_t)&tss;
    uint64_t limit = sizeof(tss) - 1;
    /* Available 64-bit TSS descriptor: type 0x9, present. */
    gdt64[3] = (limit & 0xFFFF) | ((base & 0xFFFFFF) << 16) | (0x89ULL << 40) |
               (((limit >> 16) & 0xF) << 48) | (((base >> 24) & 0xFF) << 56);
    gdt64[4] = base >> 32;
    __asm__ volatile("ltr %w0" ::"r"(GDT_TSS_SELECTOR));
}
