#include "core/panic.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/idt.h"
#include "core/ksyms.h"
#include "core/printk.h"

extern char __kernel_start[], __kernel_end[], boot_stack_top[];

/* Prints "  func+0x1c" for a code address (nothing outside the text). */
static void print_symbol(uint64_t lookup, uint64_t shown_offset_adjust)
{
    uint64_t off;
    const char *name = ksym_lookup(lookup, &off);
    if (name)
        printk("  %s+0x%lx", name, off + shown_offset_adjust);
}

/* Walks the saved-RBP chain (the kernel keeps frame pointers). Stops at a
 * zero or implausible frame pointer so a corrupt stack cannot fault again.
 * A return address is looked up as ret - 1, inside the call: when a call
 * (to a noreturn function, say) ends its function, ret is already the
 * first byte of the next one. The offset printed is still ret's. */
static void print_backtrace(uint64_t rbp)
{
    printk("  backtrace:\n");
    for (int depth = 0; depth < 16 && rbp; depth++) {
        if (rbp & 7 || rbp < (uint64_t)(uintptr_t)__kernel_start ||
            rbp >= (uint64_t)(uintptr_t)__kernel_end)
            break;
        uint64_t *frame = (uint64_t *)(uintptr_t)rbp;
        uint64_t ret = frame[1];
        if (!ret)
            break;
        printk("    #%d 0x%016lx", depth, ret);
        print_symbol(ret - 1, 1);
        printk("\n");
        rbp = frame[0];
    }
}

void panic_dump_frame(const struct interrupt_frame *f)
{
    printk("  RIP=0x%016lx  RSP=0x%016lx  RFLAGS=0x%lx\n", f->rip, f->rsp, f->rflags);
    printk("  CS=0x%lx  SS=0x%lx  CR2=0x%016lx  CR3=0x%016lx\n", f->cs, f->ss, read_cr2(), read_cr3());
    printk("  RAX=0x%016lx RBX=0x%016lx RCX=0x%016lx RDX=0x%016lx\n", f->rax, f->rbx, f->rcx, f->rdx);
    printk("  RSI=0x%016lx RDI=0x%016lx RBP=0x%016lx\n", f->rsi, f->rdi, f->rbp);
    printk("  R8 =0x%016lx R9 =0x%016lx R10=0x%016lx R11=0x%016lx\n", f->r8, f->r9, f->r10, f->r11);
    printk("  R12=0x%016lx R13=0x%016lx R14=0x%016lx R15=0x%016lx\n", f->r12, f->r13, f->r14, f->r15);
    printk("  0x%016lx", f->rip);
    print_symbol(f->rip, 0);
    printk(" <- faulting instruction\n");
    print_backtrace(f->rbp);
}

void panic_halt(void)
{
    printk("System halted.\n");
    cpu_halt_forever();
}

void panic(const char *fmt, ...)
{
    __asm__ volatile("cli");
    struct interrupt_frame f = { 0 };
    __asm__ volatile("mov %%rax, %0\n\tmov %%rbx, %1\n\tmov %%rcx, %2\n\tmov %%rdx, %3"
                     : "=m"(f.rax), "=m"(f.rbx), "=m"(f.rcx), "=m"(f.rdx));
    __asm__ volatile("mov %%rsi, %0\n\tmov %%rdi, %1\n\tmov %%rbp, %2\n\tmov %%rsp, %3"
                     : "=m"(f.rsi), "=m"(f.rdi), "=m"(f.rbp), "=m"(f.rsp));
    __asm__ volatile("mov %%r8, %0\n\tmov %%r9, %1\n\tmov %%r10, %2\n\tmov %%r11, %3"
                     : "=m"(f.r8), "=m"(f.r9), "=m"(f.r10), "=m"(f.r11));
    __asm__ volatile("mov %%r12, %0\n\tmov %%r13, %1\n\tmov %%r14, %2\n\tmov %%r15, %3"
                     : "=m"(f.r12), "=m"(f.r13), "=m"(f.r14), "=m"(f.r15));
    __asm__ volatile("pushfq\n\tpopq %0" : "=r"(f.rflags));
    __asm__ volatile("lea (%%rip), %0" : "=r"(f.rip));
    __asm__ volatile("mov %%cs, %0" : "=r"(f.cs));
    __asm__ volatile("mov %%ss, %0" : "=r"(f.ss));

    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    printk("\n*** KERNEL PANIC: %s ***\n", msg);
    panic_dump_frame(&f);
    panic_halt();
}
