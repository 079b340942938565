/* Helpers shared by the block-device commands. */
#ifndef EMBODIOS_SHELL_BLK_COMMON_H
#define EMBODIOS_SHELL_BLK_COMMON_H

#include "block/block.h"

/* The named device, or the first one when name is NULL. Prints why not
 * and returns NULL when there is none. */
block_device_t *blk_device_arg(const char *name);
void blk_commands_register(void);
void blkperf_commands_register(void);
void blkcheck_commands_register(void);

#endif
