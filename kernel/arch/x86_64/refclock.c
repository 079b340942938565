#include "arch/x86_64/refclock.h"
#include "arch/x86_64/acpi.h"
#include "arch/x86_64/io.h"
#include "arch/x86_64/pit.h"
#include "lib/errno.h"

/* HPET registers (IA-PC HPET spec 1.0a, 2.3). */
#define HPET_CAP_PERIOD   0x004   /* high half of GCAP_ID: femtoseconds per tick */
#define HPET_CONFIG       0x010
#define HPET_CONFIG_ENABLE 0x1
#define HPET_COUNTER      0x0F0
#define HPET_MAX_PERIOD   100000000u  /* 100 ns: the spec's slowest allowed clock */

#define PM_TIMER_HZ       3579545u

static volatile uint32_t *hpet_regs;
static uint16_t pm_port;
static uint32_t pm_mask;

static uint32_t hpet_reg(uint32_t off) { return hpet_regs[off / 4]; }

/* The low 32 bits only, as Linux reads it: a 64-bit read is not atomic on
 * every HPET, and tsc_calib copes with the wrap every 2^32 ticks. */
static uint64_t hpet_read(void) { return hpet_reg(HPET_COUNTER); }

static uint64_t pm_read(void) { return inl(pm_port) & pm_mask; }

/* Whether a counter moves at all: some firmware lists a timer that is
 * stuck. Bounded by the TSC, the one clock that surely runs. */
static int counts(uint64_t (*read)(void))
{
    uint64_t first = read(), start = rdtsc();
    while (rdtsc() - start < 50000000) {      /* 20 ms at 2.5 GHz */
        if (read() != first)
            return 1;
        cpu_relax();
    }
    return 0;
}

int refclock_hpet(struct refclock *rc)
{
    uint64_t base = acpi_timers()->hpet_base;
    if (!base)
        return -ENODEV;
    hpet_regs = (volatile uint32_t *)(uintptr_t)base;
    uint32_t period = hpet_reg(HPET_CAP_PERIOD);
    if (period == 0 || period > HPET_MAX_PERIOD)
        return -EINVAL;
    /* Start the main counter; leave its comparators and routing alone. */
    hpet_regs[HPET_CONFIG / 4] = hpet_reg(HPET_CONFIG) | HPET_CONFIG_ENABLE;
    if (!counts(hpet_read))
        return -EIO;
    rc->name = "HPET";
    rc->read = hpet_read;
    rc->fs_per_tick = period;
    rc->bits = 32;
    return 0;
}

int refclock_pm_timer(struct refclock *rc)
{
    const struct acpi_timers *t = acpi_timers();
    if (!t->pm_timer_port)
        return -ENODEV;
    pm_port = t->pm_timer_port;
    pm_mask = t->pm_timer_bits == 32 ? 0xFFFFFFFFu : 0xFFFFFFu;
    if (!counts(pm_read))
        return -EIO;
    rc->name = "ACPI PM timer";
    rc->read = pm_read;
    rc->fs_per_tick = (1000000000000000ULL + PM_TIMER_HZ / 2) / PM_TIMER_HZ;
    rc->bits = t->pm_timer_bits;
    return 0;
}

void refclock_pit(struct refclock *rc)
{
    pit_start_free_running();
    rc->name = "PIT";
    rc->read = pit_read_ticks;
    rc->fs_per_tick = (1000000000000000ULL + PIT_HZ / 2) / PIT_HZ;
    rc->bits = 16;
}
