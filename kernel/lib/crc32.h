/* CRC-32 (IEEE 802.3, the zlib/PNG polynomial), so a range read by the
 * kernel can be compared with the host's zlib.crc32 of the same bytes. */
#ifndef EMBODIOS_LIB_CRC32_H
#define EMBODIOS_LIB_CRC32_H

#include <stddef.h>
#include <stdint.h>

/* Continues a CRC: start with crc = 0. */
uint32_t crc32_update(uint32_t crc, const void *data, size_t len);

#endif
