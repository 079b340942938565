/* Enables x87/SSE/AVX at boot. See fpu.h for who may use vector registers.
 * This file itself is general-registers-only: it only touches control
 * registers (Intel SDM vol. 3, 13.1 "Provide OS support for FXSAVE" and
 * 13.3 "Enabling the XSAVE feature set"). */
#include "arch/x86_64/fpu.h"
#include "arch/x86_64/cpu.h"
#include "core/printk.h"
#include "math/cpu_features.h"

#define CR0_MP (1UL << 1)
#define CR0_EM (1UL << 2)
#define CR0_TS (1UL << 3)
#define CR0_NE (1UL << 5)
#define CR4_OSFXSR (1UL << 9)
#define CR4_OSXMMEXCPT (1UL << 10)
#define CR4_OSXSAVE (1UL << 18)

#define CPUID1_ECX_XSAVE (1u << 26)
#define CPUID1_ECX_AVX (1u << 28)
#define XCR0_X87 1u
#define XCR0_SSE 2u
#define XCR0_AVX 4u

#define MXCSR_DEFAULT 0x1F80u   /* all exceptions masked, round to nearest, no FTZ/DAZ */


static inline void xsetbv0(uint64_t v)
{
    __asm__ volatile("xsetbv" ::"c"(0), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)) : "memory");
}

void fpu_init(void)
{
    uint64_t cr0 = read_cr0();
    cr0 &= ~(CR0_EM | CR0_TS);          /* no emulation, no lazy-switch trap */
    cr0 |= CR0_MP | CR0_NE;             /* native #MF reporting */
    write_cr0(cr0);

    uint64_t cr4 = read_cr4() | CR4_OSFXSR | CR4_OSXMMEXCPT;
    uint32_t a, b, c, d;
    cpuid(1, &a, &b, &c, &d);
    /* AVX needs the OS to enable its state in XCR0, which needs XSAVE. */
    int xsave = (c & CPUID1_ECX_XSAVE) != 0;
    if (xsave)
        cr4 |= CR4_OSXSAVE;
    write_cr4(cr4);
    if (xsave)
        xsetbv0(XCR0_X87 | XCR0_SSE | ((c & CPUID1_ECX_AVX) ? XCR0_AVX : 0));

    uint32_t mxcsr = MXCSR_DEFAULT;
    __asm__ volatile("fninit; ldmxcsr %0" ::"m"(mxcsr) : "memory");

    cpu_features_detect();
}

void fpu_print_features(void)
{
    const struct cpu_features *f = &cpu_features;
    printk("FPU: SSE2%s%s%s%s%s%s (vector code uses %s)\n",
           f->ssse3 ? " SSSE3" : "", f->sse41 ? " SSE4.1" : "", f->avx ? " AVX" : "",
           f->avx2 ? " AVX2" : "", f->fma ? " FMA" : "", f->f16c ? " F16C" : "",
           cpu_features_best_name());
}
