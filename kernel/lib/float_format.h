/* Prints IEEE-754 values from their bit patterns with integer arithmetic
 * only (the kernel never touches the FPU): about 6 significant digits. */
#ifndef EMBODIOS_LIB_FLOAT_FORMAT_H
#define EMBODIOS_LIB_FLOAT_FORMAT_H

#include <stddef.h>
#include <stdint.h>

void format_f32_bits(char *buf, size_t size, uint32_t bits);
void format_f64_bits(char *buf, size_t size, uint64_t bits);

#endif
