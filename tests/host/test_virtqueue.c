/* Host tests: drivers/virtio/virtqueue.c against a simulated device that
 * reads the available ring and writes the used ring, including one that
 * breaks the protocol. */
#include <stdint.h>
#include <string.h>
#include "check.h"
#include "drivers/virtio/virtqueue.h"
#include "lib/errno.h"

static int notifies;
static void count_notify(struct virtqueue *vq) { (void)vq; notifies++; }

/* The device side: takes every new avail entry; returns their heads. */
static uint16_t device_avail_seen;
static int device_take(struct virtqueue *vq, uint16_t *heads, int max)
{
    int n = 0;
    while (device_avail_seen != vq->avail->idx && n < max)
        heads[n++] = vq->avail->ring[device_avail_seen++ % vq->size];
    return n;
}

static void device_complete(struct virtqueue *vq, uint32_t id, uint32_t len)
{
    volatile struct vring_used *u = vq->used;
    u->ring[u->idx % vq->size].id = id;
    u->ring[u->idx % vq->size].len = len;
    u->idx++;
}

static int token_a, token_b, token_c;

static struct virtqueue *fresh(uint16_t size)
{
    static struct virtqueue vq;
    static int initialised;
    if (initialised)
        vq_free(&vq);
    initialised = 1;
    device_avail_seen = 0;
    CHECK_EQ_INT(vq_init(&vq, 0, size, count_notify, NULL), 0);
    return &vq;
}

static void test_layout(void)
{
    /* Legacy layout: used ring at the next 4096 boundary after avail. */
    for (uint32_t size = 1; size <= 32768; size <<= 1) {
        struct virtqueue *vq = fresh((uint16_t)size);
        uintptr_t base = (uintptr_t)vq->ring_mem;
        CHECK((uintptr_t)vq->avail == base + 16 * size);
        CHECK(((uintptr_t)vq->used - base) % 4096 == 0);
        CHECK((uintptr_t)vq->used >= (uintptr_t)vq->avail + 6 + 2 * size);
        CHECK_EQ_INT(vq->budget, size < 64 ? size : 64);
    }
    static struct virtqueue bad;
    CHECK_EQ_INT(vq_init(&bad, 0, 48, count_notify, NULL), -EINVAL);
    CHECK_EQ_INT(vq_init(&bad, 0, 0, count_notify, NULL), -EINVAL);
}

static void test_round_trip(void)
{
    struct virtqueue *vq = fresh(256);
    struct vq_buffer bufs[3] = { { 0x1000, 16, 0 }, { 0x2000, 4096, 1 }, { 0x3000, 1, 1 } };
    notifies = 0;
    CHECK_EQ_INT(vq_add(vq, bufs, 3, &token_a), 0);
    CHECK_EQ_INT(vq_add(vq, bufs, 3, &token_b), 0);
    CHECK_EQ_INT(notifies, 0);                 /* nothing published before the kick */
    CHECK_EQ_INT(vq->avail->idx, 0);
    vq_kick(vq);
    CHECK_EQ_INT(notifies, 1);                 /* one notify for the batch */
    CHECK_EQ_INT(vq->avail->idx, 2);
    uint16_t heads[8];
    CHECK_EQ_INT(device_take(vq, heads, 8), 2);
    /* The chain is linked with NEXT and marks device-writable buffers. */
    struct vring_desc *d0 = &vq->desc[heads[0]];
    CHECK(d0->flags == VRING_DESC_F_NEXT && d0->len == 16);
    struct vring_desc *d1 = &vq->desc[d0->next];
    CHECK(d1->flags == (VRING_DESC_F_NEXT | VRING_DESC_F_WRITE) && d1->addr == 0x2000);
    CHECK(vq->desc[d1->next].flags == VRING_DESC_F_WRITE);
    void *tok;
    uint32_t len;
    CHECK_EQ_INT(vq_get_used(vq, &tok, &len), 0);
    device_complete(vq, heads[1], 4097);       /* completions may come out of order */
    CHECK_EQ_INT(vq_get_used(vq, &tok, &len), 1);
    CHECK(tok == &token_b && len == 4097);
    device_complete(vq, heads[0], 1);
    CHECK_EQ_INT(vq_get_used(vq, &tok, &len), 1);
    CHECK(tok == &token_a);
    CHECK_EQ_INT(vq_free_count(vq), 64);
    vq->used->flags = VRING_USED_F_NO_NOTIFY;  /* device asks for no notifications */
    CHECK_EQ_INT(vq_add(vq, bufs, 3, &token_c), 0);
    vq_kick(vq);
    CHECK_EQ_INT(notifies, 1);
}

static void test_budget(void)
{
    struct virtqueue *vq = fresh(256);
    struct vq_buffer bufs[2] = { { 0x1000, 16, 0 }, { 0x3000, 1, 1 } };
    int added = 0;
    while (vq_add(vq, bufs, 2, &token_a) == 0)
        added++;
    CHECK_EQ_INT(added, 32);                    /* 64 descriptors, 2 per chain */
    CHECK_EQ_INT(vq_add(vq, bufs, 2, &token_a), -ENOSPC);
    vq_kick(vq);
    /* Recycle through the free list many times around the ring. */
    uint16_t heads[64];
    int ok = 1;
    for (int round = 0; round < 300; round++) {
        int n = device_take(vq, heads, 64);
        for (int i = 0; i < n; i++)
            device_complete(vq, heads[i], 1);
        void *tok;
        uint32_t len;
        while (vq_get_used(vq, &tok, &len) == 1)
            ;
        for (int i = 0; i < n; i++)
            ok &= vq_add(vq, bufs, 2, &token_a) == 0;
        vq_kick(vq);
    }
    CHECK(ok);
    CHECK_EQ_INT(vq->broken, 0);
    CHECK_EQ_INT(vq_add(vq, bufs, 0, &token_a), -EINVAL);
    CHECK_EQ_INT(vq_add(vq, bufs, 2, NULL), -EINVAL);
}

/* More than 65,536 chains through one queue: avail->idx and used->idx wrap
 * around 16 bits, with completions out of order and chains of several
 * lengths, on the smallest and largest queues. */
static void test_index_wrap(void)
{
    static const uint16_t sizes[] = { 4, 256, 32768 };
    static int tokens[64];
    for (int s = 0; s < 3; s++) {
        struct virtqueue *vq = fresh(sizes[s]);
        struct vq_buffer bufs[3] = { { 0x1000, 16, 0 }, { 0x2000, 512, 1 }, { 0x3000, 1, 1 } };
        long completed = 0, wrong = 0;
        int in_flight = 0, next_token = 0;
        uint16_t heads[64];
        while (completed < 70000) {
            int chain = 2 + (int)(completed % 2);          /* 2 or 3 descriptors */
            struct vq_buffer c[3] = { bufs[0], bufs[1], bufs[2] };
            if (chain == 2)
                c[1] = bufs[2];
            while (vq_add(vq, c, chain, &tokens[next_token % 64]) == 0) {
                next_token++;
                in_flight++;
            }
            vq_kick(vq);
            int n = device_take(vq, heads, 64);
            for (int i = n - 1; i >= 0; i--)               /* newest first */
                device_complete(vq, heads[i], 1);
            void *tok;
            uint32_t len;
            int rc;
            while ((rc = vq_get_used(vq, &tok, &len)) == 1) {
                if (tok < (void *)&tokens[0] || tok > (void *)&tokens[63])
                    wrong++;
                completed++;
                in_flight--;
            }
            if (rc < 0 || n == 0)
                break;
        }
        CHECK(completed >= 70000);
        CHECK_EQ_INT(wrong, 0);
        CHECK_EQ_INT(vq->broken, 0);
        CHECK_EQ_INT(in_flight, 0);
        CHECK(vq->used->idx == (uint16_t)completed);       /* wrapped at least once */
        CHECK(vq->avail_shadow == (uint16_t)next_token);
        CHECK_EQ_INT(vq_free_count(vq), vq->budget);
    }
}

/* A used length larger than the writable buffers is clamped with one
 * warning (as Linux does; legacy devices misreport it), never fatal. */
static void test_used_len_too_large(void)
{
    struct virtqueue *vq = fresh(16);
    struct vq_buffer bufs[3] = { { 0x1000, 16, 0 }, { 0x2000, 512, 1 }, { 0x3000, 1, 1 } };
    uint16_t heads[4];
    void *tok;
    uint32_t len;
    for (int i = 0; i < 3; i++) {
        CHECK_EQ_INT(vq_add(vq, bufs, 3, &token_a), 0);
        vq_kick(vq);
        CHECK_EQ_INT(device_take(vq, heads, 4), 1);
        device_complete(vq, heads[0], 513 + 16);
        CHECK_EQ_INT(vq_get_used(vq, &tok, &len), 1);
        CHECK(tok == &token_a);
        CHECK_EQ_INT(len, 513);
    }
    CHECK_EQ_INT(vq->broken, 0);
    CHECK_EQ_INT(vq->warned_used_len, 1);
}

/* A reset queue starts again from index 0 with every descriptor free. */
static void test_reset(void)
{
    struct virtqueue *vq = fresh(16);
    struct vq_buffer bufs[2] = { { 0x1000, 16, 0 }, { 0x3000, 1, 1 } };
    uint16_t heads[8];
    for (int i = 0; i < 5; i++)
        CHECK_EQ_INT(vq_add(vq, bufs, 2, &token_a), 0);
    vq_kick(vq);
    device_take(vq, heads, 8);
    vq_mark_broken(vq, NULL);
    vq_reset(vq);
    device_avail_seen = 0;
    CHECK_EQ_INT(vq->broken, 0);
    CHECK_EQ_INT(vq_free_count(vq), 16);
    CHECK_EQ_INT(vq->avail->idx, 0);
    CHECK_EQ_INT(vq->used->idx, 0);
    CHECK_EQ_INT(vq->avail->flags, VRING_AVAIL_F_NO_INTERRUPT);
    CHECK_EQ_INT(vq_add(vq, bufs, 2, &token_b), 0);
    vq_kick(vq);
    CHECK_EQ_INT(device_take(vq, heads, 8), 1);
    device_complete(vq, heads[0], 1);
    void *tok;
    uint32_t len;
    CHECK_EQ_INT(vq_get_used(vq, &tok, &len), 1);
    CHECK(tok == &token_b);
}

/* Each protocol violation breaks the queue for good. */
static void test_broken(void)
{
    struct vq_buffer bufs[2] = { { 0x1000, 16, 0 }, { 0x3000, 1, 1 } };
    void *tok;
    uint32_t len;
    uint16_t heads[4];
    const char *cases[] = { "id out of range", "not in flight", "index jump" };
    for (int c = 0; c < 3; c++) {
        struct virtqueue *vq = fresh(16);
        CHECK_EQ_INT(vq_add(vq, bufs, 2, &token_a), 0);
        vq_kick(vq);
        device_take(vq, heads, 4);
        switch (c) {
        case 0: device_complete(vq, 16, 1); break;
        case 1: device_complete(vq, (uint16_t)(heads[0] + 5), 1); break;
        case 2: vq->used->idx = 40; break;
        }
        int rc = vq_get_used(vq, &tok, &len);
        if (rc != -EIO)
            fprintf(stderr, "case %s\n", cases[c]);
        CHECK_EQ_INT(rc, -EIO);
        CHECK_EQ_INT(vq->broken, 1);
        device_complete(vq, heads[0], 1);      /* even a valid completion later is refused */
        CHECK_EQ_INT(vq_get_used(vq, &tok, &len), -EIO);
        CHECK_EQ_INT(vq_add(vq, bufs, 2, &token_b), -EIO);
    }
}

int main(void)
{
    test_layout();
    test_round_trip();
    test_budget();
    test_index_wrap();
    test_used_len_too_large();
    test_reset();
    test_broken();
    return check_summary("test_virtqueue");
}
