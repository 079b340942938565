/* A split virtqueue in the legacy memory layout (virtio 1.x, 2.6 and 2.6.2
 * "Legacy Interfaces: A Note on Virtqueue Layout"): descriptor table, then
 * the available ring, then the used ring at the next 4096-byte boundary.
 *
 * At most VQ_MAX_IN_USE descriptors are handed to the device at once, taken
 * from a free list. A device that breaks the protocol marks the queue
 * broken; from then on every call fails with -EIO until vq_reset (after the
 * driver has reset the device). */
#ifndef EMBODIOS_DRIVERS_VIRTQUEUE_H
#define EMBODIOS_DRIVERS_VIRTQUEUE_H

#include <stdint.h>

#define VQ_MAX_IN_USE 64
#define VQ_ALIGN 4096

struct vring_desc {
    uint64_t addr;
    uint32_t len;
    uint16_t flags;
    uint16_t next;
} __attribute__((packed));

#define VRING_DESC_F_NEXT  1
#define VRING_DESC_F_WRITE 2
#define VRING_AVAIL_F_NO_INTERRUPT 1
#define VRING_USED_F_NO_NOTIFY 1

struct vring_avail {
    uint16_t flags;
    uint16_t idx;
    uint16_t ring[];
} __attribute__((packed));

struct vring_used_elem {
    uint32_t id;
    uint32_t len;
} __attribute__((packed));

struct vring_used {
    uint16_t flags;
    uint16_t idx;
    struct vring_used_elem ring[];
} __attribute__((packed));

struct vq_buffer {
    uint64_t addr;         /* physical (== virtual) address */
    uint32_t len;
    int device_writes;     /* 1: the device writes it (VRING_DESC_F_WRITE) */
};

struct virtqueue;
typedef void (*vq_notify_fn)(struct virtqueue *vq);

struct virtqueue {
    uint16_t index;
    uint16_t size;             /* entries, a power of two, as the device reports */
    uint16_t budget;           /* descriptors we may have in use: min(size, VQ_MAX_IN_USE) */
    uint16_t in_use;
    uint16_t free_head;        /* free list threaded through desc[].next */
    uint16_t avail_shadow;     /* our next avail->idx */
    uint16_t last_used;        /* used->idx we have consumed up to */
    uint16_t unkicked;         /* chains added since the last kick */
    int broken;
    int warned_used_len;       /* "used length too large" said once per queue */
    struct vring_desc *desc;
    struct vring_avail *avail;
    volatile struct vring_used *used;
    void *ring_mem;
    uint32_t ring_bytes;
    void **tokens;             /* per chain head: the caller's token, NULL if not in flight */
    uint32_t *writable_len;    /* per chain head: bytes the device may write */
    uint16_t *chain_len;       /* per chain head: descriptors in the chain */
    vq_notify_fn notify;
    void *priv;
};

/* Bytes the legacy layout needs for a queue of `size` entries. */
uint32_t vq_ring_bytes(uint16_t size);
/* Allocates the rings (zeroed, page-aligned) and the bookkeeping. */
int vq_init(struct virtqueue *vq, uint16_t index, uint16_t size, vq_notify_fn notify, void *priv);
void vq_free(struct virtqueue *vq);
/* Adds one chain (device-readable buffers first, then device-writable).
 * Returns 0, -ENOSPC when the descriptor budget is used up, -EINVAL when
 * count is not positive or token is NULL (buffers themselves are not
 * checked: the caller builds them), or -EIO when the queue is broken.
 * Nothing reaches the device until vq_kick. */
int vq_add(struct virtqueue *vq, const struct vq_buffer *bufs, int count, void *token);
/* Publishes the added chains and notifies the device once for all of them. */
void vq_kick(struct virtqueue *vq);
/* Takes one completed chain: returns 1 and sets *token and *len, 0 when
 * nothing has completed, or -EIO when the queue is (or just became) broken.
 * A used length larger than the chain's writable buffers is clamped with a
 * warning (once per queue), as Linux does: legacy devices misreport it. */
int vq_get_used(struct virtqueue *vq, void **token, uint32_t *len);
/* Descriptors still free within the budget. */
static inline int vq_free_count(const struct virtqueue *vq) { return vq->budget - vq->in_use; }
/* Marks the queue broken; prints why unless why is NULL (the caller has
 * already reported it). */
void vq_mark_broken(struct virtqueue *vq, const char *why);
/* Forgets every chain in flight and empties the rings, keeping their memory
 * (and so the address the device was given). Only after a device reset:
 * the device must no longer own any descriptor. */
void vq_reset(struct virtqueue *vq);

#endif
