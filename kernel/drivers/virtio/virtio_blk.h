/* virtio-blk over the legacy PCI transport (virtio 1.x, 5.2). Disks are
 * registered with the block layer as vda, vdb, ... */
#ifndef EMBODIOS_DRIVERS_VIRTIO_BLK_H
#define EMBODIOS_DRIVERS_VIRTIO_BLK_H

#include <stdint.h>
#include "block/block.h"
#include "drivers/pci/pci.h"

/* Binds every virtio PCI function found by the scan; prints the spec's
 * boot lines per disk, or "No block devices found". */
void virtio_init(void);

/* Request shaping, used by blkperf: bytes per request (a multiple of the
 * sector size) and requests in flight. Values are clamped to what the
 * device and the 64-descriptor budget allow; 0 keeps the current value. */
struct virtio_blk_tuning {
    uint32_t request_bytes;
    uint32_t queue_depth;
    uint32_t max_request_bytes;   /* read-only: the device's limit */
    uint32_t max_queue_depth;     /* read-only */
};
int virtio_blk_get_tuning(block_device_t *dev, struct virtio_blk_tuning *t);
int virtio_blk_set_tuning(block_device_t *dev, uint32_t request_bytes, uint32_t queue_depth);
/* For host tests: forget the disks probed so far (their memory is leaked,
 * as a device may still hold a ring address). */
void virtio_blk_reset_registry(void);
/* Prints the driver's view of a disk (queue, limits, features) for blkinfo. */
void virtio_blk_describe(block_device_t *dev);

#endif
