/* Multiboot 1 information structure (Multiboot 0.6.96, section 3.3). */
#ifndef EMBODIOS_CORE_MULTIBOOT_H
#define EMBODIOS_CORE_MULTIBOOT_H

#include <stdint.h>

#define MULTIBOOT_BOOTLOADER_MAGIC 0x2BADB002u
#define MULTIBOOT_INFO_MEMORY   (1u << 0)
#define MULTIBOOT_INFO_CMDLINE  (1u << 2)
#define MULTIBOOT_INFO_MODS     (1u << 3)
#define MULTIBOOT_INFO_MEM_MAP  (1u << 6)

#define MULTIBOOT_MEMORY_AVAILABLE 1u

struct multiboot_info {
    uint32_t flags;
    uint32_t mem_lower, mem_upper;
    uint32_t boot_device;
    uint32_t cmdline;
    uint32_t mods_count, mods_addr;
    uint32_t syms[4];
    uint32_t mmap_length, mmap_addr;
    uint32_t drives_length, drives_addr;
    uint32_t config_table;
    uint32_t boot_loader_name;
    uint32_t apm_table;
} __attribute__((packed));

/* Each entry is preceded by its size field, which does not count itself. */
struct multiboot_mmap_entry {
    uint32_t size;
    uint64_t addr;
    uint64_t len;
    uint32_t type;
} __attribute__((packed));

struct multiboot_module {
    uint32_t mod_start, mod_end, string, reserved;
} __attribute__((packed));

#endif
