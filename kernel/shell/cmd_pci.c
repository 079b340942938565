/* lspci: the PCI functions recorded by the boot-time scan. The scan itself
 * lives in drivers/pci; this file only formats what it found, so the driver
 * does not depend on the shell. */
#include "core/printk.h"
#include "drivers/pci/pci.h"
#include "shell/command.h"

static int cmd_lspci(int argc, char **argv)
{
    (void)argv;
    if (argc != 1)
        return shell_usage("lspci");
    int n = pci_device_count();
    for (int i = 0; i < n; i++) {
        pci_print_device(pci_get(i));
        printk("\n");
    }
    printk("%d PCI function%s\n", n, n == 1 ? "" : "s");
    return 0;
}

static const struct shell_command pci_commands[] = {
    { "lspci", "lspci", "list the PCI functions found at boot", cmd_lspci, 0 },
};

void pci_commands_register(void)
{
    shell_register(pci_commands, sizeof(pci_commands) / sizeof(pci_commands[0]));
}
