/* Block layer: device registry, sector I/O with bounds checks and
 * statistics, and byte-level I/O (spec: "block_read_bytes() Function"). */
#include "block/block.h"
#include "core/printk.h"
#include "lib/errno.h"
#include "lib/format.h"
#include "lib/string.h"

static block_device_t *devices[BLOCK_MAX_DEVICES];
static int device_count;

int block_register(block_device_t *dev)
{
    if (!dev || !dev->ops || !dev->ops->read || dev->sector_size < 512 ||
        (dev->sector_size & (dev->sector_size - 1)) || dev->sector_size > BLOCK_MAX_SECTOR_SIZE)
        return -EINVAL;
    if (device_count == BLOCK_MAX_DEVICES)
        return -ENOSPC;
    /* vda, vdb, ... in discovery order (26 names are plenty for 16 slots). */
    snprintf(dev->name, sizeof(dev->name), "vd%c", 'a' + device_count);
    devices[device_count++] = dev;
    return 0;
}

block_device_t *block_find(const char *name)
{
    for (int i = 0; i < device_count; i++)
        if (strcmp(devices[i]->name, name) == 0)
            return devices[i];
    return NULL;
}

int block_count(void) { return device_count; }

block_device_t *block_get(int index)
{
    return index >= 0 && index < device_count ? devices[index] : NULL;
}

block_device_t *block_default(void) { return block_get(0); }

void block_reset_registry(void)
{
    device_count = 0;
}

static int check_range(const block_device_t *dev, uint64_t sector, uint64_t count)
{
    if (sector > dev->capacity || count > dev->capacity - sector)
        return -ERANGE;
    return 0;
}

static int account(block_device_t *dev, int rc)
{
    if (rc < 0)
        dev->stats.errors++;
    return rc;
}

int block_read(block_device_t *dev, uint64_t sector, uint64_t count, void *buf)
{
    if (!dev || (!buf && count))
        return -EINVAL;
    int rc = check_range(dev, sector, count);
    if (rc < 0 || count == 0)
        return rc;
    rc = dev->ops->read(dev, sector, count, buf);
    if (rc == 0) {
        dev->stats.sectors_read += count;
        dev->stats.read_requests++;
    }
    return account(dev, rc);
}

int block_write(block_device_t *dev, uint64_t sector, uint64_t count, const void *buf)
{
    if (!dev || (!buf && count))
        return -EINVAL;
    if (dev->flags & BLOCK_FLAG_READONLY)
        return -EROFS;
    if (!dev->ops->write)
        return -ENOTSUP;
    int rc = check_range(dev, sector, count);
    if (rc < 0 || count == 0)
        return rc;
    rc = dev->ops->write(dev, sector, count, buf);
    if (rc == 0) {
        dev->stats.sectors_written += count;
        dev->stats.write_requests++;
    }
    return account(dev, rc);
}

int block_flush(block_device_t *dev)
{
    if (!dev)
        return -EINVAL;
    return dev->ops->flush ? account(dev, dev->ops->flush(dev)) : 0;
}

/* Checks a byte range and splits it into a partial head sector, whole
 * middle sectors and a partial tail sector. */
struct byte_span {
    uint64_t first_sector;
    uint32_t head_off;     /* offset inside the first sector */
    uint32_t head_len;     /* bytes taken from the first sector if it is partial, else 0 */
    uint64_t mid_sector, mid_count;
    uint64_t tail_sector;
    uint32_t tail_len;     /* bytes at the start of the last sector if partial, else 0 */
};

static int split_span(const block_device_t *dev, uint64_t offset, size_t size, struct byte_span *s)
{
    uint64_t ss = dev->sector_size;
    if (offset + size < offset)
        return -ERANGE;                     /* offset + size overflows */
    if (offset > block_size_bytes(dev) || size > block_size_bytes(dev) - offset)
        return -ERANGE;
    memset(s, 0, sizeof(*s));
    s->first_sector = offset / ss;
    s->head_off = (uint32_t)(offset % ss);
    uint64_t pos = offset, end = offset + size;
    if (s->head_off) {
        uint64_t room = ss - s->head_off;
        s->head_len = (uint32_t)(size < room ? size : room);
        pos += s->head_len;
    }
    s->mid_sector = pos / ss;
    s->mid_count = (end - pos) / ss;
    pos += s->mid_count * ss;
    s->tail_sector = pos / ss;
    s->tail_len = (uint32_t)(end - pos);
    return 0;
}

/* One sector of bounce space for partial heads and tails: a fixed size, no
 * matter how large the request. Byte I/O is not reentrant (one CPU, no
 * interrupts doing I/O). */
static uint8_t bounce[BLOCK_MAX_SECTOR_SIZE] __attribute__((aligned(4096)));

int block_read_bytes(block_device_t *dev, uint64_t offset, size_t size, void *buffer)
{
    struct byte_span s;
    if (!dev || (!buffer && size))
        return -EINVAL;
    int rc = split_span(dev, offset, size, &s);
    if (rc < 0 || size == 0)
        return rc;
    uint8_t *out = buffer;
    if (s.head_len) {
        if ((rc = block_read(dev, s.first_sector, 1, bounce)) < 0)
            return rc;
        memcpy(out, bounce + s.head_off, s.head_len);
        out += s.head_len;
    }
    if (s.mid_count) {
        /* Fast path: whole sectors straight into the caller's buffer. */
        if ((rc = block_read(dev, s.mid_sector, s.mid_count, out)) < 0)
            return rc;
        out += s.mid_count * dev->sector_size;
    }
    if (s.tail_len) {
        if ((rc = block_read(dev, s.tail_sector, 1, bounce)) < 0)
            return rc;
        memcpy(out, bounce, s.tail_len);
    }
    return 0;
}

/* Read-modify-write of one partial sector: only [off, off + len) changes. */
static int patch_sector(block_device_t *dev, uint64_t sector, uint32_t off, const uint8_t *src, uint32_t len)
{
    int rc = block_read(dev, sector, 1, bounce);
    if (rc < 0)
        return rc;
    memcpy(bounce + off, src, len);
    return block_write(dev, sector, 1, bounce);
}

int block_write_bytes(block_device_t *dev, uint64_t offset, size_t size, const void *buffer)
{
    struct byte_span s;
    if (!dev || (!buffer && size))
        return -EINVAL;
    if (dev->flags & BLOCK_FLAG_READONLY)
        return -EROFS;
    int rc = split_span(dev, offset, size, &s);
    if (rc < 0 || size == 0)
        return rc;
    const uint8_t *in = buffer;
    if (s.head_len) {
        if ((rc = patch_sector(dev, s.first_sector, s.head_off, in, s.head_len)) < 0)
            return rc;
        in += s.head_len;
    }
    if (s.mid_count) {
        if ((rc = block_write(dev, s.mid_sector, s.mid_count, in)) < 0)
            return rc;
        in += s.mid_count * dev->sector_size;
    }
    if (s.tail_len && (rc = patch_sector(dev, s.tail_sector, 0, in, s.tail_len)) < 0)
        return rc;
    return 0;
}
