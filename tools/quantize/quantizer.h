/* A simple weight quantizer for test models: F32 rows -> valid ggml blocks of
 * every type kernel/math supports. Not ggml's optimal search (no iterative
 * refinement, no importance weights): min/max or abs-max scales per block,
 * rounded to nearest. Accuracy is checked by tests/host/test_quant.c. */
#ifndef EMBODIOS_TOOLS_QUANTIZER_H
#define EMBODIOS_TOOLS_QUANTIZER_H

#include <stddef.h>
#include <stdint.h>

/* Quantizes n floats (a multiple of the type's block size) into dst
 * (quant_row_bytes(type, n) bytes). 0, or -1 for an unsupported type. */
int quantize_row(uint32_t type, const float *x, void *dst, size_t n);

/* GGML_TYPE_* from a name such as "q4_k" or "Q8_0"; -1 if unknown. */
int quantize_type_from_name(const char *name);

#endif
