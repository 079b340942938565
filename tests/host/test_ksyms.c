/* Host tests: core/ksyms.c's lookup over a table laid out as
 * scripts/gen-ksyms.sh writes it (ascending addresses, name offsets into
 * one string blob), and the table the build really generated. */
#include <stdint.h>
#include <string.h>
#include "check.h"
#include "core/ksyms.h"

/* The symbols the kernel's linker script and gen-ksyms.sh provide. */
char text_area[0x100];
#define text text_area
/* __text_end marks the end of the "text": 0x100 bytes into text_area. */
__asm__(".globl __text_end\n.set __text_end, text_area + 0x100");
uint64_t ksyms_count;
uint64_t ksyms_addrs[3];
uint32_t ksyms_name_offsets[3] = { 0, 6, 13 };
char ksyms_names[] = "alpha\0bravo2\0charlie";
extern char __text_end[];

int main(void)
{
    /* Functions at text+0x10, +0x40 and +0x41; the text ends at __text_end. */
    uint64_t base = (uint64_t)(uintptr_t)text;
    ksyms_addrs[0] = base + 0x10;
    ksyms_addrs[1] = base + 0x40;
    ksyms_addrs[2] = base + 0x41;
    uint64_t off = 99;
    CHECK(ksym_lookup(base + 0x10, &off) == NULL);             /* empty table: nothing */
    ksyms_count = 3;
    CHECK(ksym_lookup(base + 0x0f, &off) == NULL);             /* before the first symbol */
    CHECK_EQ_STR(ksym_lookup(base + 0x10, &off), "alpha");
    CHECK_EQ_INT(off, 0);
    CHECK_EQ_STR(ksym_lookup(base + 0x3f, &off), "alpha");
    CHECK_EQ_INT(off, 0x2f);
    CHECK_EQ_STR(ksym_lookup(base + 0x40, &off), "bravo2");
    CHECK_EQ_STR(ksym_lookup(base + 0x41, &off), "charlie");
    /* A return address equal to the next function's start: ret - 1 finds
     * the caller, ret itself would name the next function. */
    CHECK_EQ_STR(ksym_lookup(base + 0x41 - 1, &off), "bravo2");
    uint64_t end = (uint64_t)(uintptr_t)__text_end;
    CHECK_EQ_INT(end, base + 0x100);
    CHECK_EQ_STR(ksym_lookup(end - 1, &off), "charlie");
    CHECK(ksym_lookup(end, &off) == NULL);                     /* past the text: not code */
    return check_summary("test_ksyms");
}
