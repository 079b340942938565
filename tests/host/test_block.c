/* Host tests: block/block.c against a RAM-backed test device. Every
 * combination of offset % 512 and size % 512, over one and several sectors,
 * compared byte for byte with a reference buffer. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "block/block.h"
#include "check.h"
#include "lib/errno.h"

#define SECTORS 24
#define DEV_BYTES (SECTORS * 512)

struct ram_disk {
    uint8_t data[DEV_BYTES];
    uint64_t min_written, max_written;   /* sector range the last write touched */
    int reads, writes, flushes;
    void *last_read_buf;
    int fail_reads;                      /* inject -EIO */
    int fail_writes;                     /* inject -EIO on writes */
    int reads_before_failure;            /* > 0: that many reads succeed, then -EIO */
};

static int ram_read(block_device_t *dev, uint64_t sector, uint64_t count, void *buf)
{
    struct ram_disk *rd = dev->driver_data;
    if (rd->fail_reads)
        return -EIO;
    if (rd->reads_before_failure && rd->reads >= rd->reads_before_failure)
        return -EIO;
    rd->reads++;
    rd->last_read_buf = buf;
    memcpy(buf, rd->data + sector * dev->sector_size, count * dev->sector_size);
    return 0;
}

static int ram_write(block_device_t *dev, uint64_t sector, uint64_t count, const void *buf)
{
    struct ram_disk *rd = dev->driver_data;
    if (rd->fail_writes)
        return -EIO;
    rd->writes++;
    if (sector < rd->min_written)
        rd->min_written = sector;
    if (sector + count - 1 > rd->max_written)
        rd->max_written = sector + count - 1;
    memcpy(rd->data + sector * dev->sector_size, buf, count * dev->sector_size);
    return 0;
}

static int ram_flush(block_device_t *dev)
{
    ((struct ram_disk *)dev->driver_data)->flushes++;
    return 0;
}

static const struct block_ops ram_ops = { ram_read, ram_write, ram_flush };
static struct ram_disk disk;
static block_device_t dev;
static uint8_t reference[DEV_BYTES];

static void fill(uint8_t *p, size_t n, unsigned seed)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (uint8_t)(i * 131 + seed * 7 + (i >> 9));
}

static void setup(void)
{
    block_reset_registry();
    memset(&dev, 0, sizeof(dev));
    dev.sector_size = 512;
    dev.capacity = SECTORS;
    dev.ops = &ram_ops;
    dev.driver_data = &disk;
    fill(disk.data, DEV_BYTES, 1);
    memcpy(reference, disk.data, DEV_BYTES);
}

static void test_registry(void)
{
    setup();
    block_device_t b = dev;
    CHECK_EQ_INT(block_register(&dev), 0);
    CHECK_EQ_INT(block_register(&b), 0);
    CHECK_EQ_STR(dev.name, "vda");
    CHECK_EQ_STR(b.name, "vdb");
    CHECK(block_find("vdb") == &b);
    CHECK(block_find("vdc") == NULL);
    CHECK_EQ_INT(block_count(), 2);
    CHECK(block_get(0) == &dev && block_get(2) == NULL && block_default() == &dev);
    block_device_t bad = dev;
    bad.sector_size = 500;
    CHECK_EQ_INT(block_register(&bad), -EINVAL);
    block_reset_registry();
    CHECK(block_default() == NULL);
}

static void test_sector_io(void)
{
    setup();
    uint8_t buf[4 * 512];
    CHECK_EQ_INT(block_read(&dev, 0, 4, buf), 0);
    CHECK(memcmp(buf, disk.data, sizeof(buf)) == 0);
    CHECK_EQ_INT(block_read(&dev, SECTORS - 1, 1, buf), 0);
    CHECK_EQ_INT(block_read(&dev, SECTORS - 1, 2, buf), -ERANGE);
    CHECK_EQ_INT(block_read(&dev, SECTORS, 1, buf), -ERANGE);
    CHECK_EQ_INT(block_read(&dev, UINT64_MAX, 2, buf), -ERANGE);
    CHECK_EQ_INT(block_read(&dev, 0, 1, NULL), -EINVAL);
    CHECK_EQ_INT(block_read(NULL, 0, 1, buf), -EINVAL);
    CHECK_EQ_INT(dev.stats.sectors_read, 5);
    CHECK_EQ_INT(dev.stats.read_requests, 2);
    memset(buf, 0x77, 512);
    CHECK_EQ_INT(block_write(&dev, 3, 1, buf), 0);
    CHECK(disk.data[3 * 512] == 0x77 && dev.stats.sectors_written == 1);
    disk.fail_reads = 1;
    CHECK_EQ_INT(block_read(&dev, 0, 1, buf), -EIO);
    CHECK_EQ_INT(dev.stats.errors, 1);
    CHECK_EQ_INT(block_read_bytes(&dev, 100, 10, buf), -EIO);    /* errors propagate */
    disk.fail_reads = 0;
    dev.flags = BLOCK_FLAG_READONLY;
    CHECK_EQ_INT(block_write(&dev, 0, 1, buf), -EROFS);
    CHECK_EQ_INT(block_write_bytes(&dev, 5, 3, buf), -EROFS);
    CHECK(disk.data[3 * 512] == 0x77);
    CHECK_EQ_INT(block_flush(&dev), 0);
    CHECK_EQ_INT(disk.flushes, 1);
}

/* Reads of every (offset % 512, size % 512) over 0..1 and 3..4 sectors. */
static void test_read_bytes_all_alignments(void)
{
    setup();
    static uint8_t out[DEV_BYTES + 64];
    int bad = 0;
    const size_t bases[] = { 0, 512, 3 * 512 };
    for (size_t b = 0; b < sizeof(bases) / sizeof(bases[0]); b++)
        for (uint64_t off = 0; off < 512; off++)
            for (size_t rem = 0; rem < 512; rem++) {
                uint64_t offset = 512 + off;
                size_t size = bases[b] + rem;
                memset(out, 0xA5, size + 64);
                if (block_read_bytes(&dev, offset, size, out) != 0 ||
                    memcmp(out, reference + offset, size) != 0 || out[size] != 0xA5)
                    bad++;
            }
    CHECK_EQ_INT(bad, 0);
}

/* Writes of every combination; only the range may change, and the
 * device may only see writes of the sectors the range touches. */
static void test_write_bytes_all_alignments(void)
{
    setup();
    static uint8_t src[DEV_BYTES];
    int bad = 0;
    unsigned seed = 2;
    const size_t bases[] = { 0, 3 * 512 };
    for (size_t b = 0; b < sizeof(bases) / sizeof(bases[0]); b++)
        for (uint64_t off = 0; off < 512; off++)
            for (size_t rem = 0; rem < 512; rem++) {
                uint64_t offset = 1024 + off;
                size_t size = bases[b] + rem;
                fill(src, size, seed++);
                disk.min_written = UINT64_MAX;
                disk.max_written = 0;
                if (block_write_bytes(&dev, offset, size, src) != 0) {
                    bad++;
                    continue;
                }
                memcpy(reference + offset, src, size);
                if (size == 0)
                    continue;
                uint64_t first = offset / 512, last = (offset + size - 1) / 512;
                /* Compare every sector the device wrote, bytes outside the range included. */
                if (disk.min_written < first || disk.max_written > last ||
                    memcmp(disk.data + first * 512, reference + first * 512, (last - first + 1) * 512))
                    bad++;
            }
    CHECK_EQ_INT(bad, 0);
    CHECK(memcmp(disk.data, reference, DEV_BYTES) == 0);
}

static void test_fast_path_and_bounds(void)
{
    setup();
    static uint8_t out[DEV_BYTES];
    disk.reads = 0;
    CHECK_EQ_INT(block_read_bytes(&dev, 1024, 8 * 512, out), 0);
    CHECK_EQ_INT(disk.reads, 1);                      /* aligned: one read ... */
    CHECK(disk.last_read_buf == out);                 /* ... straight into the caller's buffer */
    disk.reads = 0;
    CHECK_EQ_INT(block_read_bytes(&dev, 1000, 8 * 512, out), 0);
    CHECK_EQ_INT(disk.reads, 3);                      /* head + middle + tail */
    CHECK(memcmp(out, reference + 1000, 8 * 512) == 0);
    CHECK_EQ_INT(block_read_bytes(&dev, DEV_BYTES - 10, 10, out), 0);   /* the very end */
    CHECK(memcmp(out, reference + DEV_BYTES - 10, 10) == 0);
    CHECK_EQ_INT(block_read_bytes(&dev, DEV_BYTES - 10, 11, out), -ERANGE);
    CHECK_EQ_INT(block_read_bytes(&dev, DEV_BYTES, 0, out), 0);
    CHECK_EQ_INT(block_read_bytes(&dev, DEV_BYTES + 1, 0, out), -ERANGE);
    CHECK_EQ_INT(block_read_bytes(&dev, UINT64_MAX - 5, 10, out), -ERANGE);    /* overflow */
    CHECK_EQ_INT(block_write_bytes(&dev, UINT64_MAX - 5, 10, out), -ERANGE);
    CHECK_EQ_INT(block_read_bytes(&dev, 0, 10, NULL), -EINVAL);
    CHECK_EQ_INT(block_read_bytes(NULL, 0, 10, out), -EINVAL);
}

/* A driver error in any part of a byte request (head, middle, tail; read
 * or write) comes back to the caller and is counted. */
static void test_error_propagation(void)
{
    setup();
    static uint8_t out[DEV_BYTES];
    disk.reads = 0;
    disk.reads_before_failure = 1;                     /* head read works, middle fails */
    CHECK_EQ_INT(block_read_bytes(&dev, 100, 3 * 512, out), -EIO);
    disk.reads = 0;
    disk.reads_before_failure = 2;                     /* head and middle work, tail fails */
    CHECK_EQ_INT(block_read_bytes(&dev, 100, 3 * 512, out), -EIO);
    disk.reads = 0;
    disk.reads_before_failure = 0;
    uint64_t errors = dev.stats.errors;
    disk.fail_writes = 1;
    fill(out, 3 * 512, 9);
    CHECK_EQ_INT(block_write_bytes(&dev, 512, 2 * 512, out), -EIO);      /* aligned */
    CHECK_EQ_INT(block_write_bytes(&dev, 700, 10, out), -EIO);           /* RMW of one sector */
    CHECK_EQ_INT(block_write_bytes(&dev, 700, 3 * 512, out), -EIO);      /* head, middle, tail */
    CHECK(dev.stats.errors == errors + 3);
    CHECK(memcmp(disk.data, reference, DEV_BYTES) == 0);                /* nothing changed */
    disk.fail_writes = 0;
    CHECK_EQ_INT(block_write_bytes(&dev, 700, 10, out), 0);
    CHECK(memcmp(disk.data + 700, out, 10) == 0);
}

/* A 4096-byte-sector device works the same way. */
static void test_large_sectors(void)
{
    setup();
    dev.sector_size = 4096;
    dev.capacity = DEV_BYTES / 4096;
    static uint8_t out[DEV_BYTES];
    int bad = 0;
    for (uint64_t off = 0; off < 4096 * 2; off += 97)
        for (size_t size = 0; off + size <= DEV_BYTES && size < 9000; size += 331) {
            if (block_read_bytes(&dev, off, size, out) || memcmp(out, reference + off, size))
                bad++;
        }
    CHECK_EQ_INT(bad, 0);
}

int main(void)
{
    test_registry();
    test_sector_io();
    test_read_bytes_all_alignments();
    test_write_bytes_all_alignments();
    test_fast_path_and_bounds();
    test_error_propagation();
    test_large_sectors();
    return check_summary("test_block");
}
