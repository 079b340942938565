/* A simulated legacy virtio-blk device for host tests of
 * drivers/virtio/virtio_blk.c. It replaces the port-I/O transport
 * (virtio_pci_legacy.c), the PCI scan, the clock and the heap, and keeps
 * what the driver logs (printk: host_printk_shim.c):
 *
 * - the device reads the available ring and writes the used ring when the
 *   driver notifies it, completing the chains newest first (out of order),
 *   against a RAM disk;
 * - it records what it saw (descriptors per chain, segment sizes, chains in
 *   flight) so tests can check the driver's request planning;
 * - it can misbehave: hold data requests (a slow or hung backend), ignore
 *   everything (a hung device), refuse to reset, inject an I/O error at a
 *   sector, report used lengths larger than the buffers.
 *
 * The ring's page frame number is 32 bits, so DMA memory comes from an arena
 * mapped at a fixed low address (below the sanitizer's shadow). */
#define _GNU_SOURCE
#include "sim_virtio_blk.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include "core/dma.h"
#include "core/heap.h"
#include "core/printk.h"
#include "core/time.h"
#include "drivers/virtio/virtio_pci_legacy.h"
#include "drivers/virtio/virtqueue.h"
#include "host_printk_shim.h"

struct sim_device sim;

/* --- log capture (printk) --------------------------------------------- */
char sim_log[1 << 16];
size_t sim_log_len;

/* Every printk of the driver lands here too (host_printk_shim.c). */
void host_printk_tap(const char *text, size_t len)
{
    if (sim_log_len + len < sizeof(sim_log)) {
        memcpy(sim_log + sim_log_len, text, len);
        sim_log_len += len;
        sim_log[sim_log_len] = 0;
    }
}

void sim_log_clear(void)
{
    sim_log_len = 0;
    sim_log[0] = 0;
}

int sim_log_count(const char *needle)
{
    int n = 0;
    for (const char *p = sim_log; (p = strstr(p, needle)); p++)
        n++;
    return n;
}

/* --- heap and DMA arena ---------------------------------------------- */
void *kmalloc(size_t size) { return malloc(size ? size : 1); }
void *kcalloc(size_t count, size_t size) { return calloc(count ? count : 1, size ? size : 1); }
void *kmalloc_aligned(size_t size, size_t align)
{
    void *p = NULL;
    size = (size + align - 1) & ~(align - 1);
    return posix_memalign(&p, align < sizeof(void *) ? sizeof(void *) : align, size ? size : align) == 0 ? p : NULL;
}
void kfree(void *ptr) { free(ptr); }

#define ARENA_BASE ((uintptr_t)0x40000000)
#define ARENA_SIZE ((size_t)64 << 20)
static uint8_t *arena;
static size_t arena_used;

void *dma_alloc(size_t size)
{
    if (!arena) {
        arena = mmap((void *)ARENA_BASE, ARENA_SIZE, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
        if (arena == MAP_FAILED) {
            perror("sim: mmap of the DMA arena");
            exit(2);
        }
    }
    size = (size + 4095) & ~(size_t)4095;
    if (arena_used + size > ARENA_SIZE)
        return NULL;
    void *p = arena + arena_used;
    arena_used += size;
    memset(p, 0, size);
    return p;
}
void dma_free(void *ptr) { (void)ptr; }   /* the arena is never reused: stale rings stay readable */

/* --- clock: every reading advances it, so timeouts come quickly ----- */
static uint64_t now_us;
uint64_t time_us(void) { return now_us += 50; }
uint64_t time_tsc_hz(void) { return 1000000000ULL; }
uint64_t time_tsc_to_us(uint64_t d) { return d / 1000; }
void udelay(uint64_t us) { now_us += us; }
uint64_t sim_now_us(void) { return now_us; }

/* --- PCI: one transitional virtio-blk function ------------------------ */
static const struct pci_device sim_pci = { 0, 4, 0, 0x1AF4, 0x1001, 1, 0, 0, 0, 0, 2 };
int pci_device_count(void) { return 1; }
const struct pci_device *pci_get(int index) { return index == 0 ? &sim_pci : NULL; }

/* --- the device --------------------------------------------------------- */
void sim_setup(uint64_t capacity_bytes, uint16_t qsize)
{
    free(sim.disk);
    memset(&sim, 0, sizeof(sim));
    sim.disk_bytes = capacity_bytes;
    sim.disk = calloc(1, capacity_bytes ? capacity_bytes : 1);
    for (uint64_t i = 0; i < capacity_bytes; i++)
        sim.disk[i] = (uint8_t)(i * 7 + (i >> 9));
    sim.qsize = qsize;
    sim.blk_size = 512;
    sim.error_sector = ~0ULL;
    sim.offered = (1u << 1) | (1u << 2) | (1u << 6) | (1u << 9);   /* SIZE_MAX SEG_MAX BLK_SIZE FLUSH */
}

uint8_t sim_expected(uint64_t i) { return (uint8_t)(i * 7 + (i >> 9)); }

int vp_legacy_open(struct virtio_legacy_dev *vd, const struct pci_device *pci)
{
    vd->iobase = 0xc000;
    vd->pci = pci;
    return 0;
}

static void device_reset(void)
{
    sim.resets++;
    sim.status = 0;
    sim.pfn = 0;
    sim.avail_seen = 0;
    sim.used_idx = 0;
    if (sim.unstall_after_resets && sim.resets >= sim.unstall_after_resets) {
        sim.hold_data = 0;
        sim.unstall_done = 1;
    }
}

int vp_reset(struct virtio_legacy_dev *vd)
{
    (void)vd;
    if (sim.reset_fails)
        return -110;   /* ETIMEDOUT: status never reads back 0 */
    device_reset();
    return 0;
}

uint8_t vp_get_status(struct virtio_legacy_dev *vd) { (void)vd; return sim.status; }
void vp_add_status(struct virtio_legacy_dev *vd, uint8_t bits) { (void)vd; sim.status |= bits; }
uint32_t vp_get_features(struct virtio_legacy_dev *vd) { (void)vd; return sim.offered; }
void vp_set_features(struct virtio_legacy_dev *vd, uint32_t f) { (void)vd; sim.accepted = f; }
uint16_t vp_queue_size(struct virtio_legacy_dev *vd, uint16_t index)
{
    (void)vd;
    return index == 0 ? sim.qsize : 0;
}
void vp_queue_set_pfn(struct virtio_legacy_dev *vd, uint16_t index, uint32_t pfn)
{
    (void)vd;
    if (index == 0)
        sim.pfn = pfn;
}

uint8_t vp_config8(struct virtio_legacy_dev *vd, unsigned off) { (void)vd; (void)off; return 0; }
uint32_t vp_config32(struct virtio_legacy_dev *vd, unsigned off)
{
    (void)vd;
    switch (off) {
    case 12: return sim.seg_max;
    case 8:  return sim.size_max;
    case 20: return sim.blk_size;
    default: return 0;
    }
}
uint64_t vp_config64(struct virtio_legacy_dev *vd, unsigned off)
{
    (void)vd;
    return off == 0 ? sim.disk_bytes / 512 : 0;
}

/* The legacy layout, as the device computes it from the queue size. */
static struct vring_desc *ring_desc(void) { return (struct vring_desc *)((uintptr_t)sim.pfn << 12); }
static struct vring_avail *ring_avail(void) { return (struct vring_avail *)((uint8_t *)ring_desc() + 16u * sim.qsize); }
static struct vring_used *ring_used(void)
{
    uintptr_t off = (16u * sim.qsize + 6u + 2u * sim.qsize + 4095) & ~(uintptr_t)4095;
    return (struct vring_used *)((uint8_t *)ring_desc() + off);
}

struct blk_header {
    uint32_t type, reserved;
    uint64_t sector;
};

/* Executes one chain; returns the bytes written into device-writable
 * buffers (the used length), or -1 to hold it (not completed now). */
static long execute(uint16_t head)
{
    struct vring_desc *desc = ring_desc();
    uint16_t d = head;
    int count = 0, data_descs = 0;
    struct vring_desc *chain[VQ_MAX_IN_USE + 2];
    for (;;) {
        if (count == VQ_MAX_IN_USE + 2) {
            sim.protocol_errors++;
            return 0;
        }
        chain[count++] = &desc[d];
        if (!(desc[d].flags & VRING_DESC_F_NEXT))
            break;
        d = desc[d].next;
    }
    if (count < 2 || chain[0]->len != 16 || (chain[0]->flags & VRING_DESC_F_WRITE) ||
        chain[count - 1]->len != 1 || !(chain[count - 1]->flags & VRING_DESC_F_WRITE)) {
        sim.protocol_errors++;
        return 0;
    }
    struct blk_header *h = (struct blk_header *)(uintptr_t)chain[0]->addr;
    uint8_t *status = (uint8_t *)(uintptr_t)chain[count - 1]->addr;
    if (sim.hold_after_chains && sim.chains >= sim.hold_after_chains && !sim.unstall_done)
        sim.hold_data = 1;
    if (h->type != 8 && (sim.hold_data || sim.deaf))
        return -1;
    if (h->type == 8 && sim.deaf)
        return -1;
    data_descs = count - 2;
    if (count > sim.max_chain_descs)
        sim.max_chain_descs = count;
    if (data_descs > sim.max_data_descs)
        sim.max_data_descs = data_descs;
    uint64_t off = h->sector * 512, total = 0;
    long written = 1;
    for (int i = 1; i < count - 1; i++) {
        struct vring_desc *x = chain[i];
        if (x->len > sim.max_seg_len)
            sim.max_seg_len = x->len;
        int dev_writes = (x->flags & VRING_DESC_F_WRITE) != 0;
        uint8_t *p = (uint8_t *)(uintptr_t)x->addr;
        if (h->type == 0 && dev_writes && off + total + x->len <= sim.disk_bytes) {
            memcpy(p, sim.disk + off + total, x->len);
            written += x->len;
        } else if (h->type == 1 && !dev_writes && off + total + x->len <= sim.disk_bytes) {
            memcpy(sim.disk + off + total, p, x->len);
        } else if (h->type == 8 && dev_writes) {
            memcpy(p, "sim-virtio-blk-serial", x->len < 20 ? x->len : 20);
            written += x->len;
        } else if (h->type == 0 || h->type == 1) {
            sim.protocol_errors++;      /* wrong direction or past the end */
        }
        total += x->len;
    }
    uint64_t first = h->sector, last = h->sector + (total ? (total - 1) / 512 : 0);
    *status = 0;
    if ((h->type == 0 || h->type == 1) && sim.error_sector >= first && sim.error_sector <= last && total)
        *status = 1;                    /* VIRTIO_BLK_S_IOERR */
    switch (h->type) {
    case 0: sim.reads++; sim.bytes_read += total; break;
    case 1: sim.writes++; sim.bytes_written += total; break;
    case 4: sim.flushes++; break;
    case 8: sim.get_ids++; break;
    }
    sim.chains++;
    return written + sim.extra_used_len;
}

/* On a notify: the device sees every new chain, then completes what it
 * can, newest first. Held chains stay in the avail ring (not consumed). */
void vp_queue_notify(struct virtio_legacy_dev *vd, uint16_t index)
{
    (void)vd;
    sim.notifies++;
    if (index != 0 || !(sim.status & VIRTIO_STATUS_DRIVER_OK) || !sim.pfn)
        return;
    struct vring_avail *avail = ring_avail();
    struct vring_used *used = ring_used();
    uint16_t published = avail->idx;
    uint16_t in_flight = (uint16_t)(published - sim.used_idx);
    if (in_flight > sim.max_in_flight)
        sim.max_in_flight = in_flight;
    uint16_t heads[1024];
    long lens[1024];
    int n = 0;
    while (sim.avail_seen != published && n < 1024) {
        uint16_t head = avail->ring[sim.avail_seen % sim.qsize];
        long len = execute(head);
        if (len < 0)
            break;                      /* held: this and every later chain wait */
        heads[n] = head;
        lens[n++] = len;
        sim.avail_seen++;
    }
    for (int i = n - 1; i >= 0; i--) {
        used->ring[sim.used_idx % sim.qsize].id = heads[i];
        used->ring[sim.used_idx % sim.qsize].len = (uint32_t)lens[i];
        sim.used_idx++;
        __atomic_thread_fence(__ATOMIC_RELEASE);
        used->idx = sim.used_idx;
    }
}
