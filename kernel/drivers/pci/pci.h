/* PCI configuration space (mechanism #1) and a bus scan that records every
 * function, following multi-function devices and PCI-to-PCI bridges. */
#ifndef EMBODIOS_DRIVERS_PCI_H
#define EMBODIOS_DRIVERS_PCI_H

#include <stdint.h>

#define PCI_MAX_DEVICES 64

#define PCI_VENDOR_ID      0x00
#define PCI_DEVICE_ID      0x02
#define PCI_COMMAND        0x04
#define PCI_CLASS_REVISION 0x08
#define PCI_HEADER_TYPE    0x0E
#define PCI_BAR0           0x10
#define PCI_SECONDARY_BUS  0x19
#define PCI_SUBSYSTEM_ID   0x2E
#define PCI_CAPABILITIES   0x34

#define PCI_COMMAND_IO     0x1
#define PCI_COMMAND_MEMORY 0x2
#define PCI_COMMAND_MASTER 0x4

struct pci_device {
    uint8_t bus, dev, fn;
    uint16_t vendor, device;
    uint8_t class_code, subclass, prog_if, revision;
    uint8_t header_type;
    uint16_t subsystem_id;
};

uint32_t pci_read32(uint8_t bus, uint8_t dev, uint8_t fn, uint8_t off);
uint16_t pci_read16(uint8_t bus, uint8_t dev, uint8_t fn, uint8_t off);
uint8_t pci_read8(uint8_t bus, uint8_t dev, uint8_t fn, uint8_t off);
void pci_write16(uint8_t bus, uint8_t dev, uint8_t fn, uint8_t off, uint16_t v);

/* Scans the buses and prints "Scanning PCI bus..." and one line per device. */
void pci_init(void);
int pci_device_count(void);
const struct pci_device *pci_get(int index);
/* Human-readable class name, e.g. "mass storage". */
const char *pci_class_name(uint8_t class_code);
/* One line "bb:dd.f vvvv:dddd class cc.ss.pp (name)" without a newline. */
void pci_print_device(const struct pci_device *d);
/* Registers lspci (kernel/shell/cmd_pci.c). */
void pci_commands_register(void);

#endif
