/* Floating point at boot: x87 + SSE always (SSE2 is part of x86_64), AVX
 * state through XSAVE/XCR0 when CPUID offers it.
 *
 * Who may use vector registers: only code built with KERNEL_FPU_CFLAGS (see
 * the Makefile: kernel/math/ and the model's float files). Everything else,
 * in particular the interrupt and exception handlers (isr.S, idt.c) and every
 * driver they call, is built with -mgeneral-regs-only, so an interrupt can
 * never clobber the XMM/YMM state of the code it interrupts and the kernel
 * never needs to save it. Also, interrupts are only enabled inside the idle
 * `hlt` of the serial input loop (serial.c), never while float code runs. */
#ifndef EMBODIOS_ARCH_FPU_H
#define EMBODIOS_ARCH_FPU_H

/* CR0.EM=0, CR0.MP=1, CR0.NE=1, CR4.OSFXSR|OSXMMEXCPT, FNINIT, MXCSR =
 * 0x1F80 (all exceptions masked, round to nearest); with XSAVE+AVX: CR4.OSXSAVE
 * and XCR0 = x87|SSE|AVX. Then fills cpu_features (kernel/math/cpu_features.h). */
void fpu_init(void);

/* One line for the boot log: "FPU: SSE2 SSSE3 SSE4.1 AVX AVX2 FMA F16C". */
void fpu_print_features(void);

#endif
