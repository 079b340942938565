/* Block layer: a registry of disks named vda, vdb, ... in discovery order,
 * sector I/O with bounds checks, statistics, and byte-level I/O at arbitrary
 * offsets. Drivers supply a block_ops table. */
#ifndef EMBODIOS_BLOCK_BLOCK_H
#define EMBODIOS_BLOCK_BLOCK_H

#include <stddef.h>
#include <stdint.h>

#define BLOCK_NAME_MAX   8
#define BLOCK_MAX_DEVICES 16
#define BLOCK_FLAG_READONLY 0x1u
#define BLOCK_MAX_SECTOR_SIZE 4096

struct block_device;

struct block_ops {
    /* Transfer count sectors starting at sector. The block layer has already
     * checked bounds; buffers may be any kernel address (physical == virtual)
     * and any length. Return 0 or a negative error code. */
    int (*read)(struct block_device *dev, uint64_t sector, uint64_t count, void *buf);
    int (*write)(struct block_device *dev, uint64_t sector, uint64_t count, const void *buf);
    int (*flush)(struct block_device *dev);   /* may be NULL */
};

struct block_stats {
    uint64_t sectors_read;
    uint64_t sectors_written;
    uint64_t read_requests;
    uint64_t write_requests;
    uint64_t errors;
};

typedef struct block_device {
    char name[BLOCK_NAME_MAX];
    uint32_t sector_size;          /* bytes, a power of two >= 512 */
    uint64_t capacity;             /* in sectors */
    uint32_t flags;                /* BLOCK_FLAG_* */
    struct block_stats stats;
    const struct block_ops *ops;
    void *driver_data;
} block_device_t;

/* Registers dev and names it vdX. Returns 0 or -ENOSPC / -EINVAL. */
int block_register(block_device_t *dev);
block_device_t *block_find(const char *name);
/* Devices in registration order: index 0 .. block_count()-1. */
int block_count(void);
block_device_t *block_get(int index);
/* The device used when a command names none: the first one, or NULL. */
block_device_t *block_default(void);
/* For host tests: forget every registered device. */
void block_reset_registry(void);

int block_read(block_device_t *dev, uint64_t sector, uint64_t count, void *buf);
int block_write(block_device_t *dev, uint64_t sector, uint64_t count, const void *buf);
int block_flush(block_device_t *dev);

/* Byte-level I/O (spec "block_read_bytes() Function"). Return 0 or a
 * negative error code: -EINVAL for NULL args, -ERANGE when the range leaves
 * the device (including offset + size overflowing), -EROFS for a write to a
 * read-only device, or the driver's error. */
int block_read_bytes(block_device_t *dev, uint64_t offset, size_t size, void *buffer);
int block_write_bytes(block_device_t *dev, uint64_t offset, size_t size, const void *buffer);

static inline uint64_t block_size_bytes(const block_device_t *dev)
{
    return dev->capacity * dev->sector_size;
}

#endif
