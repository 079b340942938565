/* The kernel's own symbol table (generated at link time by
 * scripts/gen-ksyms.sh), for backtraces that name functions. */
#ifndef EMBODIOS_CORE_KSYMS_H
#define EMBODIOS_CORE_KSYMS_H

#include <stdint.h>

/* The text symbol containing addr, and addr's offset into it; NULL when
 * addr is outside the kernel's text. For a return address pass ret - 1:
 * a call that ends a function returns to the next function's first byte. */
const char *ksym_lookup(uint64_t addr, uint64_t *offset);

#endif
