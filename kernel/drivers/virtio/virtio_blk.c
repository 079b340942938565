#include "drivers/virtio/virtio_blk.h"
#include "arch/x86_64/io.h"
#include "core/dma.h"
#include "core/heap.h"
#include "core/printk.h"
#include "core/time.h"
#include "drivers/virtio/virtio_pci_legacy.h"
#include "drivers/virtio/virtqueue.h"
#include "lib/errno.h"
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

#define VBLK_MAX_DEVICES     8
#define VBLK_SLOTS          32          /* request headers: an upper bound on requests in flight */
#define VBLK_DEFAULT_REQUEST (1u << 20) /* bytes per request unless tuned */
#define VBLK_SEGMENT_CAP    (4u << 20)  /* largest descriptor when the device sets no size_max */
#define VBLK_TIMEOUT_US     (10u * 1000 * 1000)

struct vblk_request {                   /* lives in DMA memory */
    uint32_t type;
    uint32_t reserved;
    uint64_t sector;
    uint8_t status;
    uint8_t busy;
    uint8_t pad[6];
} __attribute__((packed, aligned(8)));

struct virtio_blk {
    struct virtio_legacy_dev vd;
    struct virtqueue vq;
    block_device_t bdev;
    uint32_t offered, accepted;
    uint32_t seg_max, seg_bytes;        /* per request: data descriptors, bytes each */
    uint32_t request_bytes, max_request_bytes;
    uint32_t queue_depth, max_queue_depth;
    uint32_t sector_512s;               /* 512-byte units per block-layer sector */
    struct vblk_request *reqs;          /* VBLK_SLOTS */
    int dead;                           /* reset after a timeout or protocol error */
};

static struct virtio_blk *disks[VBLK_MAX_DEVICES];
static int disk_count;

static void vblk_notify(struct virtqueue *vq)
{
    struct virtio_blk *vb = vq->priv;
    vp_queue_notify(&vb->vd, vq->index);
}

/* After a timeout or a protocol violation the device may still be working
 * on our buffers: a reset is the only way to make it stop (virtio 1.x,
 * 2.1.2). The disk stays disabled, so no late completion can ever be taken
 * for a later request. */
static void vblk_disable(struct virtio_blk *vb, const char *why)
{
    printk("virtio-blk: %s: %s; device reset, disk disabled (requests fail with EIO)\n",
           vb->bdev.name, why);
    vp_reset(&vb->vd);
    vq_mark_broken(&vb->vq, why);
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

/* Queues one request: header, data split into descriptors of at most
 * seg_bytes (the buffer is physically contiguous: identity map), status. */
static int vblk_submit(struct virtio_blk *vb, uint32_t type, uint64_t sector, void *data, uint32_t bytes)
{
    struct vblk_request *r = NULL;
    for (int i = 0; i < VBLK_SLOTS && !r; i++)
        if (!vb->reqs[i].busy)
            r = &vb->reqs[i];
    if (!r)
        return -ENOSPC;
    struct vq_buffer bufs[2 + VQ_MAX_IN_USE];
    int n = 0;
    r->type = type;
    r->reserved = 0;
    r->sector = sector;
    r->status = 0xFF;
    bufs[n++] = (struct vq_buffer){ virt_to_phys(r), 16, 0 };
    for (uint32_t off = 0; off < bytes; off += vb->seg_bytes) {
        uint32_t len = bytes - off < vb->seg_bytes ? bytes - off : vb->seg_bytes;
        bufs[n++] = (struct vq_buffer){ virt_to_phys((char *)data + off), len, type == VIRTIO_BLK_T_IN };
    }
    bufs[n++] = (struct vq_buffer){ virt_to_phys(&r->status), 1, 1 };
    int rc = vq_add(&vb->vq, bufs, n, r);
    if (rc == 0)
        r->busy = 1;
    return rc;
}

/* Collects every completed request. Returns how many, or -EIO. */
static int vblk_reap(struct virtio_blk *vb, int *first_error, uint32_t *in_flight)
{
    int got = 0;
    for (;;) {
        void *token;
        uint32_t len;
        int rc = vq_get_used(&vb->vq, &token, &len);
        if (rc < 0)
            return rc;
        if (rc == 0)
            return got;
        struct vblk_request *r = token;
        r->busy = 0;
        (*in_flight)--;
        got++;
        int err = status_to_error(r->status);
        if (err && !*first_error) {
            *first_error = err;
            printk("virtio-blk: %s: %s at sector %lu failed: %s\n", vb->bdev.name,
                   r->type == VIRTIO_BLK_T_IN ? "read" : r->type == VIRTIO_BLK_T_OUT ? "write" : "flush",
                   r->sector / vb->sector_512s, r->status == VIRTIO_BLK_S_UNSUPP ? "unsupported" : "I/O error");
        }
    }
}

/* Moves `bytes` between buf and the disk, keeping up to queue_depth
 * requests of request_bytes in flight and notifying once per batch. */
static int vblk_transfer(struct virtio_blk *vb, uint32_t type, uint64_t sector512, uint8_t *buf, uint64_t bytes)
{
    if (vb->dead)
        return -EIO;
    uint32_t in_flight = 0;
    int first_error = 0;
    uint64_t last_progress = time_us();
    while ((bytes && !first_error) || in_flight) {
        int added = 0;
        while (bytes && !first_error && in_flight < vb->queue_depth) {
            uint32_t chunk = bytes < vb->request_bytes ? (uint32_t)bytes : vb->request_bytes;
            int rc = type == VIRTIO_BLK_T_FLUSH ? vblk_submit(vb, type, 0, NULL, 0)
                                                : vblk_submit(vb, type, sector512, buf, chunk);
            if (rc == -ENOSPC)
                break;                      /* descriptors in use: wait for completions */
            if (rc < 0) {
                first_error = rc;
                break;
            }
            in_flight++;
            added++;
            if (type == VIRTIO_BLK_T_FLUSH) {
                bytes = 0;
                break;
            }
            buf += chunk;
            sector512 += chunk / 512;
            bytes -= chunk;
        }
        if (added)
            vq_kick(&vb->vq);
        int got = vblk_reap(vb, &first_error, &in_flight);
        if (got < 0) {
            vblk_disable(vb, "virtqueue protocol error");
            return -EIO;
        }
        if (got > 0) {
            last_progress = time_us();
        } else if (time_us() - last_progress > VBLK_TIMEOUT_US) {
            vblk_disable(vb, "request timed out");
            return -ETIMEDOUT;
        } else {
            cpu_relax();
        }
    }
    return first_error;
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
    return vblk_transfer(vb, VIRTIO_BLK_T_FLUSH, 0, NULL, 1);
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
    printk("  Requests: %u KB each, %u in flight%s\n", vb->request_bytes / 1024, vb->queue_depth,
           vb->dead ? "; DISABLED after an error" : "");
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
    vb->reqs = dma_alloc(VBLK_SLOTS * sizeof(struct vblk_request));
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
    disks[disk_count++] = vb;
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
