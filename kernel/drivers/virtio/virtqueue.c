#include "drivers/virtio/virtqueue.h"
#include "arch/x86_64/io.h"
#include "core/dma.h"
#include "core/heap.h"
#include "core/printk.h"
#include "lib/errno.h"
#include "lib/string.h"

static uint32_t align_up(uint32_t v, uint32_t a) { return (v + a - 1) & ~(a - 1); }

static uint32_t used_offset(uint16_t size)
{
    /* descriptors + avail (flags, idx, ring, used_event), then align */
    return align_up(16u * size + 6u + 2u * size, VQ_ALIGN);
}

uint32_t vq_ring_bytes(uint16_t size)
{
    return used_offset(size) + align_up(6u + 8u * size, VQ_ALIGN);
}

int vq_init(struct virtqueue *vq, uint16_t index, uint16_t size, vq_notify_fn notify, void *priv)
{
    if (!size || (size & (size - 1)) || size > 32768)
        return -EINVAL;
    memset(vq, 0, sizeof(*vq));
    vq->ring_bytes = vq_ring_bytes(size);
    vq->ring_mem = dma_alloc(vq->ring_bytes);
    vq->tokens = kcalloc(size, sizeof(void *));
    vq->writable_len = kcalloc(size, sizeof(uint32_t));
    vq->chain_len = kcalloc(size, sizeof(uint16_t));
    if (!vq->ring_mem || !vq->tokens || !vq->writable_len || !vq->chain_len) {
        vq_free(vq);
        return -ENOMEM;
    }
    vq->index = index;
    vq->size = size;
    vq->budget = size < VQ_MAX_IN_USE ? size : VQ_MAX_IN_USE;
    vq->desc = vq->ring_mem;
    vq->avail = (struct vring_avail *)((char *)vq->ring_mem + 16u * size);
    vq->used = (volatile struct vring_used *)((char *)vq->ring_mem + used_offset(size));
    vq->notify = notify;
    vq->priv = priv;
    vq_reset(vq);
    return 0;
}

void vq_reset(struct virtqueue *vq)
{
    memset(vq->ring_mem, 0, vq->ring_bytes);
    memset(vq->tokens, 0, vq->size * sizeof(void *));
    /* We poll the used ring: ask the device not to interrupt. */
    vq->avail->flags = VRING_AVAIL_F_NO_INTERRUPT;
    for (uint16_t i = 0; i + 1 < vq->size; i++)
        vq->desc[i].next = i + 1;
    vq->free_head = 0;
    vq->in_use = 0;
    vq->avail_shadow = 0;
    vq->last_used = 0;
    vq->unkicked = 0;
    vq->broken = 0;
}

void vq_free(struct virtqueue *vq)
{
    if (vq->ring_mem)
        dma_free(vq->ring_mem);
    if (vq->tokens)
        kfree(vq->tokens);
    if (vq->writable_len)
        kfree(vq->writable_len);
    if (vq->chain_len)
        kfree(vq->chain_len);
    vq->ring_mem = vq->tokens = NULL;
    vq->writable_len = NULL;
    vq->chain_len = NULL;
}

void vq_mark_broken(struct virtqueue *vq, const char *why)
{
    if (!vq->broken && why)
        printk("virtio: queue %u broken: %s; every later request fails with EIO\n", vq->index, why);
    vq->broken = 1;
}

int vq_add(struct virtqueue *vq, const struct vq_buffer *bufs, int count, void *token)
{
    if (vq->broken)
        return -EIO;
    if (count <= 0 || !token)
        return -EINVAL;
    if (count > vq_free_count(vq))
        return -ENOSPC;
    uint16_t head = vq->free_head, d = head;
    uint32_t writable = 0;
    for (int i = 0; i < count; i++) {
        struct vring_desc *desc = &vq->desc[d];
        desc->addr = bufs[i].addr;
        desc->len = bufs[i].len;
        desc->flags = (uint16_t)((bufs[i].device_writes ? VRING_DESC_F_WRITE : 0) |
                                 (i + 1 < count ? VRING_DESC_F_NEXT : 0));
        if (bufs[i].device_writes)
            writable += bufs[i].len;
        if (i + 1 < count)
            d = desc->next;
    }
    vq->free_head = vq->desc[d].next;
    vq->in_use += (uint16_t)count;
    vq->tokens[head] = token;
    vq->writable_len[head] = writable;
    vq->chain_len[head] = (uint16_t)count;
    vq->avail->ring[vq->avail_shadow % vq->size] = head;
    vq->avail_shadow++;
    vq->unkicked++;
    return 0;
}

void vq_kick(struct virtqueue *vq)
{
    if (!vq->unkicked || vq->broken)
        return;
    /* The ring entries must be visible before the index that publishes
     * them (virtio 1.x, 2.6.13.3), and the index before we read the
     * device's notification-suppression flag (2.6.13.4). */
    wmb();
    *(volatile uint16_t *)&vq->avail->idx = vq->avail_shadow;
    mb();
    vq->unkicked = 0;
    if (!(vq->used->flags & VRING_USED_F_NO_NOTIFY))
        vq->notify(vq);
}

/* Returns a finished chain's descriptors to the free list. */
static void free_chain(struct virtqueue *vq, uint16_t head)
{
    uint16_t d = head;
    for (uint16_t i = 1; i < vq->chain_len[head]; i++)
        d = vq->desc[d].next;
    vq->desc[d].next = vq->free_head;
    vq->free_head = head;
    vq->in_use -= vq->chain_len[head];
    vq->tokens[head] = NULL;
}

int vq_get_used(struct virtqueue *vq, void **token, uint32_t *len)
{
    if (vq->broken)
        return -EIO;
    uint16_t used_idx = *(volatile uint16_t *)&vq->used->idx;
    if (used_idx == vq->last_used)
        return 0;
    if ((uint16_t)(used_idx - vq->last_used) > vq->size) {
        vq_mark_broken(vq, "used index moved past the ring");
        return -EIO;
    }
    /* Read the element only after seeing the index (2.6.14). */
    rmb();
    struct vring_used_elem e = vq->used->ring[vq->last_used % vq->size];
    if (e.id >= vq->size) {
        vq_mark_broken(vq, "used id out of range");
        return -EIO;
    }
    if (!vq->tokens[e.id]) {
        vq_mark_broken(vq, "completion for a request not in flight");
        return -EIO;
    }
    if (e.len > vq->writable_len[e.id]) {
        /* Linux (virtqueue_get_buf) only warns: legacy devices are known
         * to count the header too. The length is never used to index
         * memory, so clamping is safe. */
        if (!vq->warned_used_len)
            printk("virtio: queue %u: used length %u larger than the %u writable bytes; "
                   "taken as %u (warned once)\n", vq->index, e.len, vq->writable_len[e.id],
                   vq->writable_len[e.id]);
        vq->warned_used_len = 1;
        e.len = vq->writable_len[e.id];
    }
    vq->last_used++;
    *token = vq->tokens[e.id];
    *len = e.len;
    free_chain(vq, (uint16_t)e.id);
    return 1;
}
