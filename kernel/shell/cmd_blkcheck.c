/* Data-checking commands: blkcrc (CRC-32 of a byte range, to compare with
 * the host) and blkstress (thousands of random unaligned byte reads and
 * writes against a pattern the host wrote, replayable from the seed). */
#include "core/heap.h"
#include "core/printk.h"
#include "core/time.h"
#include "lib/crc32.h"
#include "lib/errno.h"
#include "lib/string.h"
#include "shell/args.h"
#include "shell/blk_common.h"
#include "shell/command.h"

#define CHUNK (1024 * 1024)
#define STRESS_SMALL_MAX 1024
#define STRESS_LARGE_MAX (128 * 1024)
#define STRESS_WRITE_XOR 0xA5

static int cmd_blkcrc(int argc, char **argv)
{
    unsigned long long offset, len;
    if (argc != 4 || arg_to_u64(argv[2], 0, ~0ULL, &offset) < 0 || arg_to_u64(argv[3], 0, ~0ULL, &len) < 0)
        return shell_usage("blkcrc");
    block_device_t *d = blk_device_arg(argv[1]);
    if (!d)
        return -ENODEV;
    uint8_t *buf = kmalloc_aligned(CHUNK, 4096);
    if (!buf)
        return -ENOMEM;
    uint32_t crc = 0;
    int rc = 0;
    uint64_t t0 = time_us();
    for (uint64_t done = 0; done < len && rc == 0; done += CHUNK) {
        size_t n = len - done < CHUNK ? (size_t)(len - done) : CHUNK;
        rc = block_read_bytes(d, offset + done, n, buf);
        if (rc == 0)
            crc = crc32_update(crc, buf, n);
        if (rc == 0 && shell_poll_interrupt())
            rc = -ECANCELED;
    }
    if (rc < 0)
        printk("blkcrc: %s: reading %llu bytes at %llu failed: %s\n", d->name, len, offset, error_text(rc));
    else
        printk("blkcrc: %s offset %llu length %llu crc32 0x%08x (%lu ms)\n", d->name, offset, len, crc,
               (time_us() - t0) / 1000);
    kfree(buf);
    return rc;
}

/* The host's pattern: every 8-byte word holds its own byte offset
 * (little-endian), so a byte read from the wrong place never matches. */
static uint8_t pattern_byte(uint64_t offset)
{
    return (uint8_t)((offset & ~7ULL) >> (8 * (offset & 7)));
}

/* xorshift64*: the host replays the same sequence from the seed. */
static uint64_t next_random(uint64_t *state)
{
    uint64_t x = *state;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *state = x;
    return x * 0x2545F4914F6CDD1DULL;
}

static void next_range(uint64_t *state, uint64_t size, uint64_t *off, uint64_t *len)
{
    uint64_t r = next_random(state);
    uint64_t max = (r & 1) ? STRESS_SMALL_MAX : STRESS_LARGE_MAX;
    *len = 1 + (r >> 1) % max;
    if (*len > size)
        *len = size;
    *off = next_random(state) % (size - *len + 1);
}

static int stress_reads(block_device_t *d, uint64_t *state, uint64_t count, uint8_t *buf, uint64_t *bad)
{
    for (uint64_t i = 0; i < count; i++) {
        uint64_t off, len;
        next_range(state, block_size_bytes(d), &off, &len);
        int rc = block_read_bytes(d, off, len, buf);
        if (rc < 0)
            return rc;
        for (uint64_t k = 0; k < len; k++)
            if (buf[k] != pattern_byte(off + k)) {
                if (!*bad)
                    printk("blkstress: first mismatch at byte %lu: read 0x%02x, expected 0x%02x\n", off + k,
                           buf[k], pattern_byte(off + k));
                (*bad)++;
                break;
            }
        if ((i & 255) == 255 && shell_poll_interrupt())
            return -ECANCELED;
    }
    return 0;
}

static int stress_writes(block_device_t *d, uint64_t *state, uint64_t count, uint8_t *buf, uint8_t *check,
                         uint64_t *bad)
{
    for (uint64_t i = 0; i < count; i++) {
        uint64_t off, len;
        next_range(state, block_size_bytes(d), &off, &len);
        for (uint64_t k = 0; k < len; k++)
            buf[k] = pattern_byte(off + k) ^ STRESS_WRITE_XOR;
        int rc = block_write_bytes(d, off, len, buf);
        if (rc == 0)
            rc = block_read_bytes(d, off, len, check);
        if (rc < 0)
            return rc;
        if (memcmp(buf, check, len) != 0)
            (*bad)++;
        if ((i & 63) == 63 && shell_poll_interrupt())
            return -ECANCELED;
    }
    return 0;
}

/* Drops every "--yes" from argv; returns whether there was one. */
static int take_yes(int *argc, char **argv)
{
    int yes = 0, n = 0;
    for (int i = 0; i < *argc; i++) {
        if (strcmp(argv[i], "--yes") == 0)
            yes = 1;
        else
            argv[n++] = argv[i];
    }
    *argc = n;
    return yes;
}

static int cmd_blkstress(int argc, char **argv)
{
    unsigned long long reads, writes, seed = 1;
    int yes = take_yes(&argc, argv);
    if (argc < 4 || argc > 5 || arg_to_u64(argv[2], 0, 10000000, &reads) < 0 ||
        arg_to_u64(argv[3], 0, 10000000, &writes) < 0 || (argc == 5 && arg_to_u64(argv[4], 1, ~0ULL, &seed) < 0))
        return shell_usage("blkstress");
    block_device_t *d = blk_device_arg(argv[1]);
    if (!d)
        return -ENODEV;
    if (writes && (d->flags & BLOCK_FLAG_READONLY)) {
        printk("blkstress: %s is read-only; no writes\n", d->name);
        return -EROFS;
    }
    if (writes && !yes) {
        /* As blkperf --write: never overwrite a disk without being told to. */
        printk("blkstress: %llu writes overwrite random byte ranges of %s with the offset pattern; whatever was "
               "there is lost.\nAdd --yes to proceed.\n", writes, d->name);
        return -ECANCELED;
    }
    uint8_t *buf = kmalloc(2 * STRESS_LARGE_MAX);
    if (!buf)
        return -ENOMEM;
    uint64_t state = seed, bad_reads = 0, bad_writes = 0, t0 = time_us();
    int rc = stress_reads(d, &state, reads, buf, &bad_reads);
    if (rc == 0)
        rc = stress_writes(d, &state, writes, buf, buf + STRESS_LARGE_MAX, &bad_writes);
    if (rc < 0)
        printk("blkstress: stopped: %s\n", error_text(rc));
    printk("blkstress: %s seed %llu: %llu reads, %lu mismatches; %llu writes, %lu read-back mismatches (%lu ms)\n",
           d->name, seed, reads, bad_reads, writes, bad_writes, (time_us() - t0) / 1000);
    kfree(buf);
    return rc ? rc : (bad_reads || bad_writes) ? -EIO : 0;
}

static const struct shell_command check_commands[] = {
    { "blkcrc", "blkcrc <dev> <offset> <len>", "CRC-32 (zlib) of a byte range, read through block_read_bytes",
      cmd_blkcrc, 0 },
    { "blkstress", "blkstress <dev> <reads> <writes> [seed] [--yes]",
      "random unaligned byte reads/writes against the host's offset pattern (writes change the disk: need --yes)",
      cmd_blkstress, 0 },
};

void blkcheck_commands_register(void)
{
    shell_register(check_commands, sizeof(check_commands) / sizeof(check_commands[0]));
}
