/* EMBODIOS entry: multiboot 1 header, 32-bit start-up, switch to long mode.
 *
 * QEMU's -kernel loader boots multiboot images but refuses 64-bit ELF files,
 * so the header sets flag bit 16 and gives the load addresses itself
 * (Multiboot 0.6.96, section 3.1.3 "The address fields of Multiboot header").
 * The loader then enters _start in 32-bit protected mode with paging off,
 * EAX = 0x2BADB002 and EBX = the multiboot information structure (3.2).
 */
#define MB_MAGIC      0x1BADB002
#define MB_FLAGS      ((1 << 0) | (1 << 1) | (1 << 16)) /* align modules, mem info, address fields */
#define MB_CHECKSUM   (-(MB_MAGIC + MB_FLAGS))

#define CR0_PE   (1 << 0)
#define CR0_PG   (1 << 31)
#define CR4_PAE  (1 << 5)
#define EFER_MSR 0xC0000080
#define EFER_LME (1 << 8)
#define EFER_NXE (1 << 11)

#define PTE_PRESENT 0x1
#define PTE_WRITE   0x2
#define PTE_LARGE   0x80

#define BOOT_STACK_SIZE 65536

    .section .multiboot, "a"
    .align 4
multiboot_header:
    .long MB_MAGIC
    .long MB_FLAGS
    .long MB_CHECKSUM
    .long multiboot_header      /* header_addr */
    .long __kernel_start        /* load_addr */
    .long __load_end            /* load_end_addr */
    .long __bss_end             /* bss_end_addr */
    .long _start                /* entry_addr */

    .section .text.boot, "ax"
    .code32
    .global _start
_start:
    cli
    cld
    mov %eax, %esi                  /* keep the multiboot magic and info */
    mov %ebx, %edi
    rdtsc                           /* time zero for uptime (core/time.c) */
    mov %eax, boot_tsc
    mov %edx, boot_tsc+4

    /* Zero .bss ourselves instead of trusting the loader (it holds the
     * page tables and the stack we are about to use). */
    mov $__bss_start, %ebx
    mov $__bss_end, %ecx
    sub %ebx, %ecx
    shr $2, %ecx
    push %edi
    mov %ebx, %edi
    xor %eax, %eax
    rep stosl
    pop %edi

    mov $boot_stack_top, %esp

    /* Long mode needs CPUID leaf 0x80000001 EDX bit 29 (LM). */
    mov $0x80000000, %eax
    cpuid
    cmp $0x80000001, %eax
    jb no_long_mode
    mov $0x80000001, %eax
    cpuid
    test $(1 << 29), %edx
    jz no_long_mode

    /* Identity-map the first 4 GiB with 2 MiB pages: PML4[0] -> PDPT,
     * PDPT[0..3] -> four page directories. RAM above 4 GiB is mapped later
     * in C (arch/x86_64/paging.c) from the multiboot memory map. */
    mov $boot_pdpt, %eax
    or $(PTE_PRESENT | PTE_WRITE), %eax
    mov %eax, boot_pml4

    mov $boot_pd, %eax
    or $(PTE_PRESENT | PTE_WRITE), %eax
    xor %ecx, %ecx
1:  mov %eax, boot_pdpt(,%ecx,8)
    add $4096, %eax
    inc %ecx
    cmp $4, %ecx
    jb 1b

    xor %ecx, %ecx                  /* 2048 entries of 2 MiB = 4 GiB */
2:  mov %ecx, %eax
    shl $21, %eax
    or $(PTE_PRESENT | PTE_WRITE | PTE_LARGE), %eax
    mov %eax, boot_pd(,%ecx,8)
    mov %ecx, %eax
    shr $11, %eax                   /* high dword: bits 32+ of the address */
    mov %eax, boot_pd+4(,%ecx,8)
    inc %ecx
    cmp $2048, %ecx
    jb 2b

    mov %cr4, %eax
    or $CR4_PAE, %eax
    mov %eax, %cr4

    mov $boot_pml4, %eax
    mov %eax, %cr3

    mov $EFER_MSR, %ecx
    rdmsr
    or $EFER_LME, %eax
    wrmsr

    mov %cr0, %eax
    or $(CR0_PG | CR0_PE), %eax
    mov %eax, %cr0

    lgdt gdt64_pointer
    ljmp $0x08, $long_mode_entry

no_long_mode:
    /* Say why on COM1 (already usable at 0x3F8 after the BIOS) and stop. */
    mov $no_lm_msg, %esi
3:  lodsb
    test %al, %al
    jz 4f
    mov $0x3F8, %dx
    out %al, %dx
    jmp 3b
4:  hlt
    jmp 4b

    .code64
long_mode_entry:
    mov $0x10, %ax
    mov %ax, %ds
    mov %ax, %es
    mov %ax, %ss
    xor %ax, %ax
    mov %ax, %fs
    mov %ax, %gs
    mov $boot_stack_top, %rsp
    xor %ebp, %ebp                  /* terminates backtraces */
    /* kmain(magic, info): the saved EAX and EBX, zero-extended. */
    mov %esi, %eax
    mov %edi, %esi
    mov %eax, %edi
    call kmain
5:  cli
    hlt
    jmp 5b

    .section .rodata
no_lm_msg:
    .asciz "EMBODIOS: this CPU has no long mode (x86_64); halting.\r\n"

    /* In .data, not .rodata: gdt.c writes the TSS descriptor into it. */
    .section .data
    .align 16
    .global gdt64
gdt64:
    .quad 0                          /* null */
    .quad 0x00AF9A000000FFFF         /* 0x08: 64-bit code, ring 0 */
    .quad 0x00CF92000000FFFF         /* 0x10: data, ring 0 */
    .quad 0, 0                       /* 0x18: TSS descriptor, filled in by gdt.c */
gdt64_end:
gdt64_pointer:
    .word gdt64_end - gdt64 - 1
    .long gdt64

    /* In .data, not .bss: written before .bss is cleared. */
    .align 8
    .global boot_tsc
boot_tsc:
    .quad 0

    .section .bss
    .align 4096
    .global boot_pml4
boot_pml4:  .skip 4096
    .global boot_pdpt
boot_pdpt:  .skip 4096
boot_pd:    .skip 4096 * 4
    /* Unmapped by paging_protect_kernel(): an overflowing boot stack
     * faults here instead of overwriting the page tables below it. */
    .global boot_stack_guard
boot_stack_guard: .skip 4096
boot_stack: .skip BOOT_STACK_SIZE
    .global boot_stack_top
boot_stack_top:
