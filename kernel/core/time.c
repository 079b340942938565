#include "core/time.h"
#include "arch/x86_64/io.h"
#include "arch/x86_64/pit.h"
#include "core/printk.h"

#define CALIBRATION_TICKS 11932u   /* 10 ms of PIT ticks */
#define CALIBRATION_RUNS  3

static uint64_t tsc_hz;
static uint64_t tsc_at_boot;
static uint64_t us_mult;           /* microseconds per TSC tick, 32.32 fixed point */

static void sort3(uint64_t v[3])
{
    for (int i = 0; i < 2; i++)
        for (int j = 0; j < 2 - i; j++)
            if (v[j] > v[j + 1]) {
                uint64_t t = v[j];
                v[j] = v[j + 1];
                v[j + 1] = t;
            }
}

void time_init(void)
{
    /* Under emulation the TSC runs at whatever rate the host's does, so the
     * frequency is measured, never assumed: the median of three 10 ms PIT
     * windows (one run disturbed by the host scheduler cannot skew it). */
    uint64_t cycles[CALIBRATION_RUNS];
    for (int i = 0; i < CALIBRATION_RUNS; i++)
        cycles[i] = pit_measure_tsc(CALIBRATION_TICKS);
    sort3(cycles);
    tsc_hz = cycles[1] * PIT_HZ / CALIBRATION_TICKS;
    if (tsc_hz == 0)
        tsc_hz = 1;                /* a stopped TSC: time stands still, never divides by 0 */
    us_mult = (1000000ULL << 32) / tsc_hz;
    tsc_at_boot = rdtsc();
    printk("TSC: %lu MHz (calibrated against PIT)\n", (unsigned long)((tsc_hz + 500000) / 1000000));
}

uint64_t time_tsc_hz(void) { return tsc_hz; }

uint64_t time_tsc_to_us(uint64_t delta)
{
    return (uint64_t)(((unsigned __int128)delta * us_mult) >> 32);
}

uint64_t time_us(void)
{
    return time_tsc_to_us(rdtsc() - tsc_at_boot);
}

void udelay(uint64_t us)
{
    uint64_t end = time_us() + us;
    while (time_us() < end)
        cpu_relax();
}
