/* blkperf: read (or, with --write --yes, write) throughput, timed with the
 * calibrated TSC (spec Test 5). */
#include "core/heap.h"
#include "core/printk.h"
#include "core/time.h"
#include "drivers/virtio/virtio_blk.h"
#include "lib/errno.h"
#include "lib/random.h"
#include "lib/units.h"
#include "lib/string.h"
#include "shell/args.h"
#include "shell/blk_common.h"
#include "shell/command.h"

#define TARGET_MBPS 100
#define PROGRESS_STEP (10 * MIB)     /* one progress line and one block call per 10 MB */
#define PERF_MAX_SIZE_MB (1ULL << 20)
#define PERF_MAX_BS_KB 65536ULL
#define PERF_MAX_QD 64ULL

struct perf_options {
    const char *dev;
    unsigned long long size_mb, bs_kb, qd;
    int random, write, yes;
};

/* A numeric option's value, or a message naming the option and its range. */
static int option_value(const char *opt, const char *value, unsigned long long max, const char *unit,
                        unsigned long long *out)
{
    if (!value) {
        printk("blkperf: %s needs a value (1..%llu%s)\n", opt, max, unit);
        return -EINVAL;
    }
    int rc = arg_to_u64(value, 1, max, out);
    if (rc < 0)
        printk("blkperf: %s '%s' is not in 1..%llu%s\n", opt, value, max, unit);
    return rc;
}

static int parse_options(int argc, char **argv, struct perf_options *o)
{
    *o = (struct perf_options){ .size_mb = 50 };
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *value = i + 1 < argc ? argv[i + 1] : NULL;
        int rc = 0;
        if (strcmp(a, "--size") == 0) {
            rc = option_value(a, value, PERF_MAX_SIZE_MB, " MB", &o->size_mb);
            i++;
        } else if (strcmp(a, "--bs") == 0) {
            rc = option_value(a, value, PERF_MAX_BS_KB, " KB", &o->bs_kb);
            i++;
        } else if (strcmp(a, "--qd") == 0) {
            rc = option_value(a, value, PERF_MAX_QD, "", &o->qd);
            i++;
        } else if (strcmp(a, "--random") == 0) {
            o->random = 1;
        } else if (strcmp(a, "--write") == 0) {
            o->write = 1;
        } else if (strcmp(a, "--yes") == 0) {
            o->yes = 1;
        } else if (a[0] == '-') {
            printk("blkperf: unknown option '%s' (--size, --bs, --qd, --random, --write, --yes)\n", a);
            rc = -EINVAL;
        } else if (o->dev) {
            printk("blkperf: one device only ('%s' and '%s' given)\n", o->dev, a);
            rc = -EINVAL;
        } else {
            o->dev = a;
        }
        if (rc < 0)
            return rc;
    }
    return 0;
}

static uint64_t mb_per_s(uint64_t bytes, uint64_t us)
{
    return us ? bytes * 1000000 / us / MIB : 0;
}

/* Sequential: 10 MB calls, each split by the driver into requests of the
 * configured size with several in flight, straight into the buffer. */
static int run_sequential(block_device_t *d, const struct perf_options *o, uint64_t bytes, uint8_t *buf,
                          uint64_t *elapsed)
{
    uint64_t done = 0;
    uint64_t t0 = time_us();
    while (done < bytes) {
        uint64_t n = bytes - done < PROGRESS_STEP ? bytes - done : PROGRESS_STEP;
        uint64_t sector = done / d->sector_size;
        int rc = o->write ? block_write(d, sector, n / d->sector_size, buf)
                          : block_read(d, sector, n / d->sector_size, buf);
        if (rc < 0)
            return rc;
        done += n;
        printk("  Progress: %lu MB / %lu MB\n", done / MIB, bytes / MIB);
        if (shell_poll_interrupt())
            return -ECANCELED;
    }
    *elapsed = time_us() - t0;
    return 0;
}

/* Random: one request of bs at a time, at random bs-aligned offsets. */
static int run_random(block_device_t *d, uint64_t bs, uint64_t count, uint8_t *buf, uint64_t *elapsed)
{
    uint64_t slots = block_size_bytes(d) / bs, state = random_seed(0x9E3779B97F4A7C15ULL ^ time_us());
    uint64_t t0 = time_us(), step = count / 5 ? count / 5 : 1;
    for (uint64_t i = 0; i < count; i++) {
        uint64_t sector = (random_next(&state) % slots) * (bs / d->sector_size);
        int rc = block_read(d, sector, bs / d->sector_size, buf);
        if (rc < 0)
            return rc;
        if ((i + 1) % step == 0) {
            printk("  Progress: %lu / %lu reads\n", i + 1, count);
            if (shell_poll_interrupt())
                return -ECANCELED;
        }
    }
    *elapsed = time_us() - t0;
    return 0;
}

/* The spec's 100 MB/s target is for its test: the default sequential read
 * (any --size). Small random reads or chosen request shapes are not judged. */
static int is_spec_test(const struct perf_options *o)
{
    return !o->random && !o->write && !o->bs_kb && !o->qd;
}

static void print_results(const struct perf_options *o, uint64_t bytes, uint64_t count, uint64_t us)
{
    uint64_t mbps = mb_per_s(bytes, us);
    printk("\nPerformance results:\n");
    printk("  Elapsed time:  %lu us (%lu.%02lu ms)\n", us, us / 1000, (us % 1000) / 10);
    printk("  Throughput:    %lu MB/s\n", mbps);
    if (o->random) {
        printk("  IOPS:          %lu\n", us ? count * 1000000 / us : 0);
        printk("  Mean latency:  %lu us\n", count ? us / count : 0);
    }
    if (!is_spec_test(o))
        printk("\nNo target check: the spec's %d MB/s is for the default sequential read test\n", TARGET_MBPS);
    else if (mbps >= TARGET_MBPS)
        printk("\n\u2713 PASS: Throughput meets target (%lu MB/s >= %d MB/s)\n", mbps, TARGET_MBPS);
    else
        printk("\n\u2717 FAIL: Throughput below target (%lu MB/s < %d MB/s)\n", mbps, TARGET_MBPS);
    printk("\nNote: Actual throughput may vary based on:\n");
    printk("  - TSC frequency: %lu MHz (calibrated against %s)\n", time_tsc_hz() / 1000000,
           time_reference_name());
    printk("  - QEMU I/O backend configuration\n");
    printk("  - Host disk performance\n");
    printk("  - Virtualization overhead\n");
}

/* Prints the request size and queue depth the test really uses: the
 * driver clamps both, and one block call (PROGRESS_STEP, or one --random
 * block) can hold only so many requests. Says why when that is not what
 * was asked. */
static void print_request_plan(const struct perf_options *o, const struct virtio_blk_tuning *used,
                               uint64_t call_bytes)
{
    uint64_t req = used->request_bytes < call_bytes ? used->request_bytes : call_bytes;
    uint64_t per_call = (call_bytes + req - 1) / req;
    uint64_t qd = used->queue_depth < per_call ? used->queue_depth : per_call;
    printk("  Request:     %lu KB per request, queue depth %lu\n", req / 1024, qd);
    if (o->bs_kb && req != o->bs_kb * 1024)
        printk("               (--bs %llu KB asked: %s)\n", o->bs_kb,
               req == used->max_request_bytes ? "larger than the device's largest request"
                                              : "larger than one 10 MB step of the test");
    if (o->qd && o->random) {
        printk("               (--qd %llu not used: --random reads one block at a time)\n", o->qd);
    } else if (o->qd && qd != o->qd) {
        if (qd == used->queue_depth)
            printk("               (--qd %llu asked: at most %u requests of %lu KB fit in the driver's "
                   "%u request slots and descriptor budget)\n", o->qd, used->queue_depth, req / 1024,
                   used->max_queue_depth);
        else
            printk("               (--qd %llu asked: one %lu KB step holds only %lu requests)\n", o->qd,
                   call_bytes / 1024, per_call);
    }
}

static int cmd_blkperf(int argc, char **argv)
{
    struct perf_options o;
    if (parse_options(argc, argv, &o) < 0)
        return shell_usage("blkperf");
    block_device_t *d = blk_device_arg(o.dev);
    if (!d)
        return -ENODEV;
    if (o.write && (d->flags & BLOCK_FLAG_READONLY)) {
        printk("blkperf: %s is read-only; --write is not possible\n", d->name);
        return -EROFS;
    }
    if (o.write && !o.yes) {
        printk("blkperf --write overwrites the first %llu MB of %s with a scratch pattern and restores nothing.\n"
               "Add --yes to proceed.\n", o.size_mb, d->name);
        return -ECANCELED;
    }
    if (o.write && o.random) {
        printk("blkperf: --random and --write cannot be combined\n");
        return shell_usage("blkperf");
    }

    struct virtio_blk_tuning saved, used;
    int tunable = virtio_blk_get_tuning(d, &saved) == 0;
    uint64_t bs = o.bs_kb ? o.bs_kb * 1024 : (o.random ? 4096 : (tunable ? saved.request_bytes : MIB));
    if (bs % d->sector_size) {
        printk("blkperf: --bs %llu KB is not a multiple of the %u-byte sector\n", o.bs_kb, d->sector_size);
        return -EINVAL;
    }
    if (tunable) {
        virtio_blk_set_tuning(d, (uint32_t)bs, o.random ? 1 : (uint32_t)o.qd);
        virtio_blk_get_tuning(d, &used);
    }
    uint64_t bytes = o.size_mb * MIB;
    if (bytes > block_size_bytes(d))
        bytes = block_size_bytes(d) / bs * bs;
    bytes -= bytes % (o.random ? bs : d->sector_size);
    uint64_t count = bytes / bs;
    uint64_t bufsize = o.random ? bs : (bytes < PROGRESS_STEP ? bytes : PROGRESS_STEP);
    uint8_t *buf = kmalloc_aligned(bufsize ? bufsize : 4096, 4096);
    if (!buf || bytes == 0) {
        printk("blkperf: %s\n", buf ? "disk too small for one block" : "out of memory for the buffer");
        kfree(buf);
        return buf ? -ERANGE : -ENOMEM;
    }
    if (o.write)
        for (uint64_t i = 0; i < bufsize; i++)
            buf[i] = (uint8_t)(i * 13 + 7);

    printk("=== VirtIO Block Performance Test ===\n\n");
    printk("Test configuration:\n");
    printk("  Device:      %s\n", d->name);
    printk("  Capacity:    %lu MB\n", block_size_bytes(d) / MIB);
    printk("  Test size:   %lu MB (%lu sectors)\n", bytes / MIB, bytes / d->sector_size);
    if (is_spec_test(&o))
        printk("  Target:      %d MB/s\n", TARGET_MBPS);
    else
        printk("  Target:      none (the spec's %d MB/s is for the default sequential read)\n", TARGET_MBPS);
    if (tunable)
        print_request_plan(&o, &used, o.random ? bs : bufsize);
    else
        printk("  Request:     %lu KB per request, queue depth 1\n", bs / 1024);
    printk("  TSC:         %lu MHz (calibrated against %s)\n", time_tsc_hz() / 1000000, time_reference_name());
    printk("\nStarting %s %s test...\n", o.random ? "random" : "sequential", o.write ? "write" : "read");

    uint64_t us = 0;
    int rc = o.random ? run_random(d, bs, count, buf, &us) : run_sequential(d, &o, bytes, buf, &us);
    if (tunable)
        virtio_blk_set_tuning(d, saved.request_bytes, saved.queue_depth);
    kfree(buf);
    if (rc < 0) {
        printk("blkperf: stopped: %s\n", error_text(rc));
        return rc;
    }
    if (o.random)
        printk("\nRead complete: %lu random reads of %lu KB (%lu MB)\n", count, bs / 1024, bytes / MIB);
    else
        printk("\n%s complete: %lu sectors (%lu MB)\n", o.write ? "Write" : "Read", bytes / d->sector_size,
               bytes / MIB);
    print_results(&o, bytes, count, us);
    return 0;
}

static const struct shell_command perf_commands[] = {
    { "blkperf", "blkperf [dev] [--size MB] [--bs KB] [--qd N] [--random] [--write --yes]",
      "measure read (or write) throughput; default: 50 MB sequential read", cmd_blkperf, 0 },
};

void blkperf_commands_register(void)
{
    shell_register(perf_commands, 1);
}
