#include "drivers/virtio/virtio_pci_legacy.h"
#include "arch/x86_64/io.h"
#include "lib/errno.h"

/* Register offsets in the legacy I/O BAR. */
#define VP_DEVICE_FEATURES 0x00
#define VP_DRIVER_FEATURES 0x04
#define VP_QUEUE_PFN       0x08
#define VP_QUEUE_SIZE      0x0C
#define VP_QUEUE_SELECT    0x0E
#define VP_QUEUE_NOTIFY    0x10
#define VP_STATUS          0x12
#define VP_ISR             0x13
#define VP_CONFIG          0x14   /* device config when MSI-X is off (we never enable it) */

int vp_legacy_open(struct virtio_legacy_dev *vd, const struct pci_device *pci)
{
    uint32_t bar0 = pci_read32(pci->bus, pci->dev, pci->fn, PCI_BAR0);
    if (!(bar0 & 1) || (bar0 & ~3u) == 0)
        return -ENODEV;
    vd->iobase = (uint16_t)(bar0 & ~3u);
    vd->pci = pci;
    uint16_t cmd = pci_read16(pci->bus, pci->dev, pci->fn, PCI_COMMAND);
    pci_write16(pci->bus, pci->dev, pci->fn, PCI_COMMAND, cmd | PCI_COMMAND_IO | PCI_COMMAND_MASTER);
    return 0;
}

int vp_reset(struct virtio_legacy_dev *vd)
{
    outb(vd->iobase + VP_STATUS, 0);
    /* Reading status back flushes the write; the device is reset when it
     * reads 0 (virtio 1.x, 4.1.4.3.2). */
    int i = 0;
    while (inb(vd->iobase + VP_STATUS) != 0) {
        if (++i == 1000000)
            return -ETIMEDOUT;
        cpu_relax();
    }
    (void)inb(vd->iobase + VP_ISR);
    return 0;
}

uint8_t vp_get_status(struct virtio_legacy_dev *vd) { return inb(vd->iobase + VP_STATUS); }

void vp_add_status(struct virtio_legacy_dev *vd, uint8_t bits)
{
    outb(vd->iobase + VP_STATUS, inb(vd->iobase + VP_STATUS) | bits);
}

uint32_t vp_get_features(struct virtio_legacy_dev *vd) { return inl(vd->iobase + VP_DEVICE_FEATURES); }

void vp_set_features(struct virtio_legacy_dev *vd, uint32_t f) { outl(vd->iobase + VP_DRIVER_FEATURES, f); }

uint16_t vp_queue_size(struct virtio_legacy_dev *vd, uint16_t index)
{
    outw(vd->iobase + VP_QUEUE_SELECT, index);
    return inw(vd->iobase + VP_QUEUE_SIZE);
}

void vp_queue_set_pfn(struct virtio_legacy_dev *vd, uint16_t index, uint32_t pfn)
{
    outw(vd->iobase + VP_QUEUE_SELECT, index);
    outl(vd->iobase + VP_QUEUE_PFN, pfn);
}

void vp_queue_notify(struct virtio_legacy_dev *vd, uint16_t index)
{
    outw(vd->iobase + VP_QUEUE_NOTIFY, index);
}

uint8_t vp_config8(struct virtio_legacy_dev *vd, unsigned off) { return inb(vd->iobase + VP_CONFIG + off); }
uint32_t vp_config32(struct virtio_legacy_dev *vd, unsigned off) { return inl(vd->iobase + VP_CONFIG + off); }

uint64_t vp_config64(struct virtio_legacy_dev *vd, unsigned off)
{
    /* Two 32-bit halves can tear if the device changes the value between
     * them (virtio 1.x, 4.1.3.1): read until two passes agree. */
    uint32_t lo, hi, hi2;
    do {
        hi = vp_config32(vd, off + 4);
        lo = vp_config32(vd, off);
        hi2 = vp_config32(vd, off + 4);
    } while (hi != hi2);
    return ((uint64_t)hi << 32) | lo;
}
