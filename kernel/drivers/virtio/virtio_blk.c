#include "drivers/virtio/virtio_blk.h"
#include "arch/x86_64/io.h"
#include "core/dma.h"
#include "core/heap.h"
#include "core/printk.h"
#include "core/time.h"
#include "drivers/virtio/virtio_pci_legacy.h"
#include "drivers/virtio/virtqueue.h"
#include "lib/errno.h"
#include "lib/format.h"
#include "lib/string.h"

/* Feature bits (virtio 1.x, 5.2.3). */
#define VIRTIO_BLK_F_SIZE_MAX  1
#define VIRTIO_BLK_F_SEG_MAX   2
#define VIRTIO_BLK_F_GEOMETRY  4
#define VIRTIO_BLK_F_RO        5
#define VIRTIO_BLK_F_BLK_SIZE  6
#define VIRTIO_BLK_F_FLUSH     9
#define VIRTIO_BLK_F_TOPOLOGY 10
#define DRIVER_FEATURES ((1u << VIRTIO_BLK_F_SIZE_MAX) | (1u << VIRTIO_BLK_F_SEG_MAX) | \
                         (1u << VIRTIO_BLK_F_GEOMETRY) | (1u << VIRTIO_BLK_F_RO) | \
                         (1u << VIRTIO_BLK_F_BLK_SIZE) | (1u << VIRTIO_BLK_F_FLUSH) | \
                         (1u << VIRTIO_BLK_F_TOPOLOGY))

/* Device configuration layout (5.2.4). */
#define CFG_CAPACITY  0
#define CFG_SIZE_MAX  8
#define CFG_SEG_MAX  12
#define CFG_BLK_SIZE 20

/* Request types and status values (5.2.6). */
#define VIRTIO_BLK_T_IN    0
#define VIRTIO_BLK_T_OUT   1
#define VIRTIO_BLK_T_FLUSH 4
#define VIRTIO_BLK_S_OK     0
#define VIRTIO_BLK_S_IOERR  1
#define VIRTIO_BLK_S_UNSUPP 2

#define VIRTIO_BLK_T_GET_ID 8
#define VIRTIO_BLK_ID_BYTES 20

#define VBLK_MAX_DEVICES     8
#define VBLK_SLOTS          32          /* request headers: an upper bound on requests in flight */
#define VBLK_DEFAULT_REQUEST (1u << 20) /* bytes per request unless tuned */
#define VBLK_SEGMENT_CAP    (4u << 20)  /* largest descriptor when the device sets no size_max */
#define VBLK_TIMEOUT_US     (10u * 1000 * 1000)
#define VBLK_RETRY_REQUEST  (64u << 10) /* request size after a timeout: small steps through a slow backend */
#define VBLK_MAX_RESETS     5           /* resets in a row with no request completing: the device is gone */

struct vblk_request {                   /* the header and status live in DMA memory */
    uint32_t type;
    uint32_t reserved;
    uint64_t sector;                    /* in 512-byte units (5.2.6) */
    uint8_t status;
    uint8_t busy;
    uint8_t pad[2];
    uint32_t bytes;                     /* driver side: what to resubmit after a reset */
    uint8_t *buf;
} __attribute__((packed, aligned(8)));

/* A piece of a transfer still to be submitted. */
struct vblk_span {
    uint64_t sector512;
    uint8_t *buf;
    uint64_t bytes;
};

/* One vblk_transfer call: the rest of the caller's range, the pieces a
 * reset took back from the device, and how requests are shaped now. */
struct vblk_xfer {
    uint32_t type;
    struct vblk_span rest;
    struct vblk_span retry[VBLK_SLOTS];
    int nretry;
    int flush_pending;
    uint32_t in_flight;
    uint32_t request_bytes, queue_depth;
    int first_error;
    int resets_without_progress;
};

struct virtio_blk {
    struct virtio_legacy_dev vd;
    struct virtqueue vq;
    block_device_t bdev;
    uint32_t offered, accepted;
    uint32_t seg_max, seg_bytes;        /* per request: data descriptors, bytes each */
    uint32_t request_bytes, max_request_bytes;
    uint32_t queue_depth, max_queue_depth;
    uint32_t sector_512s;               /* 512-byte units per block-layer sector */
    struct vblk_request *reqs;          /* VBLK_SLOTS, then the GET_ID buffer */
    uint32_t resets;                    /* recoveries since boot (blkinfo) */
    int dead;                           /* gave up: the device did not come back */
};

static int disk_count;

static void vblk_notify(struct virtqueue *vq)
{
    struct virtio_blk *vb = vq->priv;
    vp_queue_notify(&vb->vd, vq->index);
}

static const char *type_name(uint32_t type)
{
    switch (type) {
    case VIRTIO_BLK_T_IN:  return "read";
    case VIRTIO_BLK_T_OUT: return "write";
    case VIRTIO_BLK_T_FLUSH: return "flush";
    default: return "request";
    }
}

/* "read of sectors 2048-4095" in block-layer sectors: what a user can
 * compare with the offsets they asked for. */
static void describe_request(struct virtio_blk *vb, const struct vblk_request *r, char *out, size_t n)
{
    if (r->type == VIRTIO_BLK_T_FLUSH || r->type == VIRTIO_BLK_T_GET_ID || !r->bytes) {
        snprintf(out, n, "%s", r->type == VIRTIO_BLK_T_GET_ID ? "device id request" : type_name(r->type));
        return;
    }
    uint64_t first = r->sector / vb->sector_512s;
    uint64_t last = first + r->bytes / vb->bdev.sector_size - 1;
    snprintf(out, n, "%s of sectors %lu-%lu", type_name(r->type), first, last);
}

/* Gives up on the device: stop it (a reset is the only way to make it let go
 * of our buffers, virtio 1.x 2.1.2) and fail every later request with EIO.
 * This is the one message about it. */
static void vblk_give_up(struct virtio_blk *vb, const char *why)
{
    printk("virtio-blk: %s: %s; disk disabled, every later request fails with EIO\n", vb->bdev.name, why);
    vp_reset(&vb->vd);
    vq_mark_broken(&vb->vq, NULL);
    vb->dead = 1;
}

static int status_to_error(uint8_t status)
{
    switch (status) {
    case VIRTIO_BLK_S_OK:     return 0;
    case VIRTIO_BLK_S_UNSUPP: return -ENOTSUP;
    default:                  return -EIO;
    }
}

static struct vblk_request *free_slot(struct virtio_blk *vb)
{
    for (int i = 0; i < VBLK_SLOTS; i++)
        if (!vb->reqs[i].busy)
            return &vb->reqs[i];
    return NULL;
}

/* Queues one request: header, data split into descriptors of at most
 * seg_bytes (the buffer is physically contiguous: identity map), status. */
static int vblk_submit(struct virtio_blk *vb, uint32_t type, uint64_t sector, void *data, uint32_t bytes)
{
    struct vblk_request *r = free_slot(vb);
    if (!r)
        return -ENOSPC;
    struct vq_buffer bufs[2 + VQ_MAX_IN_USE];
    int n = 0;
    r->type = type;
    r->reserved = 0;
    r->sector = sector;
    r->status = 0xFF;
    r->bytes = bytes;
    r->buf = data;
    bufs[n++] = (struct vq_buffer){ virt_to_phys(r), 16, 0 };
    int device_writes = type == VIRTIO_BLK_T_IN || type == VIRTIO_BLK_T_GET_ID;
    for (uint32_t off = 0; off < bytes; off += vb->seg_bytes) {
        uint32_t len = bytes - off < vb->seg_bytes ? bytes - off : vb->seg_bytes;
        bufs[n++] = (struct vq_buffer){ virt_to_phys((char *)data + off), len, device_writes };
    }
    bufs[n++] = (struct vq_buffer){ virt_to_phys(&r->status), 1, 1 };
    int rc = vq_add(&vb->vq, bufs, n, r);
    if (rc == 0)
        r->busy = 1;
    return rc;
}

/* Collects every completed request. Returns how many, or -EIO. */
static int vblk_reap(struct virtio_blk *vb, struct vblk_xfer *x)
{
    int got = 0;
    for (;;) {
        void *token;
        uint32_t len;
        int rc = vq_get_used(&vb->vq, &token, &len);
        if (rc <= 0)
            return rc < 0 ? rc : got;
        struct vblk_request *r = token;
        r->busy = 0;
        x->in_flight--;
        got++;
        int err = status_to_error(r->status);
        if (err && !x->first_error && r->type != VIRTIO_BLK_T_GET_ID) {
            char what[64];
            x->first_error = err;
            describe_request(vb, r, what, sizeof(what));
            printk("virtio-blk: %s: %s failed: %s\n", vb->bdev.name, what,
                   r->status == VIRTIO_BLK_S_UNSUPP ? "unsupported" : "I/O error");
        }
    }
}

/* Waits up to the timeout for a GET_ID request on an otherwise idle queue:
 * the proof that a reset device processes requests again. QEMU answers it
 * without touching the disk, so a slow backend does not fail it. */
static int vblk_probe_id(struct virtio_blk *vb)
{
    struct vblk_xfer x = { .type = VIRTIO_BLK_T_GET_ID };
    uint8_t *id = (uint8_t *)(vb->reqs + VBLK_SLOTS);
    int rc = vblk_submit(vb, VIRTIO_BLK_T_GET_ID, 0, id, VIRTIO_BLK_ID_BYTES);
    if (rc < 0)
        return rc;
    x.in_flight = 1;
    vq_kick(&vb->vq);
    uint64_t t0 = time_us();
    while (x.in_flight) {
        if (vblk_reap(vb, &x) < 0)
            return -EIO;
        if (x.in_flight && time_us() - t0 > VBLK_TIMEOUT_US)
            return -ETIMEDOUT;
        cpu_relax();
    }
    return 0;   /* an error status (UNSUPP) still proves the device answers */
}

/* Reset and initialise again (virtio 1.x, 3.1.1), keeping what was
 * negotiated: the same features, queue size and ring address. */
static int vblk_reinit(struct virtio_blk *vb, const char **why)
{
    struct virtio_legacy_dev *vd = &vb->vd;
    *why = "it does not reset";
    if (vp_reset(vd) < 0)
        return -ETIMEDOUT;
    vp_add_status(vd, VIRTIO_STATUS_ACKNOWLEDGE);
    vp_add_status(vd, VIRTIO_STATUS_DRIVER);
    *why = "it no longer offers the features in use";
    if ((vp_get_features(vd) & vb->accepted) != vb->accepted)
        return -ENODEV;
    vp_set_features(vd, vb->accepted);
    *why = "its queue changed size";
    if (vp_queue_size(vd, 0) != vb->vq.size)
        return -ENODEV;
    vq_reset(&vb->vq);
    vp_queue_set_pfn(vd, 0, (uint32_t)(virt_to_phys(vb->vq.ring_mem) >> 12));
    vp_add_status(vd, VIRTIO_STATUS_DRIVER_OK);
    *why = "it does not answer a device id request";
    return vblk_probe_id(vb);
}

/* Returns an unfinished request's range to the transfer. A piece that ends
 * where a waiting span starts joins it (after the first reset only one
 * request is in flight, cut from the front of a span), so the list never
 * grows past the VBLK_SLOTS requests of the first reset. */
static void take_back(struct vblk_xfer *x, struct vblk_span p)
{
    struct vblk_span *spans[VBLK_SLOTS + 2];
    int n = 0;
    spans[n++] = &x->rest;
    for (int i = 0; i < x->nretry; i++)
        spans[n++] = &x->retry[i];
    for (int i = 0; i < n; i++) {
        struct vblk_span *e = spans[i];
        if (e->bytes && p.sector512 + p.bytes / 512 == e->sector512 && p.buf + p.bytes == e->buf) {
            e->sector512 = p.sector512;
            e->buf = p.buf;
            e->bytes += p.bytes;
            return;
        }
    }
    if (x->nretry < VBLK_SLOTS)
        x->retry[x->nretry++] = p;
    else if (!x->first_error)
        x->first_error = -EIO;      /* cannot happen (see above); never drop data silently */
}

/* No request finished for VBLK_TIMEOUT_US. Takes every request back from
 * the device (reset), re-initialises it and queues them again, smaller and
 * one at a time. Returns 0, or -ETIMEDOUT after giving up. */
static int vblk_recover(struct virtio_blk *vb, struct vblk_xfer *x)
{
    char what[64] = "request";
    struct vblk_request *lowest = NULL;          /* named in the message: the first sectors stuck */
    for (int i = 0; i < VBLK_SLOTS; i++)
        if (vb->reqs[i].busy && (!lowest || vb->reqs[i].sector < lowest->sector))
            lowest = &vb->reqs[i];
    if (lowest)
        describe_request(vb, lowest, what, sizeof(what));
    for (int i = 0; i < VBLK_SLOTS; i++) {
        struct vblk_request *r = &vb->reqs[i];
        if (!r->busy)
            continue;
        r->busy = 0;
        if (r->type == VIRTIO_BLK_T_FLUSH)
            x->flush_pending = 1;
        else
            take_back(x, (struct vblk_span){ r->sector, r->buf, r->bytes });
    }
    uint32_t requests = x->in_flight;
    x->in_flight = 0;
    char why[160];
    if (++x->resets_without_progress > VBLK_MAX_RESETS) {
        snprintf(why, sizeof(why), "%s still made no progress after %d resets: the device did not come back",
                 what, VBLK_MAX_RESETS);
        vblk_give_up(vb, why);
        return -ETIMEDOUT;
    }
    printk("virtio-blk: %s: %s made no progress for %u s (%u request%s in flight); resetting the device\n",
           vb->bdev.name, what, VBLK_TIMEOUT_US / 1000000, requests, requests == 1 ? "" : "s");
    vb->resets++;
    const char *reason;
    if (vblk_reinit(vb, &reason) < 0) {
        snprintf(why, sizeof(why), "the device did not come back after the reset (%s)", reason);
        vblk_give_up(vb, why);
        return -ETIMEDOUT;
    }
    if (x->request_bytes > VBLK_RETRY_REQUEST)
        x->request_bytes = VBLK_RETRY_REQUEST;
    x->queue_depth = 1;
    printk("virtio-blk: %s: device back after the reset; retrying %u request%s as %u KB requests, one at a time\n",
           vb->bdev.name, requests, requests == 1 ? "" : "s", x->request_bytes / 1024);
    return 0;
}

/* The next piece to submit: requests a reset took back first, then the
 * rest of the caller's range. Returns 0 when there is none. */
static int next_piece(struct vblk_xfer *x, struct vblk_span *piece)
{
    struct vblk_span *from = x->nretry ? &x->retry[0] : &x->rest;
    if (!from->bytes)
        return 0;
    uint64_t chunk = from->bytes < x->request_bytes ? from->bytes : x->request_bytes;
    *piece = (struct vblk_span){ from->sector512, from->buf, chunk };
    return 1;
}

static void piece_done(struct vblk_xfer *x, uint64_t bytes)
{
    struct vblk_span *from = x->nretry ? &x->retry[0] : &x->rest;
    from->sector512 += bytes / 512;
    from->buf += bytes;
    from->bytes -= bytes;
    if (x->nretry && !from->bytes) {
        x->nretry--;
        memmove(&x->retry[0], &x->retry[1], x->nretry * sizeof(x->retry[0]));
    }
}

/* Queues requests until queue_depth are in flight or nothing is left. */
static int vblk_fill(struct virtio_blk *vb, struct vblk_xfer *x)
{
    int added = 0;
    while (!x->first_error && x->in_flight < x->queue_depth) {
        struct vblk_span p = { 0, NULL, 0 };
        int rc;
        if (x->flush_pending) {
            rc = vblk_submit(vb, VIRTIO_BLK_T_FLUSH, 0, NULL, 0);
        } else if (next_piece(x, &p)) {
            rc = vblk_submit(vb, x->type, p.sector512, p.buf, (uint32_t)p.bytes);
        } else {
            break;
        }
        if (rc == -ENOSPC)
            break;                          /* descriptors in use: wait for completions */
        if (rc < 0) {
            x->first_error = rc;
            break;
        }
        if (x->flush_pending)
            x->flush_pending = 0;
        else
            piece_done(x, p.bytes);
        x->in_flight++;
        added++;
    }
    if (added)
        vq_kick(&vb->vq);
    return added;
}

static int work_left(const struct vblk_xfer *x)
{
    return !x->first_error && (x->flush_pending || x->nretry || x->rest.bytes);
}

/* Moves `bytes` between buf and the disk (or flushes when type is FLUSH),
 * keeping up to queue_depth requests of request_bytes in flight and
 * notifying once per batch. A device that completes nothing for
 * VBLK_TIMEOUT_US is reset and its requests retried: a slow disk is not a
 * dead one. */
static int vblk_transfer(struct virtio_blk *vb, uint32_t type, uint64_t sector512, uint8_t *buf, uint64_t bytes)
{
    if (vb->dead)
        return -EIO;
    struct vblk_xfer x = { .type = type, .rest = { sector512, buf, bytes },
                           .request_bytes = vb->request_bytes, .queue_depth = vb->queue_depth,
                           .flush_pending = type == VIRTIO_BLK_T_FLUSH };
    uint64_t last_progress = time_us();
    while (work_left(&x) || x.in_flight) {
        vblk_fill(vb, &x);
        int got = vblk_reap(vb, &x);
        if (got < 0) {
            vblk_give_up(vb, "the device broke the virtqueue protocol");
            return -EIO;
        }
        if (got > 0) {
            last_progress = time_us();
            x.resets_without_progress = 0;
        } else if (time_us() - last_progress > VBLK_TIMEOUT_US) {
            if (vblk_recover(vb, &x) < 0)
                return -ETIMEDOUT;
            last_progress = time_us();
        } else {
            cpu_relax();
        }
    }
    return x.first_error;
}

static int vblk_read(block_device_t *dev, uint64_t sector, uint64_t count, void *buf)
{
    struct virtio_blk *vb = dev->driver_data;
    return vblk_transfer(vb, VIRTIO_BLK_T_IN, sector * vb->sector_512s, buf, count * dev->sector_size);
}

static int vblk_flush(block_device_t *dev)
{
    struct virtio_blk *vb = dev->driver_data;
    if (!(vb->accepted & (1u << VIRTIO_BLK_F_FLUSH)))
        return 0;
    return vblk_transfer(vb, VIRTIO_BLK_T_FLUSH, 0, NULL, 0);
}

static int vblk_write(block_device_t *dev, uint64_t sector, uint64_t count, const void *buf)
{
    struct virtio_blk *vb = dev->driver_data;
    int rc = vblk_transfer(vb, VIRTIO_BLK_T_OUT, sector * vb->sector_512s, (uint8_t *)buf,
                           count * dev->sector_size);
    /* Data is durable only after a flush when the device caches writes. */
    return rc ? rc : vblk_flush(dev);
}

static const struct block_ops vblk_ops = { vblk_read, vblk_write, vblk_flush };

/* Request limits from the negotiated features and the descriptor budget. */
static void vblk_set_limits(struct virtio_blk *vb)
{
    uint32_t data_descs = vb->vq.budget - 2;               /* header + status */
    if ((vb->accepted & (1u << VIRTIO_BLK_F_SEG_MAX)) && vb->seg_max && vb->seg_max < data_descs)
        data_descs = vb->seg_max;
    vb->seg_max = data_descs;
    uint32_t seg = VBLK_SEGMENT_CAP;
    if ((vb->accepted & (1u << VIRTIO_BLK_F_SIZE_MAX)) && vb->seg_bytes && vb->seg_bytes < seg)
        seg = vb->seg_bytes & ~(uint32_t)(vb->bdev.sector_size - 1);
    if (seg < vb->bdev.sector_size)
        seg = vb->bdev.sector_size;
    vb->seg_bytes = seg;
    uint64_t max = (uint64_t)data_descs * seg;
    if (max > (64u << 20))
        max = 64u << 20;
    vb->max_request_bytes = (uint32_t)max;
    vb->max_queue_depth = VBLK_SLOTS;
    virtio_blk_set_tuning(&vb->bdev, VBLK_DEFAULT_REQUEST, VBLK_SLOTS);
}

int virtio_blk_get_tuning(block_device_t *dev, struct virtio_blk_tuning *t)
{
    if (!dev || dev->ops != &vblk_ops)
        return -ENODEV;
    struct virtio_blk *vb = dev->driver_data;
    t->request_bytes = vb->request_bytes;
    t->queue_depth = vb->queue_depth;
    t->max_request_bytes = vb->max_request_bytes;
    t->max_queue_depth = vb->max_queue_depth;
    return 0;
}

int virtio_blk_set_tuning(block_device_t *dev, uint32_t request_bytes, uint32_t queue_depth)
{
    if (!dev || dev->ops != &vblk_ops)
        return -ENODEV;
    struct virtio_blk *vb = dev->driver_data;
    if (request_bytes) {
        request_bytes &= ~(dev->sector_size - 1);
        if (request_bytes < dev->sector_size)
            request_bytes = dev->sector_size;
        vb->request_bytes = request_bytes < vb->max_request_bytes ? request_bytes : vb->max_request_bytes;
    }
    if (queue_depth)
        vb->queue_depth = queue_depth < vb->max_queue_depth ? queue_depth : vb->max_queue_depth;
    /* Each request holds 2 + its data descriptors; never plan for more
     * requests than the descriptor budget can carry at once. */
    uint32_t per_request = 2 + (vb->request_bytes + vb->seg_bytes - 1) / vb->seg_bytes;
    uint32_t fit = vb->vq.budget / per_request;
    if (vb->queue_depth > fit)
        vb->queue_depth = fit ? fit : 1;
    return 0;
}

void virtio_blk_describe(block_device_t *dev)
{
    if (!dev || dev->ops != &vblk_ops)
        return;
    struct virtio_blk *vb = dev->driver_data;
    printk("  Driver: virtio-blk (legacy PCI) at I/O port 0x%x, PCI %02x:%02x.%x\n", vb->vd.iobase,
           vb->vd.pci->bus, vb->vd.pci->dev, vb->vd.pci->fn);
    printk("  Features: 0x%08x (offered 0x%08x)\n", vb->accepted, vb->offered);
    printk("  Queue: %u entries, at most %u descriptors in use; %u data segments of up to %u KB per request\n",
           vb->vq.size, vb->vq.budget, vb->seg_max, vb->seg_bytes / 1024);
    printk("  Requests: %u KB each, %u in flight; %u device reset%s after timeouts%s\n",
           vb->request_bytes / 1024, vb->queue_depth, vb->resets, vb->resets == 1 ? "" : "s",
           vb->dead ? "; DISABLED: the device did not come back" : "");
}

/* Initialisation in the order of virtio 1.x, 3.1.1 (legacy: no FEATURES_OK). */
static int vblk_setup(struct virtio_blk *vb)
{
    struct virtio_legacy_dev *vd = &vb->vd;
    vp_reset(vd);
    vp_add_status(vd, VIRTIO_STATUS_ACKNOWLEDGE);
    vp_add_status(vd, VIRTIO_STATUS_DRIVER);
    vb->offered = vp_get_features(vd);
    vb->accepted = vb->offered & DRIVER_FEATURES;
    vp_set_features(vd, vb->accepted);

    uint16_t qsize = vp_queue_size(vd, 0);
    /* A request needs a header, a data and a status descriptor. */
    if (qsize < 3 || (qsize & (qsize - 1))) {
        printk("virtio-blk: queue 0 has unusable size %u\n", qsize);
        return -ENODEV;
    }
    int rc = vq_init(&vb->vq, 0, qsize, vblk_notify, vb);
    if (rc < 0)
        return rc;
    vp_queue_set_pfn(vd, 0, (uint32_t)(virt_to_phys(vb->vq.ring_mem) >> 12));
    vb->reqs = dma_alloc(VBLK_SLOTS * sizeof(struct vblk_request) + VIRTIO_BLK_ID_BYTES);
    if (!vb->reqs)
        return -ENOMEM;

    uint32_t blk_size = 512;
    if (vb->accepted & (1u << VIRTIO_BLK_F_BLK_SIZE)) {
        uint32_t b = vp_config32(vd, CFG_BLK_SIZE);
        if (b >= 512 && b <= BLOCK_MAX_SECTOR_SIZE && !(b & (b - 1)))
            blk_size = b;
    }
    vb->bdev.sector_size = blk_size;
    vb->sector_512s = blk_size / 512;
    vb->bdev.capacity = vp_config64(vd, CFG_CAPACITY) / vb->sector_512s;
    vb->seg_max = vp_config32(vd, CFG_SEG_MAX);
    vb->seg_bytes = vp_config32(vd, CFG_SIZE_MAX);
    if (vb->accepted & (1u << VIRTIO_BLK_F_RO))
        vb->bdev.flags |= BLOCK_FLAG_READONLY;
    vb->bdev.ops = &vblk_ops;
    vb->bdev.driver_data = vb;
    vblk_set_limits(vb);
    vp_add_status(vd, VIRTIO_STATUS_DRIVER_OK);
    return 0;
}

static void vblk_probe(const struct pci_device *pci)
{
    if (disk_count == VBLK_MAX_DEVICES) {
        printk("virtio-blk: more than %d disks; %02x:%02x.%x ignored\n", VBLK_MAX_DEVICES, pci->bus,
               pci->dev, pci->fn);
        return;
    }
    struct virtio_blk *vb = kcalloc(1, sizeof(*vb));
    if (!vb)
        return;
    if (vp_legacy_open(&vb->vd, pci) < 0) {
        printk("virtio-blk: %02x:%02x.%x has no legacy I/O BAR0; not supported\n", pci->bus, pci->dev, pci->fn);
        kfree(vb);
        return;
    }
    int rc = vblk_setup(vb);
    if (rc == 0)
        rc = block_register(&vb->bdev);
    if (rc < 0) {
        vp_add_status(&vb->vd, VIRTIO_STATUS_FAILED);
        printk("virtio-blk: %02x:%02x.%x set-up failed (%s); device marked FAILED\n", pci->bus, pci->dev,
               pci->fn, error_name(rc));
        return;   /* vb stays allocated: the device may still hold its ring address */
    }
    disk_count++;
    uint64_t mb = vb->bdev.capacity * vb->bdev.sector_size / (1024 * 1024);
    printk("VirtIO block device at I/O port 0x%x\n", vb->vd.iobase);
    printk("  Capacity: %lu sectors (%lu MB)\n", vb->bdev.capacity, mb);
    printk("  Sector size: %u bytes\n", vb->bdev.sector_size);
    printk("  Features: 0x%08x (offered 0x%08x)\n", vb->accepted, vb->offered);
    printk("Registered block device: %s (%lu MB, %lu sectors)\n", vb->bdev.name, mb, vb->bdev.capacity);
    printk("virtio-blk: %s: queue %u entries (%u descriptors in use at most), %u KB x %u requests in flight%s\n",
           vb->bdev.name, vb->vq.size, vb->vq.budget, vb->request_bytes / 1024, vb->queue_depth,
           (vb->bdev.flags & BLOCK_FLAG_READONLY) ? ", read-only" : "");
}

static const char *virtio_type_name(unsigned type)
{
    switch (type) {
    case 1: return "network";
    case 2: return "block";
    case 3: return "console";
    case 4: return "entropy";
    case 5: return "balloon";
    case 8: return "SCSI";
    case 9: return "9P";
    case 16: return "GPU";
    case 18: return "input";
    default: return "other";
    }
}

void virtio_blk_reset_registry(void)
{
    disk_count = 0;
}

void virtio_init(void)
{
    for (int i = 0; i < pci_device_count(); i++) {
        const struct pci_device *d = pci_get(i);
        if (d->vendor != VIRTIO_PCI_VENDOR || d->device < 0x1000 || d->device > 0x107F)
            continue;
        if (d->device >= 0x1040) {
            /* Modern-only (virtio 1.x, 4.1.2.1): no I/O BAR to drive. */
            printk("virtio: %02x:%02x.%x is a modern-only virtio %s device (no legacy interface, "
                   "e.g. disable-legacy=on); not supported, skipped\n",
                   d->bus, d->dev, d->fn, virtio_type_name(d->device - 0x1040u));
            continue;
        }
        /* Transitional devices carry the virtio type in the subsystem ID. */
        if (d->subsystem_id == 2)
            vblk_probe(d);
        else
            printk("virtio: %02x:%02x.%x virtio %s device: no driver\n", d->bus, d->dev, d->fn,
                   virtio_type_name(d->subsystem_id));
    }
    if (block_count() == 0)
        printk("No block devices found\n");
}
