/* EMBODIOS kernel entry: a plain list of init steps, then the shell. */
#include "arch/x86_64/acpi.h"
#include "arch/x86_64/fpu.h"
#include "arch/x86_64/gdt.h"
#include "arch/x86_64/idt.h"
#include "arch/x86_64/paging.h"
#include "arch/x86_64/serial.h"
#include "core/multiboot.h"
#include "core/panic.h"
#include "core/pmm.h"
#include "core/printk.h"
#include "core/time.h"
#include "drivers/pci/pci.h"
#include "drivers/virtio/virtio_blk.h"
#include "lib/errno.h"
#include "lib/units.h"
#include "shell/blk_common.h"
#include "shell/math_commands.h"
#include "shell/model_commands.h"
#include "shell/shell.h"

void kmain(uint32_t magic, const struct multiboot_info *mbi);

static void memory_init(uint32_t magic, const struct multiboot_info *mbi)
{
    if (pmm_init(magic, mbi, PAGING_BOOT_MAPPED) < 0)
        panic("no usable memory map from the boot loader");
    uint64_t ram_end = pmm_ram_end();
    int rc = paging_map_high(ram_end);
    if (rc < 0)
        printk("paging: RAM above 4 GiB not mapped (%s); using the first 4 GiB\n", error_name(rc));
    else
        pmm_extend_limit(ram_end);
    struct pmm_stats st;
    pmm_get_stats(&st);
    printk("Memory: %lu MB usable, %lu MB free (RAM ends at 0x%lx)\n",
           st.usable_bytes / MIB, st.free_bytes / MIB, ram_end);
}

/* After acpi_init: it reads the BIOS data area in page 0. */
static void protect_kernel(void)
{
    int rc = paging_protect_kernel();
    if (rc < 0)
        printk("paging: kernel not protected (%s)\n", error_name(rc));
    else
        printk("paging: page 0 and the stack guard unmapped, text read-only%s\n",
               rc ? ", data no-execute (NX)" : "; no NX on this CPU");
}

void kmain(uint32_t magic, const struct multiboot_info *mbi)
{
    serial_init();
    printk("\nEMBODIOS %s (x86_64) booting\n", EMBODIOS_VERSION);
    gdt_init();
    idt_init();
    fpu_init();                     /* before any code built with SSE (kernel/math/) runs */
    acpi_init();                    /* names the HPET and PM timer for time_init */
    time_init();
    memory_init(magic, mbi);
    protect_kernel();
    fpu_print_features();
    idt_enable_serial_irq();

    pci_init();
    virtio_init();

    sys_commands_register();
    pci_commands_register();
    blk_commands_register();
    model_commands_register();
    math_commands_register();
    shell_set_help_hook(model_disk_hint);   /* help names make run's model */

    printk("Boot complete in %lu ms\n", time_us() / 1000);
    shell_run();
}
