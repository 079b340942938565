#include "core/tsc_calib.h"

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
    return saturate(div128((u128)tsc_delta * FS_PER_S, (u128)tsc_hz * rc->fs_per_tick));
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
