/* Block device commands: blkdevs, blkinfo, blktest, blkread (spec Tests 1-3, 6). */
#include "core/heap.h"
#include "core/printk.h"
#include "drivers/virtio/virtio_blk.h"
#include "lib/errno.h"
#include "lib/units.h"
#include "lib/format.h"
#include "lib/string.h"
#include "shell/args.h"
#include "shell/blk_common.h"
#include "shell/command.h"

#define BLKREAD_MAX 65536

block_device_t *blk_device_arg(const char *name)
{
    if (block_count() == 0) {
        printk("No block devices found\n");
        return NULL;
    }
    if (!name)
        return block_default();
    block_device_t *dev = block_find(name);
    if (!dev)
        printk("No such block device: %s (see blkdevs)\n", name);
    return dev;
}

static int cmd_blkdevs(int argc, char **argv)
{
    (void)argv;
    if (argc != 1)
        return shell_usage("blkdevs");
    int n = block_count();
    if (n == 0) {
        printk("No block devices found\n");
        return 0;
    }
    printk("Block devices:\n");
    for (int i = 0; i < n; i++) {
        block_device_t *d = block_get(i);
        printk("  %-4s %8lu MB  %lu sectors x %u bytes  %s\n", d->name, block_size_bytes(d) / MIB,
               d->capacity, d->sector_size, (d->flags & BLOCK_FLAG_READONLY) ? "read-only" : "read-write");
    }
    printk("%d block device%s\n", n, n == 1 ? "" : "s");
    return 0;
}

static int cmd_blkinfo(int argc, char **argv)
{
    if (argc > 2)
        return shell_usage("blkinfo");
    block_device_t *d = blk_device_arg(argc == 2 ? argv[1] : NULL);
    if (!d)
        return -ENODEV;
    printk("Block Device: %s\n", d->name);
    printk("  Capacity: %lu MB (%lu sectors)\n", block_size_bytes(d) / MIB, d->capacity);
    printk("  Sector size: %u bytes\n", d->sector_size);
    printk("  Read-only: %s\n", (d->flags & BLOCK_FLAG_READONLY) ? "Yes" : "No");
    printk("  Statistics:\n");
    printk("    Reads: %lu sectors\n", d->stats.sectors_read);
    printk("    Writes: %lu sectors\n", d->stats.sectors_written);
    printk("    Read requests: %lu\n", d->stats.read_requests);
    printk("    Write requests: %lu\n", d->stats.write_requests);
    printk("    Errors: %lu\n", d->stats.errors);
    virtio_blk_describe(d);
    return 0;
}

static void hexdump_line(uint64_t offset, const uint8_t *p, size_t n)
{
    printk("%08lx  ", offset);
    for (size_t i = 0; i < 16; i++) {
        if (i < n)
            printk("%02x ", p[i]);
        else
            printk("   ");
        if (i == 7)
            printk(" ");
    }
    printk(" |");
    for (size_t i = 0; i < n; i++)
        printk("%c", p[i] >= 0x20 && p[i] < 0x7F ? p[i] : '.');
    printk("|\n");
}

static int cmd_blkread(int argc, char **argv)
{
    unsigned long long offset, len;
    if (argc != 4 || arg_u64_checked("blkread", "<offset>", argv[2], 0, ~0ULL, &offset) < 0 ||
        arg_u64_checked("blkread", "<len>", argv[3], 1, BLKREAD_MAX, &len) < 0)
        return shell_usage("blkread");
    block_device_t *d = blk_device_arg(argv[1]);
    if (!d)
        return -ENODEV;
    uint8_t *buf = kmalloc(len);
    if (!buf)
        return -ENOMEM;
    int rc = block_read_bytes(d, offset, len, buf);
    if (rc < 0) {
        printk("blkread: %s: cannot read %llu bytes at offset %llu: %s\n", d->name, len, offset, error_text(rc));
    } else {
        for (uint64_t i = 0; i < len; i += 16)
            hexdump_line(offset + i, buf + i, len - i < 16 ? len - i : 16);
    }
    kfree(buf);
    return rc;
}

/* --- blktest: the spec's five tests ------------------------------------ */

/* Prints one result line after the operation, so driver messages about a
 * failure never split it. Returns 1 on failure. */
static int report(int number, const char *what, int rc, const char *extra)
{
    if (rc == 0)
        printk("Test %d: %s... PASS%s\n", number, what, extra ? extra : "");
    else
        printk("Test %d: %s... FAIL (%s)\n", number, what, error_name(rc));
    return rc != 0;
}

static int blktest_writes(block_device_t *d, uint64_t sector, uint8_t *orig, uint8_t *pattern, uint8_t *check)
{
    char what[48];
    size_t ss = d->sector_size;
    snprintf(what, sizeof(what), "Write sector %lu", sector);
    int rc = block_read(d, sector, 1, orig);
    if (rc < 0) {
        /* Without the original we must not write: it could not be restored. */
        report(4, what, rc, NULL);
        printk("  (could not save sector %lu first; nothing was written)\n", sector);
        printk("Test 5: Verify write... SKIPPED\n");
        return 1;
    }
    for (size_t i = 0; i < ss; i++)
        pattern[i] = (uint8_t)(0xA5 ^ i ^ (i >> 8));
    rc = block_write(d, sector, 1, pattern);
    int failed = report(4, what, rc, NULL);
    if (rc == 0) {
        rc = block_read(d, sector, 1, check);
        if (rc == 0 && memcmp(check, pattern, ss) != 0)
            rc = -EIO;
        failed |= report(5, "Verify write", rc, NULL);
    } else {
        printk("Test 5: Verify write... SKIPPED\n");
    }
    /* Put the user's data back exactly as it was. */
    int restore = block_write(d, sector, 1, orig);
    if (restore == 0)
        restore = block_read(d, sector, 1, check);
    if (restore == 0 && memcmp(check, orig, ss) != 0)
        restore = -EIO;
    if (restore != 0) {
        printk("WARNING: could not restore sector %lu (%s); it may differ from before\n", sector,
               error_name(restore));
        failed = 1;
    } else {
        printk("  (sector %lu restored to its original contents)\n", sector);
    }
    return failed;
}

static int cmd_blktest(int argc, char **argv)
{
    if (argc > 2)
        return shell_usage("blktest");
    block_device_t *d = blk_device_arg(argc == 2 ? argv[1] : NULL);
    if (!d)
        return -ENODEV;
    if (d->capacity == 0) {
        printk("blktest: %s is empty (0 sectors); there is nothing to test\n", d->name);
        return -ERANGE;
    }
    size_t ss = d->sector_size;
    uint8_t *buf = kmalloc(8 * ss + 3 * ss);
    if (!buf)
        return -ENOMEM;
    uint8_t *orig = buf + 8 * ss, *pattern = orig + ss, *check = pattern + ss;
    /* Small disks: use sectors that exist. */
    uint64_t last = d->capacity - 1;
    uint64_t count = d->capacity < 8 ? d->capacity : 8;
    uint64_t s3 = last < 100 ? last : 100;
    uint64_t s4 = last < 1000 ? last : 1000;
    char what[48], extra[48];

    printk("=== VirtIO Block Tests ===\n");
    int rc = block_read(d, 0, 1, buf);
    int failed = report(1, "Read sector 0", rc, NULL);
    if (rc == 0) {
        printk("  Data:");
        for (int i = 0; i < 16; i++)
            printk(" %02x", buf[i]);
        printk(" ...\n");
    }
    rc = block_read(d, 0, count, buf);
    snprintf(what, sizeof(what), "Read %lu sectors", count);
    snprintf(extra, sizeof(extra), " (read %lu bytes)", count * ss);
    failed |= report(2, what, rc, extra);
    rc = block_read(d, s3, 1, buf);
    snprintf(what, sizeof(what), "Read sector %lu", s3);
    failed |= report(3, what, rc, NULL);
    if (d->flags & BLOCK_FLAG_READONLY) {
        printk("Test 4: Write sector %lu... SKIPPED (read-only device)\n", s4);
        printk("Test 5: Verify write... SKIPPED (read-only device)\n");
    } else {
        failed |= blktest_writes(d, s4, orig, pattern, check);
    }
    printk("\n%s\n", failed ? "Some tests FAILED." : "All tests passed!");
    kfree(buf);
    return failed ? -EIO : 0;
}

static const struct shell_command blk_commands[] = {
    { "blkdevs", "blkdevs", "list block devices", cmd_blkdevs, 0 },
    { "blkinfo", "blkinfo [dev]", "show a block device's size, flags and statistics", cmd_blkinfo, 0 },
    { "blktest", "blktest [dev]", "run the five block I/O tests (sector 1000 is restored after the write test)",
      cmd_blktest, 0 },
    { "blkread", "blkread <dev> <offset> <len>", "hex dump of len bytes (at most 65536) at a byte offset",
      cmd_blkread, 0 },
};

void blk_commands_register(void)
{
    shell_register(blk_commands, sizeof(blk_commands) / sizeof(blk_commands[0]));
    blkcheck_commands_register();
    blkperf_commands_register();
}
