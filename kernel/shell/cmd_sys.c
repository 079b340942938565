/* System commands: version, mem, uptime, echo, poweroff, reboot, fault. */
#include "arch/x86_64/acpi.h"
#include "core/heap.h"
#include "core/panic.h"
#include "core/pmm.h"
#include "core/printk.h"
#include "core/time.h"
#include "lib/errno.h"
#include "lib/string.h"
#include "shell/args.h"
#include "shell/command.h"
#include "shell/shell.h"

#define MIB (1024UL * 1024)

static int cmd_version(int argc, char **argv)
{
    (void)argv;
    if (argc != 1)
        return shell_usage("version");
    printk("EMBODIOS %s (x86_64, built %s %s)\n", EMBODIOS_VERSION, __DATE__, __TIME__);
    return 0;
}

static int cmd_mem(int argc, char **argv)
{
    (void)argv;
    if (argc != 1)
        return shell_usage("mem");
    struct pmm_stats ps;
    struct heap_stats hs;
    pmm_get_stats(&ps);
    heap_get_stats(&hs);
    /* Heap arenas are pages taken from the page allocator; the free space
     * inside them is still free memory. */
    uint64_t free_bytes = ps.free_bytes + hs.free_bytes;
    uint64_t used = ps.usable_bytes - free_bytes;
    printk("Memory:\n");
    printk("  Total: %6lu MB (%lu KB usable RAM)\n", ps.usable_bytes / MIB, ps.usable_bytes / 1024);
    printk("  Used:  %6lu MB (%lu KB: kernel, boot data, heap in use)\n", used / MIB, used / 1024);
    printk("  Free:  %6lu MB (%lu KB)\n", free_bytes / MIB, free_bytes / 1024);
    printk("  Heap:  %lu KB in %lu allocations, %lu KB free in arenas\n",
           hs.used_bytes / 1024, hs.allocations, hs.free_bytes / 1024);
    printk("  Largest allocation possible: %lu MB\n", heap_max_allocation() / MIB);
    return 0;
}

/* Allocates `MB` of heap in 64 MiB pieces, writes a pattern that encodes
 * each word's address, reads it back, and frees everything: proves the
 * allocator and the identity map (above 4 GiB too) end to end. */
#define MEMTEST_CHUNK (64UL * MIB)
#define MEMTEST_MAX_CHUNKS 1024

static int memtest_chunk(uint64_t *p, uint64_t words)
{
    for (uint64_t i = 0; i < words; i++)
        p[i] = (uint64_t)(uintptr_t)&p[i] ^ 0x5A5A5A5A5A5A5A5AULL;
    for (uint64_t i = 0; i < words; i++)
        if (p[i] != ((uint64_t)(uintptr_t)&p[i] ^ 0x5A5A5A5A5A5A5A5AULL))
            return -EIO;
    return 0;
}

static int cmd_memtest(int argc, char **argv)
{
    unsigned long long mb;
    int one = argc == 3 && strcmp(argv[2], "--one") == 0;
    if ((argc != 2 && !one) || arg_to_u64(argv[1], 1, 1ULL << 20, &mb) < 0)
        return shell_usage("memtest");
    static uint64_t *chunks[MEMTEST_MAX_CHUNKS];
    uint64_t want = mb * MIB, done = 0, highest = 0;
    /* --one: a single allocation of all of it, which needs one free run. */
    uint64_t piece = one ? want : MEMTEST_CHUNK;
    int n = 0, rc = 0;
    uint64_t t0 = time_us();
    while (done < want && n < MEMTEST_MAX_CHUNKS) {
        uint64_t len = want - done < piece ? want - done : piece;
        uint64_t *p = kmalloc(len);
        if (!p) {
            printk("memtest: out of memory after %lu MB\n", done / MIB);
            rc = -ENOMEM;
            break;
        }
        chunks[n++] = p;
        if ((rc = memtest_chunk(p, len / 8)) < 0) {
            printk("memtest: pattern mismatch in %p..%p\n", (void *)p, (void *)((char *)p + len));
            break;
        }
        if ((uint64_t)(uintptr_t)p + len > highest)
            highest = (uint64_t)(uintptr_t)p + len;
        done += len;
        if (shell_poll_interrupt()) {
            rc = -ECANCELED;
            break;
        }
    }
    for (int i = 0; i < n; i++)
        kfree(chunks[i]);
    printk("memtest: %lu MB %s in %lu ms, highest address 0x%lx\n", done / MIB,
           rc ? "checked before stopping" : "written and verified", (time_us() - t0) / 1000, highest);
    return rc;
}

static int cmd_uptime(int argc, char **argv)
{
    (void)argv;
    if (argc != 1)
        return shell_usage("uptime");
    uint64_t us = time_us();
    printk("Uptime: %lu.%06lu s (TSC %lu MHz)\n", us / 1000000, us % 1000000, time_tsc_hz() / 1000000);
    return 0;
}

static int cmd_echo(int argc, char **argv)
{
    for (int i = 1; i < argc; i++)
        printk("%s%s", i > 1 ? " " : "", argv[i]);
    printk("\n");
    return 0;
}

static int cmd_poweroff(int argc, char **argv)
{
    (void)argv;
    if (argc != 1)
        return shell_usage("poweroff");
    printk("Powering off.\n");
    int rc = acpi_poweroff();
    printk("poweroff: ACPI S5 failed (%s); the machine is still running\n", error_name(rc));
    return rc;
}

static int cmd_reboot(int argc, char **argv)
{
    (void)argv;
    if (argc != 1)
        return shell_usage("reboot");
    printk("Rebooting.\n");
    machine_reboot();
}

/* Deliberate faults, so tests can prove every handler reports and halts. */
static int cmd_fault(int argc, char **argv)
{
    if (argc != 2)
        return shell_usage("fault");
    const char *kind = argv[1];
    if (strcmp(kind, "pf") == 0) {
        printk("Triggering a page fault (read from unmapped 0x100000000000)...\n");
        volatile uint64_t *p = (volatile uint64_t *)0x100000000000ULL;
        (void)*p;
    } else if (strcmp(kind, "ud") == 0) {
        printk("Triggering an invalid opcode (ud2)...\n");
        __asm__ volatile("ud2");
    } else if (strcmp(kind, "de") == 0) {
        printk("Triggering a divide error (div by zero)...\n");
        __asm__ volatile("xor %%ecx, %%ecx; mov $1, %%eax; xor %%edx, %%edx; div %%ecx" ::: "rax", "rcx", "rdx");
    } else if (strcmp(kind, "gp") == 0) {
        printk("Triggering a general protection fault (non-canonical address)...\n");
        __asm__ volatile("movabs $0x8000000000000000, %%rax; mov (%%rax), %%rax" ::: "rax");
    } else if (strcmp(kind, "bp") == 0) {
        printk("Triggering a breakpoint (int3)...\n");
        __asm__ volatile("int3");
    } else if (strcmp(kind, "panic") == 0) {
        panic("test panic requested from the shell");
    } else {
        return shell_usage("fault");
    }
    printk("fault: the %s fault did not happen\n", kind);
    return -EIO;
}

static const struct shell_command sys_commands[] = {
    { "version", "version", "print the kernel version", cmd_version, 0 },
    { "mem", "mem", "show total, used and free memory", cmd_mem, 0 },
    { "memtest", "memtest <MB> [--one]",
      "allocate (in 64 MB pieces, or --one allocation), pattern-check and free MB of memory", cmd_memtest, 0 },
    { "uptime", "uptime", "time since boot (calibrated TSC)", cmd_uptime, 0 },
    { "echo", "echo [text...]", "print the arguments", cmd_echo, 0 },
    { "poweroff", "poweroff", "power off the machine (ACPI S5; QEMU exits)", cmd_poweroff, 0 },
    { "reboot", "reboot", "reset the machine", cmd_reboot, 0 },
    { "fault", "fault pf|ud|de|gp|bp|panic", "trigger a CPU exception or panic (testing the handlers)", cmd_fault, 0 },
};

void sys_commands_register(void)
{
    shell_register(sys_commands, sizeof(sys_commands) / sizeof(sys_commands[0]));
}
