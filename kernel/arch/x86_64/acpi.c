#include "arch/x86_64/acpi.h"
#include "arch/x86_64/io.h"
#include "core/printk.h"
#include "core/time.h"
#include "lib/errno.h"
#include "lib/string.h"
#include <stdint.h>

struct acpi_sdt_header {
    char signature[4];
    uint32_t length;
    uint8_t revision, checksum;
    char oem_id[6], oem_table_id[8];
    uint32_t oem_revision, creator_id, creator_revision;
} __attribute__((packed));

struct acpi_rsdp {
    char signature[8];            /* "RSD PTR " */
    uint8_t checksum;
    char oem_id[6];
    uint8_t revision;
    uint32_t rsdt_address;
    uint32_t length;              /* revision >= 2 */
    uint64_t xsdt_address;
} __attribute__((packed));

/* Field offsets in the FADT (ACPI 6.x, table 5.9). */
#define FADT_DSDT          40
#define FADT_SMI_CMD       48
#define FADT_ACPI_ENABLE   52
#define FADT_PM1A_CNT_BLK  64
#define FADT_PM1B_CNT_BLK  68

#define FADT_PM_TMR_BLK    76
#define FADT_PM_TMR_LEN    91
#define FADT_FLAGS         112
#define FADT_TMR_VAL_EXT   (1u << 8)      /* the PM timer is 32 bits wide, not 24 */

/* Field offsets in the HPET table. */
#define HPET_BASE_SPACE    40             /* Generic Address Structure: 0 = memory */
#define HPET_BASE_ADDRESS  44
#define HPET_TABLE_LEN     56

#define PM1_SCI_EN   (1u << 0)
#define PM1_SLP_EN   (1u << 13)
#define SLP_TYP_SHIFT 10

static struct {
    int ready;
    uint16_t pm1a_cnt, pm1b_cnt, smi_cmd;
    uint8_t acpi_enable;
    uint8_t slp_typ_a, slp_typ_b;
} acpi;

static struct acpi_timers acpi_timer_info;

const struct acpi_timers *acpi_timers(void)
{
    return &acpi_timer_info;
}

static int checksum_ok(const void *p, uint32_t len)
{
    uint8_t sum = 0;
    for (uint32_t i = 0; i < len; i++)
        sum += ((const uint8_t *)p)[i];
    return sum == 0;
}

static const struct acpi_rsdp *scan_rsdp(uintptr_t start, uintptr_t end)
{
    for (uintptr_t p = start; p + sizeof(struct acpi_rsdp) <= end; p += 16) {
        const struct acpi_rsdp *r = (const struct acpi_rsdp *)p;
        if (memcmp(r->signature, "RSD PTR ", 8) == 0 && checksum_ok(r, 20))
            return r;
    }
    return 0;
}

static const struct acpi_sdt_header *valid_table(uint64_t addr)
{
    /* Tables live in RAM below 4 GiB on the machines we boot on, which the
     * boot page tables map. */
    if (!addr || addr >= (4ULL << 30))
        return 0;
    const struct acpi_sdt_header *h = (const struct acpi_sdt_header *)(uintptr_t)addr;
    if (h->length < sizeof(*h) || h->length > (1u << 24) || !checksum_ok(h, h->length))
        return 0;
    return h;
}

/* The first valid table with this signature listed by the RSDT or XSDT. */
static const struct acpi_sdt_header *find_table(const struct acpi_rsdp *rsdp, const char sig[4])
{
    int wide = rsdp->revision >= 2 && rsdp->xsdt_address;
    const struct acpi_sdt_header *root = valid_table(wide ? rsdp->xsdt_address : rsdp->rsdt_address);
    if (!root)
        return 0;
    uint32_t entry = wide ? 8 : 4;
    uint32_t count = (root->length - sizeof(*root)) / entry;
    const uint8_t *entries = (const uint8_t *)(root + 1);
    for (uint32_t i = 0; i < count; i++) {
        uint64_t addr = 0;
        memcpy(&addr, entries + i * entry, entry);
        const struct acpi_sdt_header *t = valid_table(addr);
        if (t && memcmp(t->signature, sig, 4) == 0)
            return t;
    }
    return 0;
}

/* The PM timer's port and width from the FADT (ACPI 6.x, 4.8.3.3), and the
 * HPET's registers from the HPET table (IA-PC HPET spec 1.0a, 3.2.4). */
static void parse_timers(const struct acpi_rsdp *rsdp, const struct acpi_sdt_header *fadt)
{
    const uint8_t *f = (const uint8_t *)fadt;
    if (fadt->length >= FADT_FLAGS + 4 && f[FADT_PM_TMR_LEN] == 4) {
        uint32_t port, flags;
        memcpy(&port, f + FADT_PM_TMR_BLK, 4);
        memcpy(&flags, f + FADT_FLAGS, 4);
        if (port && port <= 0xFFFF) {
            acpi_timer_info.pm_timer_port = (uint16_t)port;
            acpi_timer_info.pm_timer_bits = (flags & FADT_TMR_VAL_EXT) ? 32 : 24;
        }
    }
    const struct acpi_sdt_header *hpet = find_table(rsdp, "HPET");
    if (hpet && hpet->length >= HPET_TABLE_LEN) {
        const uint8_t *h = (const uint8_t *)hpet;
        uint64_t base;
        memcpy(&base, h + HPET_BASE_ADDRESS, 8);
        /* Only a memory-mapped block below 4 GiB, which the boot page
         * tables map (write-back in the page tables; on real hardware the
         * firmware's MTRRs make that range uncached). */
        if (h[HPET_BASE_SPACE] == 0 && base && base < (4ULL << 30) && !(base & 7))
            acpi_timer_info.hpet_base = base;
    }
}

/* Reads one AML integer constant at p (ZeroOp, OneOp, BytePrefix n). */
static int aml_byte_const(const uint8_t *p, const uint8_t *end, uint8_t *out)
{
    if (p >= end)
        return -1;
    if (*p == 0x0A && p + 1 < end) {
        *out = p[1];
        return 2;
    }
    if (*p <= 1) {
        *out = *p;
        return 1;
    }
    return -1;
}

/* Finds Name(_S5_, Package() { SLP_TYPa, SLP_TYPb, ... }) in the DSDT. */
static int parse_s5(const struct acpi_sdt_header *dsdt)
{
    const uint8_t *aml = (const uint8_t *)(dsdt + 1);
    const uint8_t *end = (const uint8_t *)dsdt + dsdt->length;
    for (const uint8_t *p = aml; p + 8 < end; p++) {
        if (memcmp(p, "_S5_", 4) != 0 || p[4] != 0x12)   /* 0x12: PackageOp */
            continue;
        const uint8_t *q = p + 5;
        q += 1 + (*q >> 6);                             /* PkgLength: lead byte + extra bytes */
        q += 1;                                         /* NumElements */
        int n = aml_byte_const(q, end, &acpi.slp_typ_a);
        if (n < 0)
            return -EINVAL;
        if (aml_byte_const(q + n, end, &acpi.slp_typ_b) < 0)
            acpi.slp_typ_b = acpi.slp_typ_a;
        return 0;
    }
    return -ENOENT;
}

int acpi_init(void)
{
    uintptr_t ebda = (uintptr_t)(*(volatile uint16_t *)0x40E) << 4;
    const struct acpi_rsdp *rsdp = ebda ? scan_rsdp(ebda, ebda + 1024) : 0;
    if (!rsdp)
        rsdp = scan_rsdp(0xE0000, 0x100000);
    if (!rsdp) {
        printk("acpi: no RSDP found\n");
        return -ENODEV;
    }
    const struct acpi_sdt_header *fadt = find_table(rsdp, "FACP");
    if (!fadt || fadt->length < FADT_PM1B_CNT_BLK + 4) {
        printk("acpi: no valid FADT\n");
        return -ENODEV;
    }
    parse_timers(rsdp, fadt);
    const uint8_t *f = (const uint8_t *)fadt;
    uint32_t dsdt_addr, pm1a, pm1b, smi;
    memcpy(&dsdt_addr, f + FADT_DSDT, 4);
    memcpy(&smi, f + FADT_SMI_CMD, 4);
    memcpy(&pm1a, f + FADT_PM1A_CNT_BLK, 4);
    memcpy(&pm1b, f + FADT_PM1B_CNT_BLK, 4);
    acpi.acpi_enable = f[FADT_ACPI_ENABLE];
    acpi.smi_cmd = (uint16_t)smi;
    acpi.pm1a_cnt = (uint16_t)pm1a;
    acpi.pm1b_cnt = (uint16_t)pm1b;

    const struct acpi_sdt_header *dsdt = valid_table(dsdt_addr);
    int rc = dsdt ? parse_s5(dsdt) : -ENODEV;
    if (rc < 0 || !acpi.pm1a_cnt) {
        printk("acpi: no \\_S5 sleep state (%s)\n", error_name(rc));
        return rc < 0 ? rc : -ENODEV;
    }
    acpi.ready = 1;
    return 0;
}

int acpi_poweroff(void)
{
    if (!acpi.ready)
        return -ENODEV;
    /* Hand SCI to the OS first if firmware still owns it (ACPI 6.x, 4.8.2.1). */
    if (!(inw(acpi.pm1a_cnt) & PM1_SCI_EN) && acpi.smi_cmd && acpi.acpi_enable) {
        outb(acpi.smi_cmd, acpi.acpi_enable);
        for (int i = 0; i < 300 && !(inw(acpi.pm1a_cnt) & PM1_SCI_EN); i++)
            udelay(1000);
    }
    outw(acpi.pm1a_cnt, (uint16_t)((acpi.slp_typ_a << SLP_TYP_SHIFT) | PM1_SLP_EN));
    if (acpi.pm1b_cnt)
        outw(acpi.pm1b_cnt, (uint16_t)((acpi.slp_typ_b << SLP_TYP_SHIFT) | PM1_SLP_EN));
    udelay(100000);
    return -EIO;   /* still running: S5 did not take */
}

void machine_reboot(void)
{
    /* Pulse the CPU reset line through the 8042 keyboard controller. */
    for (int i = 0; i < 100000 && (inb(0x64) & 0x02); i++)
        cpu_relax();
    outb(0x64, 0xFE);
    udelay(100000);
    /* Still here: an empty IDT turns the next interrupt into a triple fault. */
    struct { uint16_t limit; uint64_t base; } __attribute__((packed)) null_idt = { 0, 0 };
    __asm__ volatile("lidt %0; int3" ::"m"(null_idt));
    for (;;)
        __asm__ volatile("cli; hlt");
}
