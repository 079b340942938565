/* TSC calibration arithmetic, free of hardware access so that host tests can
 * drive it with simulated clocks (tests/host/test_tsc_calib.c).
 *
 * The method is Linux's tsc_read_refs(): every read of the reference counter
 * sits between two TSC reads, and only a read whose bracket is short counts.
 * Under emulation the TSC and the reference both follow the host's clock, so
 * the one thing that spoils a measurement is the host descheduling the vCPU
 * between a reference read and the TSC read paired with it; a short bracket
 * proves that did not happen. */
#ifndef EMBODIOS_CORE_TSC_CALIB_H
#define EMBODIOS_CORE_TSC_CALIB_H

#include <stdint.h>

/* A free-running counter of known frequency that counts up and wraps at
 * 2^bits. */
struct refclock {
    const char *name;               /* printed: "HPET", "ACPI PM timer", "PIT" */
    uint64_t (*read)(void);
    uint64_t fs_per_tick;           /* femtoseconds per tick */
    unsigned bits;                  /* 1..64 */
};

/* One bracketed reading. */
struct ref_sample {
    uint64_t tsc;                   /* TSC half-way through the bracket */
    uint64_t ref;                   /* the reference counter */
    uint64_t bracket;               /* TSC cycles from the rdtsc before to the one after */
};

#define CALIB_TRIES 8

/* Reads the reference CALIB_TRIES times, each between two reads of `tsc`,
 * and keeps the reading with the shortest bracket: the host would have to
 * deschedule the vCPU inside every one of them to spoil it. */
void calib_sample(const struct refclock *rc, uint64_t (*tsc)(void), struct ref_sample *out);

/* Reference ticks from a to b. A counter narrower than 64 bits may have
 * wrapped any number of times; the count of wraps is the one that brings the
 * result nearest to expect_ticks (the caller's estimate from the TSC). */
uint64_t calib_ref_ticks(const struct refclock *rc, uint64_t a, uint64_t b, uint64_t expect_ticks);

/* 1 if an estimate of expect_ticks that may be off by err_ppm still names
 * the number of wraps unambiguously (its error is under a quarter of one
 * wrap period). */
int calib_span_unambiguous(const struct refclock *rc, uint64_t expect_ticks, uint64_t err_ppm);

/* Reference ticks expected in tsc_delta cycles at tsc_hz. */
uint64_t calib_expected_ticks(const struct refclock *rc, uint64_t tsc_delta, uint64_t tsc_hz);

/* TSC frequency in Hz from two samples that are ref_ticks apart; 0 when the
 * span is empty. */
uint64_t calib_hz(const struct refclock *rc, const struct ref_sample *a, const struct ref_sample *b,
                  uint64_t ref_ticks);

/* Worst-case relative error of calib_hz over a..b (ref_ticks apart) in
 * parts per million: each sample's TSC value may be off by half its bracket,
 * and each reference value by one tick. */
uint64_t calib_error_ppm(const struct ref_sample *a, const struct ref_sample *b, uint64_t ref_ticks);

/* Microseconds spanned by ref_ticks. */
uint64_t calib_ref_us(const struct refclock *rc, uint64_t ref_ticks);

/* Boot calibration: two back-to-back windows of the reference, starting at
 * CALIB_WINDOW_US each and lengthened up to CALIB_MAX_WINDOW_US until the
 * bracket errors stay under CALIB_MAX_ERR_PPM; the two windows must agree
 * within their error bounds (a wrap of the reference missed while the host
 * had the vCPU descheduled would make them disagree). */
#define CALIB_WINDOW_US     5000
#define CALIB_MAX_WINDOW_US 20000
#define CALIB_MAX_ERR_PPM   500
#define CALIB_ATTEMPTS      6      /* at most 10+20+40*4 = 190 ms of windows: boot stays under 300 ms */

struct calib_result {
    struct ref_sample base;         /* the first sample: start of the long baseline */
    uint64_t hz;                    /* TSC frequency */
    uint64_t err_ppm;               /* its worst-case error */
    uint64_t window_us;             /* over this much reference time */
};

/* A reference that does not tick for this many TSC cycles has stopped
 * (over a second at any TSC rate up to 4 GHz). */
#define CALIB_STALL_CYCLES  (1ULL << 32)

/* Returns 0; -ETIMEDOUT when no attempt met the bounds (*out then holds the
 * last attempt's estimate); -EIO when the reference stopped. */
int calib_boot(const struct refclock *rc, uint64_t (*tsc)(void), struct calib_result *out);

/* The TSC rate over the long baseline from `base` to `now`, given the
 * current estimate hz (off by at most margin_ppm). Returns 0 with *out
 * filled; -ERANGE when the span is too long to count the reference's wraps
 * (start a new baseline at `now`); -ETIMEDOUT when the two brackets leave
 * more than max_err_ppm of doubt (try again later). */
int calib_long_baseline(const struct refclock *rc, const struct ref_sample *base, const struct ref_sample *now,
                        uint64_t hz, uint64_t margin_ppm, uint64_t max_err_ppm, struct calib_result *out);

#endif
