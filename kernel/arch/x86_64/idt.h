/* Interrupt descriptor table: a handler for every CPU exception that prints
 * what happened and halts, so a fault is never a silent triple fault. */
#ifndef EMBODIOS_ARCH_IDT_H
#define EMBODIOS_ARCH_IDT_H

#include <stdint.h>

/* Stack layout built by isr.S (lowest address first). */
struct interrupt_frame {
    uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
    uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
    uint64_t vector, error_code;
    uint64_t rip, cs, rflags, rsp, ss;   /* pushed by the CPU */
};

void idt_init(void);
/* Unmasks the COM1 IRQ so the idle loop can sleep until input arrives. */
void idt_enable_serial_irq(void);
const char *exception_name(uint64_t vector);

#endif
