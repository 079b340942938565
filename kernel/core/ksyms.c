#include "core/ksyms.h"

/* scripts/gen-ksyms.sh: addresses ascending, one name per address. */
extern const uint64_t ksyms_count;
extern const uint64_t ksyms_addrs[];
extern const uint32_t ksyms_name_offsets[];
extern const char ksyms_names[];
extern char __text_end[];   /* linker.ld */

const char *ksym_lookup(uint64_t addr, uint64_t *offset)
{
    uint64_t n = ksyms_count;
    if (n == 0 || addr < ksyms_addrs[0] || addr >= (uint64_t)(uintptr_t)__text_end)
        return 0;
    /* The last symbol at or below addr. */
    uint64_t lo = 0, hi = n;
    while (hi - lo > 1) {
        uint64_t mid = lo + (hi - lo) / 2;
        if (ksyms_addrs[mid] <= addr)
            lo = mid;
        else
            hi = mid;
    }
    *offset = addr - ksyms_addrs[lo];
    return ksyms_names + ksyms_name_offsets[lo];
}
