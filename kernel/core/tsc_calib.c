#include "core/tsc_calib.h"
#include "lib/errno.h"

#define FS_PER_S 1000000000000000ULL

typedef unsigned __int128 u128;

/* n / d by shift and subtract: the kernel links no libgcc, which is where
 * the compiler's own 128-bit division lives. Runs only while calibrating. */
static u128 div128(u128 n, u128 d)
{
    if (!d)
        return 0;
    u128 q = 0, r = 0;
    for (int i = 127; i >= 0; i--) {
        r = (r << 1) | ((n >> i) & 1);
        if (r >= d) {
            r -= d;
            q |= (u128)1 << i;
        }
    }
    return q;
}

static uint64_t saturate(u128 v)
{
    return v > UINT64_MAX ? UINT64_MAX : (uint64_t)v;
}

void calib_sample(const struct refclock *rc, uint64_t (*tsc)(void), struct ref_sample *out)
{
    out->bracket = UINT64_MAX;
    for (int i = 0; i < CALIB_TRIES; i++) {
        uint64_t t1 = tsc();
        uint64_t ref = rc->read();
        uint64_t t2 = tsc();
        if (t2 < t1 || t2 - t1 >= out->bracket)
            continue;
        out->bracket = t2 - t1;
        out->tsc = t1 + (t2 - t1) / 2;
        out->ref = ref;
    }
    if (out->bracket == UINT64_MAX) {       /* a TSC that only ran backwards */
        out->tsc = tsc();
        out->ref = rc->read();
    }
}

static uint64_t wrap_period(const struct refclock *rc)
{
    return rc->bits >= 64 ? 0 : 1ULL << rc->bits;
}

uint64_t calib_ref_ticks(const struct refclock *rc, uint64_t a, uint64_t b, uint64_t expect_ticks)
{
    uint64_t period = wrap_period(rc);
    if (!period)
        return b - a;
    uint64_t d = (b - a) & (period - 1);
    if (expect_ticks <= d)
        return d;
    uint64_t wraps = (expect_ticks - d + period / 2) / period;
    return d + wraps * period;
}

int calib_span_unambiguous(const struct refclock *rc, uint64_t expect_ticks, uint64_t err_ppm)
{
    uint64_t period = wrap_period(rc);
    if (!period)
        return 1;
    return div128((u128)expect_ticks * err_ppm, 1000000) < period / 4;
}

uint64_t calib_expected_ticks(const struct refclock *rc, uint64_t tsc_delta, uint64_t tsc_hz)
{
    if (!tsc_hz || !rc->fs_per_tick)
        return 0;
    /* tsc_delta / tsc_hz seconds, in ticks of fs_per_tick. */
    u128 d = (u128)tsc_hz * rc->fs_per_tick;
    return saturate(div128((u128)tsc_delta * FS_PER_S + d / 2, d));
}

uint64_t calib_hz(const struct refclock *rc, const struct ref_sample *a, const struct ref_sample *b,
                  uint64_t ref_ticks)
{
    if (!ref_ticks || !rc->fs_per_tick || b->tsc <= a->tsc)
        return 0;
    u128 span_fs = (u128)ref_ticks * rc->fs_per_tick;
    return saturate(div128((u128)(b->tsc - a->tsc) * FS_PER_S + span_fs / 2, span_fs));
}

uint64_t calib_error_ppm(const struct ref_sample *a, const struct ref_sample *b, uint64_t ref_ticks)
{
    if (b->tsc <= a->tsc || !ref_ticks)
        return UINT64_MAX;
    /* Half of each bracket, rounded up; then two ticks of the reference. */
    u128 err = (u128)a->bracket / 2 + b->bracket / 2 + 1;
    u128 ppm = div128(err * 1000000, b->tsc - a->tsc) + div128(2000000 + ref_ticks - 1, ref_ticks);
    return saturate(ppm);
}

uint64_t calib_ref_us(const struct refclock *rc, uint64_t ref_ticks)
{
    return saturate(div128((u128)ref_ticks * rc->fs_per_tick, 1000000000ULL));
}

/* Busy-waits `ticks` reference ticks, counting wraps as they pass; returns
 * the ticks counted, or 0 if the reference stopped (no tick in
 * CALIB_STALL_CYCLES of the TSC). */
static uint64_t wait_ref_ticks(const struct refclock *rc, uint64_t (*tsc)(void), uint64_t ticks)
{
    uint64_t mask = rc->bits >= 64 ? ~0ULL : (1ULL << rc->bits) - 1;
    uint64_t last = rc->read(), done = 0, last_move = tsc();
    while (done < ticks) {
        uint64_t now = rc->read(), t = tsc();
        if (now != last)
            last_move = t;
        else if (t - last_move > CALIB_STALL_CYCLES)
            return 0;
        done += (now - last) & mask;
        last = now;
    }
    return done;
}

/* One window of about `ticks` after *from; fills *to and returns its ticks
 * (0: the reference stopped). */
static uint64_t window(const struct refclock *rc, uint64_t (*tsc)(void), const struct ref_sample *from,
                       struct ref_sample *to, uint64_t ticks)
{
    uint64_t counted = wait_ref_ticks(rc, tsc, ticks);
    if (!counted)
        return 0;
    calib_sample(rc, tsc, to);
    return calib_ref_ticks(rc, from->ref, to->ref, counted);
}

static uint64_t abs_diff(uint64_t a, uint64_t b) { return a > b ? a - b : b - a; }

int calib_boot(const struct refclock *rc, uint64_t (*tsc)(void), struct calib_result *out)
{
    uint64_t window_us = CALIB_WINDOW_US;
    for (int attempt = 0; attempt < CALIB_ATTEMPTS; attempt++) {
        uint64_t ticks = saturate(div128((u128)window_us * 1000000000ULL, rc->fs_per_tick));
        struct ref_sample s0, s1, s2;
        calib_sample(rc, tsc, &s0);
        uint64_t t1 = window(rc, tsc, &s0, &s1, ticks);
        uint64_t t2 = t1 ? window(rc, tsc, &s1, &s2, ticks) : 0;
        if (!t2) {
            out->hz = 0;
            return -EIO;
        }
        uint64_t hz1 = calib_hz(rc, &s0, &s1, t1), hz2 = calib_hz(rc, &s1, &s2, t2);
        out->base = s0;
        out->hz = calib_hz(rc, &s0, &s2, t1 + t2);
        out->err_ppm = calib_error_ppm(&s0, &s2, t1 + t2);
        out->window_us = calib_ref_us(rc, t1 + t2);
        uint64_t agree_ppm = calib_error_ppm(&s0, &s1, t1) + calib_error_ppm(&s1, &s2, t2);
        int agree = out->hz && agree_ppm < 1000000 && abs_diff(hz1, hz2) <= out->hz / 1000000 * agree_ppm;
        if (agree && out->err_ppm <= CALIB_MAX_ERR_PPM)
            return 0;
        /* Brackets too wide for this window (a slow reference) need a
         * longer one; a bad window only another try. */
        if (agree && window_us * 2 <= CALIB_MAX_WINDOW_US)
            window_us *= 2;
    }
    return -ETIMEDOUT;
}

int calib_long_baseline(const struct refclock *rc, const struct ref_sample *base, const struct ref_sample *now,
                        uint64_t hz, uint64_t margin_ppm, uint64_t max_err_ppm, struct calib_result *out)
{
    if (now->tsc <= base->tsc)
        return -ETIMEDOUT;
    uint64_t expect = calib_expected_ticks(rc, now->tsc - base->tsc, hz);
    if (!calib_span_unambiguous(rc, expect, margin_ppm))
        return -ERANGE;
    uint64_t ticks = calib_ref_ticks(rc, base->ref, now->ref, expect);
    out->base = *base;
    out->hz = calib_hz(rc, base, now, ticks);
    out->err_ppm = calib_error_ppm(base, now, ticks);
    out->window_us = calib_ref_us(rc, ticks);
    return out->hz && out->err_ppm <= max_err_ppm ? 0 : -ETIMEDOUT;
}
