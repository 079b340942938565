/* The simulated virtio-blk device of tests/host/sim_virtio_blk.c. */
#ifndef EMBODIOS_TESTS_SIM_VIRTIO_BLK_H
#define EMBODIOS_TESTS_SIM_VIRTIO_BLK_H

#include <stddef.h>
#include <stdint.h>

struct sim_device {
    /* configuration */
    uint8_t *disk;
    uint64_t disk_bytes;
    uint16_t qsize;
    uint32_t offered, accepted;
    uint32_t seg_max, size_max, blk_size;
    /* misbehaviour */
    int hold_data;              /* data and flush requests are not completed (GET_ID is) */
    int hold_after_chains;      /* start holding once this many chains completed (0: never) */
    int unstall_after_resets;   /* stop holding after this many resets (0: never) */
    int unstall_done;           /* set by the reset that ended the holding */
    int deaf;                   /* nothing is completed, not even GET_ID */
    int reset_fails;            /* the status register never reads back 0 */
    uint64_t error_sector;      /* 512-byte sector whose requests fail with IOERR */
    uint32_t extra_used_len;    /* added to every used length */
    /* device state */
    uint8_t status;
    uint32_t pfn;
    uint16_t avail_seen, used_idx;
    /* observations */
    int resets, notifies, chains, reads, writes, flushes, get_ids, protocol_errors;
    int max_chain_descs, max_data_descs, max_in_flight;
    uint32_t max_seg_len;
    uint64_t bytes_read, bytes_written;
};

extern struct sim_device sim;
extern char sim_log[];

/* A fresh device of capacity_bytes (filled with sim_expected(i)) and a
 * queue of qsize entries; offers SIZE_MAX, SEG_MAX, BLK_SIZE and FLUSH. */
void sim_setup(uint64_t capacity_bytes, uint16_t qsize);
uint8_t sim_expected(uint64_t byte_offset);
void sim_log_clear(void);
int sim_log_count(const char *needle);
uint64_t sim_now_us(void);

#endif
