#include "core/time.h"
#include "arch/x86_64/io.h"
#include "arch/x86_64/refclock.h"
#include "core/printk.h"
#include "core/tsc_calib.h"
#include "lib/errno.h"

/* Refinement over the long baseline since boot, as Linux does about a
 * second after boot: at the first time query after REFINE_AFTER_MS. */
#define REFINE_AFTER_MS       1000
#define REFINE_MAX_ERR_PPM    100
#define REFINE_MAX_CHANGE_PPM 10000     /* more than 1% off: something is wrong, keep the boot value */
#define REFINE_ATTEMPTS       5

enum refine_state { REFINE_PENDING, REFINE_DONE, REFINE_REJECTED };

extern uint64_t boot_tsc;               /* boot.S: the TSC at the first instruction */

static struct {
    struct refclock ref;
    struct calib_result boot;           /* boot.base starts the long baseline */
    uint64_t hz;                        /* the rate in use */
    uint64_t us_mult;                   /* microseconds per TSC tick, 32.32 fixed point */
    uint64_t anchor_tsc, anchor_us;     /* time_us() = anchor_us + ticks since anchor_tsc */
    enum refine_state refine;
    int refine_attempts;
    uint64_t refine_at_tsc;
    struct calib_result refined;
} clk;

static uint64_t read_tsc(void) { return rdtsc(); }

static void set_rate(uint64_t hz, uint64_t now_tsc)
{
    /* Re-anchor first, so that time goes on without a jump at the new rate. */
    clk.anchor_us += time_tsc_to_us(now_tsc - clk.anchor_tsc);
    clk.anchor_tsc = now_tsc;
    clk.hz = hz ? hz : 1;               /* a stopped TSC: time stands still, never divides by 0 */
    clk.us_mult = (1000000ULL << 32) / clk.hz;
}

typedef int (*refclock_probe)(struct refclock *rc);

static int pit_probe(struct refclock *rc)
{
    refclock_pit(rc);
    return 0;
}

void time_init(void)
{
    /* Under emulation the TSC runs at whatever rate the host's does, so the
     * frequency is measured, never assumed: against the best reference the
     * machine has that keeps ticking. */
    static const refclock_probe probes[] = { refclock_hpet, refclock_pm_timer, pit_probe };
    static const char *const names[] = { "HPET", "ACPI PM timer", "PIT" };
    int rc = -ENODEV;
    for (unsigned i = 0; i < sizeof(probes) / sizeof(probes[0]); i++) {
        rc = probes[i](&clk.ref);
        if (rc == 0)
            rc = calib_boot(&clk.ref, read_tsc, &clk.boot);
        if (rc == 0 || rc == -ETIMEDOUT)
            break;
        if (rc != -ENODEV)
            printk("time: %s unusable (%s)\n", names[i], rc == -EIO ? "it stopped counting" : error_name(rc));
    }
    if (rc == -ETIMEDOUT)
        printk("time: calibration against %s stayed uncertain (+-%lu ppm)\n", clk.ref.name,
               (unsigned long)clk.boot.err_ppm);
    else if (rc < 0) {
        printk("time: no reference clock counts; times shown are meaningless\n");
        clk.ref.name = 0;
    }
    /* Time zero is the kernel's first instruction, not this moment. */
    clk.anchor_tsc = boot_tsc ? boot_tsc : rdtsc();
    set_rate(clk.boot.hz, clk.anchor_tsc);
    clk.refine = rc < 0 && rc != -ETIMEDOUT ? REFINE_REJECTED : REFINE_PENDING;
    clk.refine_at_tsc = clk.boot.base.tsc + clk.hz / 1000 * REFINE_AFTER_MS;
    printk("TSC: %lu MHz (calibrated against %s)\n", (unsigned long)((clk.hz + 500000) / 1000000),
           time_reference_name());
}

/* How far off the boot estimate may be when counting the reference's wraps:
 * twice its bound, and never less than 0.1%. */
static uint64_t wrap_margin_ppm(void)
{
    uint64_t ppm = clk.boot.err_ppm < 500000 ? 2 * clk.boot.err_ppm : 1000000;
    return ppm < 1000 ? 1000 : ppm;
}

static uint64_t abs_diff(uint64_t a, uint64_t b) { return a > b ? a - b : b - a; }

static void refine(void)
{
    struct ref_sample now;
    calib_sample(&clk.ref, read_tsc, &now);
    int rc = calib_long_baseline(&clk.ref, &clk.boot.base, &now, clk.hz, wrap_margin_ppm(),
                                 REFINE_MAX_ERR_PPM, &clk.refined);
    if (rc == -ERANGE) {
        /* Too long for a narrow counter to tell how often it wrapped:
         * start the baseline again from here. */
        clk.boot.base = now;
        clk.refine_at_tsc = now.tsc + clk.hz / 1000 * REFINE_AFTER_MS;
        return;
    }
    if (rc < 0) {
        if (++clk.refine_attempts >= REFINE_ATTEMPTS)
            clk.refine = REFINE_REJECTED;
        clk.refine_at_tsc = now.tsc + clk.hz / 10;
        return;
    }
    if (abs_diff(clk.refined.hz, clk.hz) > clk.hz / 1000000 * REFINE_MAX_CHANGE_PPM) {
        clk.refine = REFINE_REJECTED;
        return;
    }
    set_rate(clk.refined.hz, now.tsc);
    clk.refine = REFINE_DONE;
}

void time_print_calibration(void)
{
    unsigned long mhz10 = (unsigned long)((clk.refined.hz + 50000) / 100000);
    unsigned long span10ms = (unsigned long)((clk.refined.window_us + 5000) / 10000);
    if (!clk.ref.name) {
        printk("TSC: not calibrated (no reference clock counts)\n");
        return;
    }
    switch (clk.refine) {
    case REFINE_DONE:
        printk("TSC: refined to %lu.%lu MHz over %lu.%02lu s (%s)\n", mhz10 / 10, mhz10 % 10,
               span10ms / 100, span10ms % 100, clk.ref.name);
        break;
    case REFINE_REJECTED:
        printk("TSC: refinement against %s failed (%lu.%lu MHz, +-%lu ppm); kept the boot value\n",
               clk.ref.name, mhz10 / 10, mhz10 % 10, (unsigned long)clk.refined.err_ppm);
        break;
    default:
        printk("TSC: not refined yet (boot estimate %lu kHz from %lu ms against %s, +-%lu ppm)\n",
               (unsigned long)((clk.boot.hz + 500) / 1000), (unsigned long)(clk.boot.window_us / 1000),
               clk.ref.name, (unsigned long)clk.boot.err_ppm);
    }
}

const char *time_reference_name(void) { return clk.ref.name ? clk.ref.name : "nothing"; }

uint64_t time_tsc_hz(void) { return clk.hz; }

uint64_t time_tsc_to_us(uint64_t delta)
{
    return (uint64_t)(((unsigned __int128)delta * clk.us_mult) >> 32);
}

uint64_t time_us(void)
{
    uint64_t now = rdtsc();
    if (clk.refine == REFINE_PENDING && clk.us_mult && (int64_t)(now - clk.refine_at_tsc) >= 0) {
        refine();
        now = rdtsc();
    }
    return clk.anchor_us + time_tsc_to_us(now - clk.anchor_tsc);
}

void udelay(uint64_t us)
{
    uint64_t end = time_us() + us;
    while (time_us() < end)
        cpu_relax();
}
