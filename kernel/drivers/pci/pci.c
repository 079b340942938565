#include "drivers/pci/pci.h"
#include "arch/x86_64/io.h"
#include "core/printk.h"
#include "lib/errno.h"

#define CONFIG_ADDRESS 0xCF8
#define CONFIG_DATA    0xCFC

static struct pci_device devices[PCI_MAX_DEVICES];
static int device_count;
static int buses_seen[256];

/* Configuration mechanism #1 (PCI Local Bus spec 3.0, 3.2.2.3.2): write
 * the enable bit, bus, device, function and dword-aligned register to
 * 0xCF8, then access the dword at 0xCFC. */
static void select_register(uint8_t bus, uint8_t dev, uint8_t fn, uint8_t off)
{
    outl(CONFIG_ADDRESS, 0x80000000u | ((uint32_t)bus << 16) | ((uint32_t)(dev & 31) << 11) |
                         ((uint32_t)(fn & 7) << 8) | (off & 0xFC));
}

uint32_t pci_read32(uint8_t bus, uint8_t dev, uint8_t fn, uint8_t off)
{
    select_register(bus, dev, fn, off);
    return inl(CONFIG_DATA);
}

uint16_t pci_read16(uint8_t bus, uint8_t dev, uint8_t fn, uint8_t off)
{
    select_register(bus, dev, fn, off);
    return inw(CONFIG_DATA + (off & 2));
}

uint8_t pci_read8(uint8_t bus, uint8_t dev, uint8_t fn, uint8_t off)
{
    select_register(bus, dev, fn, off);
    return inb(CONFIG_DATA + (off & 3));
}

void pci_write16(uint8_t bus, uint8_t dev, uint8_t fn, uint8_t off, uint16_t v)
{
    select_register(bus, dev, fn, off);
    outw(CONFIG_DATA + (off & 2), v);
}

const char *pci_class_name(uint8_t c)
{
    static const char *const names[] = {
        "unclassified", "mass storage", "network", "display", "multimedia", "memory",
        "bridge", "communication", "system peripheral", "input", "docking station",
        "processor", "serial bus", "wireless", "intelligent I/O", "satellite",
        "encryption", "signal processing",
    };
    return c < sizeof(names) / sizeof(names[0]) ? names[c] : "other";
}

void pci_print_device(const struct pci_device *d)
{
    printk("%02x:%02x.%x %04x:%04x class %02x.%02x.%02x (%s)", d->bus, d->dev, d->fn, d->vendor,
           d->device, d->class_code, d->subclass, d->prog_if, pci_class_name(d->class_code));
}

static void scan_bus(uint8_t bus);

static void add_function(uint8_t bus, uint8_t dev, uint8_t fn)
{
    uint32_t id = pci_read32(bus, dev, fn, PCI_VENDOR_ID);
    if ((id & 0xFFFF) == 0xFFFF)
        return;
    uint32_t cls = pci_read32(bus, dev, fn, PCI_CLASS_REVISION);
    struct pci_device d = {
        .bus = bus, .dev = dev, .fn = fn,
        .vendor = (uint16_t)id, .device = (uint16_t)(id >> 16),
        .class_code = (uint8_t)(cls >> 24), .subclass = (uint8_t)(cls >> 16),
        .prog_if = (uint8_t)(cls >> 8), .revision = (uint8_t)cls,
        .header_type = pci_read8(bus, dev, fn, PCI_HEADER_TYPE),
    };
    if ((d.header_type & 0x7F) == 0)
        d.subsystem_id = pci_read16(bus, dev, fn, PCI_SUBSYSTEM_ID);
    if (device_count < PCI_MAX_DEVICES) {
        devices[device_count++] = d;
        printk("  ");
        pci_print_device(&d);
        printk("\n");
    }
    /* A PCI-to-PCI bridge: its secondary bus holds more devices. */
    if (d.class_code == 0x06 && d.subclass == 0x04 && (d.header_type & 0x7F) == 1) {
        uint8_t secondary = pci_read8(bus, dev, fn, PCI_SECONDARY_BUS);
        if (secondary && !buses_seen[secondary])
            scan_bus(secondary);
    }
}

static void scan_bus(uint8_t bus)
{
    buses_seen[bus] = 1;
    for (uint8_t dev = 0; dev < 32; dev++) {
        if ((pci_read32(bus, dev, 0, PCI_VENDOR_ID) & 0xFFFF) == 0xFFFF)
            continue;
        add_function(bus, dev, 0);
        /* Bit 7 of the header type: functions 1-7 may exist too. */
        if (pci_read8(bus, dev, 0, PCI_HEADER_TYPE) & 0x80)
            for (uint8_t fn = 1; fn < 8; fn++)
                add_function(bus, dev, fn);
    }
}

void pci_init(void)
{
    printk("Scanning PCI bus...\n");
    scan_bus(0);
    /* A multi-function host bridge means several root buses (one per function). */
    if (pci_read8(0, 0, 0, PCI_HEADER_TYPE) & 0x80)
        for (uint8_t fn = 1; fn < 8; fn++)
            if ((pci_read32(0, 0, fn, PCI_VENDOR_ID) & 0xFFFF) != 0xFFFF && !buses_seen[fn])
                scan_bus(fn);
    if (device_count == PCI_MAX_DEVICES)
        printk("pci: more than %d functions; the rest are not listed\n", PCI_MAX_DEVICES);
}

int pci_device_count(void) { return device_count; }

const struct pci_device *pci_get(int index)
{
    return index >= 0 && index < device_count ? &devices[index] : 0;
}
