#include "arch/x86_64/idt.h"
#include "arch/x86_64/gdt.h"
#include "arch/x86_64/io.h"
#include "arch/x86_64/serial.h"
#include "core/panic.h"
#include "core/printk.h"

struct idt_entry {
    uint16_t offset_low;
    uint16_t selector;
    uint8_t ist;
    uint8_t type_attr;
    uint16_t offset_mid;
    uint32_t offset_high;
    uint32_t reserved;
} __attribute__((packed));

struct idt_pointer {
    uint16_t limit;
    uint64_t base;
} __attribute__((packed));

#define IDT_ENTRIES 256
#define KERNEL_CS 0x08
#define GATE_INTERRUPT 0x8E   /* present, ring 0, 64-bit interrupt gate */

static struct idt_entry idt[IDT_ENTRIES] __attribute__((aligned(16)));
extern const uint64_t isr_stub_table[49];

#define IRQ_BASE 32
#define IRQ_COUNT 16
#define IRQ_SERIAL 4

static const char *const exception_names[32] = {
    "Divide Error (#DE)", "Debug (#DB)", "Non-Maskable Interrupt (NMI)", "Breakpoint (#BP)",
    "Overflow (#OF)", "Bound Range Exceeded (#BR)", "Invalid Opcode (#UD)",
    "Device Not Available (#NM)", "Double Fault (#DF)", "Coprocessor Segment Overrun",
    "Invalid TSS (#TS)", "Segment Not Present (#NP)", "Stack-Segment Fault (#SS)",
    "General Protection Fault (#GP)", "Page Fault (#PF)", "Reserved (15)",
    "x87 Floating-Point Error (#MF)", "Alignment Check (#AC)", "Machine Check (#MC)",
    "SIMD Floating-Point Exception (#XM)", "Virtualization Exception (#VE)",
    "Control Protection Exception (#CP)", "Reserved (22)", "Reserved (23)", "Reserved (24)",
    "Reserved (25)", "Reserved (26)", "Reserved (27)", "Hypervisor Injection (#HV)",
    "VMM Communication (#VC)", "Security Exception (#SX)", "Reserved (31)",
};

const char *exception_name(uint64_t vector)
{
    return vector < 32 ? exception_names[vector] : "Unexpected interrupt";
}

static void idt_set(int vector, uint64_t handler, uint8_t ist)
{
    idt[vector] = (struct idt_entry){
        .offset_low = (uint16_t)handler,
        .selector = KERNEL_CS,
        .ist = ist,
        .type_attr = GATE_INTERRUPT,
        .offset_mid = (uint16_t)(handler >> 16),
        .offset_high = (uint32_t)(handler >> 32),
    };
}

/* The legacy 8259 PICs deliver IRQs on vectors 8-15 by default, which
 * collide with exceptions. Remap them to 0x20-0x2F and mask everything: the
 * kernel polls its devices. Only the serial IRQ is unmasked (idt_enable_
 * serial_irq), and interrupts are only ever enabled inside the idle `hlt`. */
static void pic_remap_and_mask(void)
{
    outb(0x20, 0x11); io_wait();   /* ICW1: init, expect ICW4 */
    outb(0xA0, 0x11); io_wait();
    outb(0x21, 0x20); io_wait();   /* ICW2: vector offsets */
    outb(0xA1, 0x28); io_wait();
    outb(0x21, 0x04); io_wait();   /* ICW3: slave on IRQ2 */
    outb(0xA1, 0x02); io_wait();
    outb(0x21, 0x01); io_wait();   /* ICW4: 8086 mode */
    outb(0xA1, 0x01); io_wait();
    outb(0x21, 0xFF);
    outb(0xA1, 0xFF);
}

void idt_init(void)
{
    for (int v = 0; v < 32; v++) {
        /* Double fault, NMI and machine check run on their own stack, so a
         * blown kernel stack still produces a report. */
        uint8_t ist = (v == 8 || v == 2 || v == 18) ? GDT_IST_EMERGENCY : 0;
        idt_set(v, isr_stub_table[v], ist);
    }
    for (int v = IRQ_BASE; v < IRQ_BASE + IRQ_COUNT; v++)
        idt_set(v, isr_stub_table[v], 0);
    for (int v = IRQ_BASE + IRQ_COUNT; v < IDT_ENTRIES; v++)
        idt_set(v, isr_stub_table[48], 0);

    pic_remap_and_mask();
    struct idt_pointer ptr = { sizeof(idt) - 1, (uint64_t)(uintptr_t)idt };
    __asm__ volatile("lidt %0" ::"m"(ptr));
}

void idt_enable_serial_irq(void)
{
    outb(0x21, (uint8_t)~(1u << IRQ_SERIAL));
}

/* IRQ 7 and 15 may be spurious: then the PIC's in-service bit is clear
 * and it must get no EOI (8259A datasheet, OCW3 reads the ISR). */
static int pic_spurious(unsigned irq)
{
    if (irq != 7 && irq != 15)
        return 0;
    uint16_t port = irq == 7 ? 0x20 : 0xA0;
    outb(port, 0x0B);
    return !(inb(port) & 0x80);
}

static void pic_eoi(unsigned irq)
{
    if (irq >= 8)
        outb(0xA0, 0x20);
    outb(0x20, 0x20);
}

/* Called from isr.S with the saved frame. IRQs are acknowledged and
 * resumed; every CPU exception is fatal: report it and halt. */
void exception_dispatch(struct interrupt_frame *f);
void exception_dispatch(struct interrupt_frame *f)
{
    if (f->vector >= IRQ_BASE && f->vector < IRQ_BASE + IRQ_COUNT) {
        unsigned irq = (unsigned)(f->vector - IRQ_BASE);
        if (irq == IRQ_SERIAL)
            serial_poll();          /* move the bytes into the ring; wakes the idle loop */
        if (!pic_spurious(irq))
            pic_eoi(irq);
        return;
    }
    printk("\n*** CPU EXCEPTION: %s, vector %lu ***\n", exception_name(f->vector), f->vector);
    printk("  error code: 0x%lx\n", f->error_code);
    panic_dump_frame(f);
    panic_halt();
}
