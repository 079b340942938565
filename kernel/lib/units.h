/* Byte units, defined once. */
#ifndef EMBODIOS_LIB_UNITS_H
#define EMBODIOS_LIB_UNITS_H

#define MIB (1024UL * 1024)
#define GIB (1024UL * 1024 * 1024)

#endif
