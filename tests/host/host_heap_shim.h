/* The host heap shim's byte counters (tests/host/host_heap_shim.c). */
#ifndef EMBODIOS_TESTS_HOST_HEAP_SHIM_H
#define EMBODIOS_TESTS_HOST_HEAP_SHIM_H
#include <stddef.h>
extern size_t host_heap_live, host_heap_peak;
#endif
