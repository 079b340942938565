#include "core/time.h"
#include "arch/x86_64/io.h"
#include "arch/x86_64/refclock.h"
#include "core/printk.h"
#include "core/tsc_calib.h"
#include "lib/errno.h"

/* Boot calibration: two back-to-back windows of the reference, long enough
 * together for the bracket errors to stay under CAL_MAX_ERR_PPM, and
 * agreeing with each other (a wrap of the reference missed while the host
 * had the vCPU descheduled would make them disagree). */
#define CAL_WINDOW_US     5000
#define CAL_MAX_WINDOW_US 40000
#define CAL_MAX_ERR_PPM   500
#define CAL_ATTEMPTS      6

/* Refinement over the long baseline since boot, as Linux does about a
 * second after boot: the first time query after REFINE_AFTER_MS. */
#define REFINE_AFTER_MS   1000
#define REFINE_MAX_ERR_PPM 100
#define REFINE_MAX_CHANGE_PPM 10000     /* more than 1% off: something is wrong, keep the boot value */
#define REFINE_ATTEMPTS   5

enum refine_state { REFINE_PENDING, REFINE_DONE, REFINE_REJECTED };

extern uint64_t boot_tsc;               /* boot.S: the TSC at the first instruction */

static struct {
    struct refclock ref;
    struct ref_sample base;             /* start of the long baseline */
    uint64_t hz, boot_hz, boot_err_ppm, boot_window_us;
    uint64_t us_mult;                   /* microseconds per TSC tick, 32.32 fixed point */
    uint64_t anchor_tsc, anchor_us;     /* time_us() = anchor_us + ticks since anchor_tsc */
    enum refine_state refine;
    int refine_attempts;
    uint64_t refine_at_tsc;
    uint64_t refined_hz, refined_span_us;
} clk;

static uint64_t read_tsc(void) { return rdtsc(); }

static void set_rate(uint64_t hz, uint64_t now_tsc)
{
    /* Re-anchor first, so time continues without a jump at the new rate. */
    uint64_t us = clk.us_mult ? time_tsc_to_us(now_tsc - clk.anchor_tsc) : 0;
    clk.anchor_us += us;
    clk.anchor_tsc = now_tsc;
    clk.hz = hz ? hz : 1;               /* a stopped TSC: time stands still, never divides by 0 */
    clk.us_mult = (1000000ULL << 32) / clk.hz;
}

/* Busy-waits `ticks` reference ticks, counting wraps as they pass; returns
 * the ticks counted. */
static uint64_t wait_ref_ticks(uint64_t ticks)
{
    uint64_t mask = clk.ref.bits >= 64 ? ~0ULL : (1ULL << clk.ref.bits) - 1;
    uint64_t last = clk.ref.read(), done = 0;
    while (done < ticks) {
        cpu_relax();
        uint64_t now = clk.ref.read();
        done += (now - last) & mask;
        last = now;
    }
    return done;
}

/* One window of about `ticks` after *from; fills *to and returns its ticks. */
static uint64_t window(const struct ref_sample *from, struct ref_sample *to, uint64_t ticks)
{
    uint64_t counted = wait_ref_ticks(ticks);
    calib_sample(&clk.ref, read_tsc, to);
    return calib_ref_ticks(&clk.ref, from->ref, to->ref, counted);
}

static uint64_t abs_diff(uint64_t a, uint64_t b) { return a > b ? a - b : b - a; }

/* 0 with clk.boot_hz set, or -ETIMEDOUT when no attempt was good enough
 * (clk.boot_hz then holds the last estimate anyway). */
static int calibrate(void)
{
    uint64_t window_us = CAL_WINDOW_US;
    for (int attempt = 0; attempt < CAL_ATTEMPTS; attempt++) {
        uint64_t ticks = window_us * 1000000000ULL / clk.ref.fs_per_tick;
        struct ref_sample s0, s1, s2;
        calib_sample(&clk.ref, read_tsc, &s0);
        uint64_t t1 = window(&s0, &s1, ticks);
        uint64_t t2 = window(&s1, &s2, ticks);
        uint64_t hz1 = calib_hz(&clk.ref, &s0, &s1, t1), hz2 = calib_hz(&clk.ref, &s1, &s2, t2);
        clk.base = s0;
        clk.boot_hz = calib_hz(&clk.ref, &s0, &s2, t1 + t2);
        clk.boot_err_ppm = calib_error_ppm(&s0, &s2, t1 + t2);
        clk.boot_window_us = calib_ref_us(&clk.ref, t1 + t2);
        uint64_t agree_ppm = calib_error_ppm(&s0, &s1, t1) + calib_error_ppm(&s1, &s2, t2);
        int agree = clk.boot_hz && agree_ppm < 1000000 &&
                    abs_diff(hz1, hz2) <= clk.boot_hz / 1000000 * agree_ppm;
        if (agree && clk.boot_err_ppm <= CAL_MAX_ERR_PPM)
            return 0;
        /* Brackets too wide for this window (a slow reference), or a bad
         * window: try again, with a longer window if the error says so. */
        if (agree && window_us * 2 <= CAL_MAX_WINDOW_US)
            window_us *= 2;
    }
    return -ETIMEDOUT;
}

static void choose_reference(void)
{
    int rc = refclock_hpet(&clk.ref);
    if (rc == 0)
        return;
    if (rc != -ENODEV)
        printk("time: HPET unusable (%s)\n", error_name(rc));
    rc = refclock_pm_timer(&clk.ref);
    if (rc == 0)
        return;
    if (rc != -ENODEV)
        printk("time: ACPI PM timer unusable (%s)\n", error_name(rc));
    refclock_pit(&clk.ref);
}

void time_init(void)
{
    /* Under emulation the TSC runs at whatever rate the host's does, so the
     * frequency is measured, never assumed. */
    choose_reference();
    if (calibrate() < 0)
        printk("time: calibration against %s stayed uncertain (+-%lu ppm)\n", clk.ref.name,
               (unsigned long)clk.boot_err_ppm);
    /* Time zero is the kernel's first instruction, not this moment. */
    clk.anchor_tsc = boot_tsc ? boot_tsc : clk.base.tsc;
    clk.anchor_us = 0;
    clk.us_mult = 0;
    set_rate(clk.boot_hz, clk.anchor_tsc);
    clk.refine = REFINE_PENDING;
    clk.refine_at_tsc = clk.base.tsc + clk.hz / 1000 * REFINE_AFTER_MS;
    printk("TSC: %lu MHz (calibrated against %s)\n", (unsigned long)((clk.hz + 500000) / 1000000),
           clk.ref.name);
}

/* The error the estimate may carry when counting reference wraps: twice the
 * boot bound, and never under 0.1%. */
static uint64_t wrap_margin_ppm(void)
{
    uint64_t ppm = clk.boot_err_ppm < 500000 ? 2 * clk.boot_err_ppm : 1000000;
    return ppm < 1000 ? 1000 : ppm;
}

static void refine(void)
{
    struct ref_sample s;
    calib_sample(&clk.ref, read_tsc, &s);
    uint64_t retry_at = s.tsc + clk.hz / 1000 * REFINE_AFTER_MS;
    uint64_t expect = calib_expected_ticks(&clk.ref, s.tsc - clk.base.tsc, clk.hz);
    if (!calib_span_unambiguous(&clk.ref, expect, wrap_margin_ppm())) {
        /* Too long for a narrow counter to tell how often it wrapped: start
         * the baseline again from here. */
        clk.base = s;
        clk.refine_at_tsc = retry_at;
        return;
    }
    uint64_t ticks = calib_ref_ticks(&clk.ref, clk.base.ref, s.ref, expect);
    uint64_t hz = calib_hz(&clk.ref, &clk.base, &s, ticks);
    if (calib_error_ppm(&clk.base, &s, ticks) > REFINE_MAX_ERR_PPM || !hz) {
        if (++clk.refine_attempts >= REFINE_ATTEMPTS)
            clk.refine = REFINE_REJECTED;
        clk.refine_at_tsc = s.tsc + clk.hz / 10;
        return;
    }
    clk.refined_hz = hz;
    clk.refined_span_us = calib_ref_us(&clk.ref, ticks);
    if (abs_diff(hz, clk.hz) > clk.hz / 1000000 * REFINE_MAX_CHANGE_PPM) {
        clk.refine = REFINE_REJECTED;
        return;
    }
    set_rate(hz, s.tsc);
    clk.refine = REFINE_DONE;
}

void time_print_calibration(void)
{
    unsigned long mhz10 = (unsigned long)((clk.refined_hz + 50000) / 100000);
    unsigned long span10ms = (unsigned long)((clk.refined_span_us + 5000) / 10000);
    switch (clk.refine) {
    case REFINE_DONE:
        printk("TSC: refined to %lu.%lu MHz over %lu.%02lu s (%s)\n", mhz10 / 10, mhz10 % 10,
               span10ms / 100, span10ms % 100, clk.ref.name);
        break;
    case REFINE_REJECTED:
        printk("TSC: refinement against %s rejected (%lu.%lu MHz, more than 1%% from the boot value)\n",
               clk.ref.name, mhz10 / 10, mhz10 % 10);
        break;
    default:
        printk("TSC: not refined yet (boot estimate %lu kHz from %lu ms against %s, +-%lu ppm)\n",
               (unsigned long)((clk.boot_hz + 500) / 1000), (unsigned long)(clk.boot_window_us / 1000),
               clk.ref.name, (unsigned long)clk.boot_err_ppm);
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
