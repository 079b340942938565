/* GDT with a TSS, whose interrupt stack table gives fatal exceptions a
 * known-good stack. */
#ifndef EMBODIOS_ARCH_GDT_H
#define EMBODIOS_ARCH_GDT_H

#define GDT_IST_EMERGENCY 1
#define GDT_TSS_SELECTOR  0x18

void gdt_init(void);

#endif
