/* Host tests: drivers/virtio/virtio_blk.c (with the real virtqueue and
 * block layer) against the simulated device of sim_virtio_blk.c: request
 * splitting and queue-depth planning, the 16-bit ring index wrap, recovery
 * from a timeout by reset and retry, giving up (once) on a device that does
 * not come back, error messages that name the sectors, and a used length
 * larger than the buffers. */
#include <stdlib.h>
#include <string.h>
#include "check.h"
#include "block/block.h"
#include "drivers/virtio/virtio_blk.h"
#include "lib/errno.h"
#include "lib/units.h"
#include "sim_virtio_blk.h"

/* A probed device keeps its memory for good (it may still hold the ring
 * address), and attach() probes one per test: not leaks to report. */
const char *__asan_default_options(void);
const char *__asan_default_options(void) { return "detect_leaks=0"; }

/* Boots the driver on the current sim configuration; returns vda. */
static block_device_t *attach(void)
{
    block_reset_registry();
    virtio_blk_reset_registry();
    sim_log_clear();
    virtio_init();
    block_device_t *d = block_find("vda");
    CHECK(d != NULL);
    if (!d) {
        fprintf(stderr, "no disk: %s\n", sim_log);
        exit(1);
    }
    return d;
}

static int data_matches(const uint8_t *buf, uint64_t offset, uint64_t len)
{
    for (uint64_t i = 0; i < len; i++)
        if (buf[i] != sim_expected(offset + i))
            return 0;
    return 1;
}

static void test_default_plan(void)
{
    sim_setup(32 * MIB, 256);
    sim.seg_max = 254;                       /* QEMU: queue size - 2 */
    block_device_t *d = attach();
    struct virtio_blk_tuning t;
    CHECK_EQ_INT(virtio_blk_get_tuning(d, &t), 0);
    CHECK_EQ_INT(t.request_bytes, 1 * MIB);
    CHECK_EQ_INT(t.queue_depth, 21);        /* 64 descriptors / 3 per 1 MiB request */
    CHECK_EQ_INT(t.max_queue_depth, 32);
    CHECK_EQ_INT(t.max_request_bytes, 64 * MIB);
    uint8_t *buf = malloc(32 * MIB);
    CHECK_EQ_INT(block_read(d, 0, 32 * MIB / 512, buf), 0);
    CHECK(data_matches(buf, 0, 32 * MIB));
    CHECK_EQ_INT(sim.reads, 32);
    CHECK_EQ_INT(sim.max_in_flight, 21);
    CHECK_EQ_INT(sim.max_chain_descs, 3);
    CHECK_EQ_INT(sim.protocol_errors, 0);
    /* Tuning is clamped to what the descriptors allow, and reports it. */
    CHECK_EQ_INT(virtio_blk_set_tuning(d, 64 * MIB, 64), 0);
    CHECK_EQ_INT(virtio_blk_get_tuning(d, &t), 0);
    CHECK_EQ_INT(t.request_bytes, 64 * MIB);
    CHECK_EQ_INT(t.queue_depth, 3);         /* 64 MiB = 16 segments of 4 MiB + 2 = 18 descriptors */
    CHECK_EQ_INT(virtio_blk_set_tuning(d, 4096, 64), 0);
    CHECK_EQ_INT(virtio_blk_get_tuning(d, &t), 0);
    CHECK_EQ_INT(t.queue_depth, 21);        /* 64 asked, 32 slots, 21 fit */
    sim.max_in_flight = 0;
    CHECK_EQ_INT(block_read(d, 0, 1 * MIB / 512, buf), 0);
    CHECK_EQ_INT(sim.max_in_flight, 21);
    CHECK(data_matches(buf, 0, MIB));
    free(buf);
}

static void test_segment_limits(void)
{
    sim_setup(4 * MIB, 256);
    sim.seg_max = 8;
    sim.size_max = 4096;
    block_device_t *d = attach();
    struct virtio_blk_tuning t;
    virtio_blk_get_tuning(d, &t);
    CHECK_EQ_INT(t.max_request_bytes, 8 * 4096);
    CHECK_EQ_INT(t.request_bytes, 8 * 4096);
    CHECK_EQ_INT(t.queue_depth, 6);         /* 10 descriptors per request, 64 in use at most */
    uint8_t *buf = malloc(MIB + 512);
    /* An odd length and start: the last request is short. */
    CHECK_EQ_INT(block_read(d, 3, (MIB + 512) / 512, buf), 0);
    CHECK(data_matches(buf, 3 * 512, MIB + 512));
    CHECK_EQ_INT(sim.max_data_descs, 8);
    CHECK(sim.max_seg_len <= 4096);
    CHECK_EQ_INT(sim.max_in_flight, 6);
    CHECK_EQ_INT(sim.protocol_errors, 0);
    /* Writes take the same path, device-readable. */
    for (int i = 0; i < 4096; i++)
        buf[i] = (uint8_t)~i;
    CHECK_EQ_INT(block_write(d, 100, 8, buf), 0);
    CHECK(memcmp(sim.disk + 100 * 512, buf, 4096) == 0);
    CHECK_EQ_INT(sim.flushes, 1);           /* FLUSH negotiated: every write is flushed */
    free(buf);
}

static void test_tiny_queue_and_big_sectors(void)
{
    sim_setup(8 * MIB, 4);
    block_device_t *d = attach();
    struct virtio_blk_tuning t;
    virtio_blk_get_tuning(d, &t);
    CHECK_EQ_INT(t.queue_depth, 1);
    uint8_t *buf = malloc(3 * MIB);
    CHECK_EQ_INT(block_read(d, 0, 3 * MIB / 512, buf), 0);
    CHECK(data_matches(buf, 0, 3 * MIB));
    CHECK_EQ_INT(sim.max_in_flight, 1);
    CHECK(sim.max_chain_descs <= 4);

    sim_setup(8 * MIB, 128);
    sim.blk_size = 4096;
    d = attach();
    CHECK_EQ_INT(d->sector_size, 4096);
    CHECK_EQ_INT(d->capacity, 8 * MIB / 4096);
    CHECK_EQ_INT(block_read(d, 3, 2, buf), 0);   /* header sector is in 512-byte units */
    CHECK(data_matches(buf, 3 * 4096, 8192));
    free(buf);
}

/* More than 65,536 chains through one queue: both 16-bit ring indexes wrap. */
static void test_index_wrap(void)
{
    sim_setup(1 * MIB, 256);
    block_device_t *d = attach();
    uint8_t sector[512];
    int bad = 0;
    for (int i = 0; i < 70000; i++) {
        uint64_t s = (uint64_t)(i * 37) % (MIB / 512);
        if (block_read(d, s, 1, sector) != 0 || !data_matches(sector, s * 512, 512))
            bad++;
    }
    CHECK_EQ_INT(bad, 0);
    CHECK(sim.chains >= 70000);
    CHECK(sim.used_idx == (uint16_t)sim.chains);
    CHECK_EQ_INT(sim.protocol_errors, 0);
}

/* The device stops completing after a few requests and works again after
 * a reset: the transfer still succeeds, with the right bytes. */
static void test_timeout_reset_retry(void)
{
    sim_setup(8 * MIB, 256);
    block_device_t *d = attach();
    int resets_at_boot = sim.resets;
    sim.hold_after_chains = sim.chains + 3;
    sim.unstall_after_resets = sim.resets + 1;
    uint8_t *buf = malloc(8 * MIB);
    memset(buf, 0, 8 * MIB);
    CHECK_EQ_INT(block_read(d, 0, 8 * MIB / 512, buf), 0);
    CHECK(data_matches(buf, 0, 8 * MIB));
    CHECK_EQ_INT(sim.resets - resets_at_boot, 1);
    CHECK_EQ_INT(sim_log_count("made no progress for 10 s"), 1);
    CHECK_EQ_INT(sim_log_count("device back after the reset"), 1);
    CHECK_EQ_INT(sim_log_count("disabled"), 0);
    CHECK(strstr(sim_log, "read of sectors 6144-8191 made no progress") != NULL);   /* 3 done, newest first */
    CHECK(sim.get_ids >= 1);                 /* the device proved it answers */

    /* A write that stalls mid-way, flush included, is retried too. */
    sim.hold_after_chains = sim.chains + 2;
    sim.unstall_after_resets = sim.resets + 1;
    sim.unstall_done = 0;
    sim_log_clear();
    for (uint32_t i = 0; i < 4 * MIB; i++)
        buf[i] = (uint8_t)(i * 13 + 1);
    CHECK_EQ_INT(block_write(d, 2048, 4 * MIB / 512, buf), 0);
    CHECK(memcmp(sim.disk + 2048 * 512, buf, 4 * MIB) == 0);
    CHECK_EQ_INT(sim_log_count("resetting the device"), 1);
    /* Later requests use the normal size again and work. */
    CHECK_EQ_INT(block_read(d, 0, 16, buf), 0);
    CHECK(data_matches(buf, 0, 16 * 512));

    /* A held flush alone is retried. */
    sim.hold_after_chains = sim.chains;
    sim.unstall_after_resets = sim.resets + 1;
    sim.unstall_done = 0;
    sim_log_clear();
    int flushes = sim.flushes;
    CHECK_EQ_INT(block_flush(d), 0);
    CHECK_EQ_INT(sim.flushes, flushes + 1);
    CHECK_EQ_INT(sim_log_count("flush made no progress"), 1);
    free(buf);
}

/* Giving up: the message comes once, later requests fail at once, quietly. */
static void check_gave_up(block_device_t *d, int rc, const char *why)
{
    CHECK_EQ_INT(rc, -ETIMEDOUT);
    CHECK_EQ_INT(sim_log_count("disk disabled"), 1);
    CHECK(strstr(sim_log, why) != NULL);
    if (!strstr(sim_log, why))
        fprintf(stderr, "log: %s\n", sim_log);
    size_t before = strlen(sim_log);
    uint8_t sector[512];
    CHECK_EQ_INT(block_read(d, 0, 1, sector), -EIO);
    CHECK_EQ_INT(block_write(d, 0, 1, sector), -EIO);
    CHECK_EQ_INT(strlen(sim_log), before);   /* reported once, not again */
    CHECK_EQ_INT(sim_log_count("queue 0 broken"), 0);
}

static void test_device_does_not_come_back(void)
{
    uint8_t *buf = malloc(MIB);
    /* Deaf after the reset: not even the device id request is answered. */
    sim_setup(4 * MIB, 256);
    block_device_t *d = attach();
    sim.deaf = 1;
    check_gave_up(d, block_read(d, 0, MIB / 512, buf),
                  "did not come back after the reset (it does not answer a device id request)");
    CHECK_EQ_INT(sim_log_count("resetting the device"), 1);

    /* The status register never reads 0 after a reset. */
    sim_setup(4 * MIB, 256);
    d = attach();
    sim.hold_data = 1;
    sim.reset_fails = 1;
    check_gave_up(d, block_read(d, 0, 8, buf), "(it does not reset)");

    /* It answers the id request but never completes I/O: give up after
     * VBLK_MAX_RESETS resets in a row without progress, not forever. */
    sim_setup(4 * MIB, 256);
    d = attach();
    int resets = sim.resets;
    sim.hold_data = 1;
    check_gave_up(d, block_read(d, 0, 8, buf), "still made no progress after 5 resets");
    CHECK_EQ_INT(sim.resets - resets, 5 + 1);   /* 5 recoveries, then the stop */
    free(buf);
}

static void test_error_names_sectors(void)
{
    sim_setup(4 * MIB, 256);
    block_device_t *d = attach();
    sim.error_sector = 1000;
    uint8_t *buf = malloc(2 * MIB);
    CHECK_EQ_INT(block_read(d, 0, 2 * MIB / 512, buf), -EIO);
    CHECK(strstr(sim_log, "vda: read of sectors 0-2047 failed: I/O error") != NULL);
    sim_log_clear();
    CHECK_EQ_INT(block_read(d, 1000, 1, buf), -EIO);
    CHECK(strstr(sim_log, "read of sectors 1000-1000 failed") != NULL);
    sim_log_clear();
    CHECK_EQ_INT(block_write(d, 996, 8, buf), -EIO);
    CHECK(strstr(sim_log, "write of sectors 996-1003 failed") != NULL);
    /* An I/O error is the request's, not the device's: the disk stays. */
    CHECK_EQ_INT(block_read(d, 2048, 16, buf), 0);
    CHECK(data_matches(buf, 2048 * 512, 16 * 512));
    free(buf);
}

static void test_used_len_too_large(void)
{
    sim_setup(4 * MIB, 256);
    block_device_t *d = attach();
    sim.extra_used_len = 16;                  /* a legacy device counting the header */
    uint8_t *buf = malloc(MIB);
    for (int i = 0; i < 5; i++) {
        CHECK_EQ_INT(block_read(d, (uint64_t)i * 8, 8, buf), 0);
        CHECK(data_matches(buf, (uint64_t)i * 8 * 512, 8 * 512));
    }
    CHECK_EQ_INT(sim_log_count("larger than the"), 1);   /* a warning, once */
    CHECK_EQ_INT(sim_log_count("disabled"), 0);
    free(buf);
}

int main(void)
{
    setenv("EMBODIOS_QUIET", "1", 0);
    test_default_plan();
    test_segment_limits();
    test_tiny_queue_and_big_sectors();
    test_index_wrap();
    test_timeout_reset_retry();
    test_device_does_not_come_back();
    test_error_names_sectors();
    test_used_len_too_large();
    return check_summary("test_virtio_blk");
}
