/* The legacy (I/O port) virtio PCI transport, virtio 1.x section 4.1.4.8
 * "Legacy Interfaces: A Note on PCI Device Layout". */
#ifndef EMBODIOS_DRIVERS_VIRTIO_PCI_LEGACY_H
#define EMBODIOS_DRIVERS_VIRTIO_PCI_LEGACY_H

#include <stdint.h>
#include "drivers/pci/pci.h"

/* Device status bits (virtio 1.x, 2.1). */
#define VIRTIO_STATUS_ACKNOWLEDGE 1
#define VIRTIO_STATUS_DRIVER      2
#define VIRTIO_STATUS_DRIVER_OK   4
#define VIRTIO_STATUS_FAILED      128

#define VIRTIO_PCI_VENDOR 0x1AF4

struct virtio_legacy_dev {
    uint16_t iobase;
    const struct pci_device *pci;
};

/* Enables I/O decoding and bus mastering and reads BAR0. Returns 0, or
 * -ENODEV when BAR0 is not an I/O BAR (a modern-only device). */
int vp_legacy_open(struct virtio_legacy_dev *vd, const struct pci_device *pci);
/* Writes status 0 and waits for it to read back 0 (the device has reset).
 * Returns 0, or -ETIMEDOUT when it never does. */
int vp_reset(struct virtio_legacy_dev *vd);
uint8_t vp_get_status(struct virtio_legacy_dev *vd);
void vp_add_status(struct virtio_legacy_dev *vd, uint8_t bits);
uint32_t vp_get_features(struct virtio_legacy_dev *vd);
void vp_set_features(struct virtio_legacy_dev *vd, uint32_t features);
/* Selects queue `index`; returns its size (0: no such queue). */
uint16_t vp_queue_size(struct virtio_legacy_dev *vd, uint16_t index);
/* Gives the device the ring's page frame number (0 releases the queue). */
void vp_queue_set_pfn(struct virtio_legacy_dev *vd, uint16_t index, uint32_t pfn);
void vp_queue_notify(struct virtio_legacy_dev *vd, uint16_t index);
/* Device-specific configuration (after the common header, no MSI-X). */
uint8_t vp_config8(struct virtio_legacy_dev *vd, unsigned off);
uint32_t vp_config32(struct virtio_legacy_dev *vd, unsigned off);
uint64_t vp_config64(struct virtio_legacy_dev *vd, unsigned off);

#endif
