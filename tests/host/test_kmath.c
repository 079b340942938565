/* kmath (the kernel's libm and half-precision conversions) against the host:
 * every function over ~2 million inputs, error in ulps against the double
 * precision libm result rounded to float (correctly rounded but for rare
 * double-rounding cases). The bound is the one kmath.h states. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "math/cpu_features.h"
#include "math/kmath.h"

static uint64_t rng = 0x9e3779b97f4a7c15ull;
static uint32_t rnd32(void)
{
    rng ^= rng << 13; rng ^= rng >> 7; rng ^= rng << 17;
    return (uint32_t)(rng >> 16);
}
static float rnd_range(float lo, float hi) { return lo + (hi - lo) * (float)(rnd32() >> 8) / 16777216.0f; }

/* Distance in representable floats (0 if both NaN). */
static long long ulps(float a, float b)
{
    if (isnan(a) && isnan(b))
        return 0;
    if (isnan(a) || isnan(b))
        return 1LL << 40;
    int32_t ia, ib;
    memcpy(&ia, &a, 4);
    memcpy(&ib, &b, 4);
    long long oa = ia < 0 ? (long long)INT32_MIN - ia : ia;
    long long ob = ib < 0 ? (long long)INT32_MIN - ib : ib;
    return oa > ob ? oa - ob : ob - oa;
}

struct stat { long long worst; float at; long n; };

static void record(struct stat *s, float x, float got, float want)
{
    long long u = ulps(got, want);
    if (u > s->worst) {
        s->worst = u;
        s->at = x;
    }
    s->n++;
}

static void report(const char *name, struct stat *s, long long bound)
{
    printf("  %-7s %8ld inputs, max error %lld ulp (at %a)\n", name, s->n, s->worst, (double)s->at);
    CHECK(s->worst <= bound);
}

#define UNARY_TEST(fn, ref, lo, hi, count) do { \
        struct stat st = { 0, 0, 0 }; \
        for (long i = 0; i < (count); i++) { \
            float x = (i & 1) ? rnd_range(lo, hi) : (float)((i & 2) ? 1 : -1) * rnd_range(0, 1) * (hi); \
            record(&st, x, fn(x), (float)ref((double)x)); \
        } \
        for (int i = 0; i < 200000; i++) {   /* random bit patterns: every exponent */ \
            uint32_t u = rnd32(); float x; memcpy(&x, &u, 4); \
            if (!(x >= (lo) && x <= (hi))) continue; \
            record(&st, x, fn(x), (float)ref((double)x)); \
        } \
        report(#fn, &st, 1); \
    } while (0)

static void test_unary(void)
{
    UNARY_TEST(k_expf, exp, -104.0f, 89.0f, 2000000);
    UNARY_TEST(k_logf, log, 0.0f, 3.4e38f, 2000000);
    UNARY_TEST(k_sinf, sin, -1048576.0f, 1048576.0f, 1000000);
    UNARY_TEST(k_sinf, sin, -10.0f, 10.0f, 500000);
    UNARY_TEST(k_cosf, cos, -1048576.0f, 1048576.0f, 1000000);
    UNARY_TEST(k_cosf, cos, -10.0f, 10.0f, 500000);
    UNARY_TEST(k_tanhf, tanh, -20.0f, 20.0f, 2000000);
    UNARY_TEST(k_sqrtf, sqrt, 0.0f, 3.4e38f, 1000000);
    /* sqrt is exact: compare with the host's correctly rounded sqrtf too */
    int sq_ok = 1;
    for (int i = 0; i < 1000000; i++) {
        uint32_t u = rnd32() & 0x7fffffffu;
        float x;
        memcpy(&x, &u, 4);
        float a = k_sqrtf(x), b = sqrtf(x);
        if (memcmp(&a, &b, 4) != 0 && !(isnan(a) && isnan(b)))
            sq_ok = 0;
    }
    CHECK(sq_ok);
}

static void test_specials(void)
{
    float inf = INFINITY;
    CHECK(k_expf(0) == 1.0f);
    CHECK(k_expf(-inf) == 0.0f);
    CHECK(k_expf(inf) == inf);
    CHECK(k_expf(100.0f) == inf);
    CHECK(isnan(k_expf(NAN)));
    CHECK(k_logf(1.0f) == 0.0f);
    CHECK(k_logf(0.0f) == -inf);
    CHECK(isnan(k_logf(-1.0f)));
    CHECK(k_logf(inf) == inf);
    CHECK(k_powf(2.0f, 10.0f) == 1024.0f);
    CHECK(k_powf(-2.0f, 3.0f) == -8.0f);
    CHECK(k_powf(-2.0f, 2.0f) == 4.0f);
    CHECK(isnan(k_powf(-2.0f, 0.5f)));
    CHECK(k_powf(0.0f, -1.0f) == inf);
    CHECK(k_powf(0.0f, 2.0f) == 0.0f);
    CHECK(k_powf(5.0f, 0.0f) == 1.0f);
    CHECK(k_powf(1.0f, NAN) == 1.0f);
    CHECK(k_powf(0.5f, inf) == 0.0f);
    CHECK(k_powf(2.0f, -inf) == 0.0f);
    CHECK(k_tanhf(0.0f) == 0.0f);
    CHECK(k_tanhf(30.0f) == 1.0f);
    CHECK(k_tanhf(-30.0f) == -1.0f);
    CHECK(k_fabsf(-3.5f) == 3.5f);
    CHECK(isnan(k_sinf(inf)));
}

static void test_powf(void)
{
    struct stat st = { 0, 0, 0 };
    for (int i = 0; i < 2000000; i++) {
        float x = (i & 1) ? rnd_range(0, 4) : rnd_range(0, 1e6f);
        float y = (i & 2) ? rnd_range(-8, 8) : rnd_range(-0.5f, 0.5f);
        /* RoPE's theta: base^(-2i/d) */
        if ((i & 7) == 0) {
            x = 10000.0f * (float)(1 + (i % 5));
            y = -(float)(i % 128) / 64.0f;
        }
        double t = (double)y * log2((double)x);
        if (t > 126 || t < -126)
            continue;
        float got = k_powf(x, y), want = (float)pow((double)x, (double)y);
        if (ulps(got, want) > st.worst) {
            st.worst = ulps(got, want);
            st.at = x;
        }
        st.n++;
    }
    report("k_powf", &st, 1);
}

/* The reference conversions, written from IEEE 754 independently of kmath. */
static void test_half(void)
{
    int bad16 = 0, badbf = 0;
    for (uint32_t h = 0; h < 65536; h++) {
        float f = fp16_to_fp32((uint16_t)h);
        /* _Float16 is the compiler's IEEE binary16 (exact conversion to float) */
        _Float16 hv;
        uint16_t hb = (uint16_t)h;
        memcpy(&hv, &hb, 2);
        float want = (float)hv;
        int nan = ((h >> 10) & 0x1f) == 0x1f && (h & 0x3ff);
        if (nan ? !isnan(f) : memcmp(&f, &want, 4) != 0)
            bad16++;
        if (!nan && fp32_to_fp16(f) != h)
            bad16++;
        uint32_t bits = h << 16;
        float bfv;
        memcpy(&bfv, &bits, 4);
        if (memcmp(&bfv, &(float){ bf16_to_fp32((uint16_t)h) }, 4) != 0)
            badbf++;
    }
    for (int i = 0; i < 4000000; i++) {
        uint32_t u = rnd32();
        float f;
        memcpy(&f, &u, 4);
        if (isnan(f))
            continue;
        _Float16 hv = (_Float16)f;   /* round to nearest even, overflow to inf */
        uint16_t want;
        memcpy(&want, &hv, 2);
        if (fp32_to_fp16(f) != want)
            bad16++;
    }
    printf("  fp16/bf16: %d + %d mismatches\n", bad16, badbf);
    CHECK_EQ_INT(bad16, 0);
    CHECK_EQ_INT(badbf, 0);
    CHECK_EQ_INT(fp32_to_fp16(NAN), 0x7e00);
    CHECK_EQ_INT(fp32_to_fp16(65520.0f), 0x7c00);
    CHECK_EQ_INT(fp32_to_fp16(65519.0f), 0x7bff);
    CHECK_EQ_INT(fp32_to_bf16(1.0f), 0x3f80);
    CHECK_EQ_INT(fp32_to_bf16(1.00390625f), 0x3f80);   /* tie -> even */
    CHECK_EQ_INT(fp32_to_bf16(1.01171875f), 0x3f82);   /* tie -> even (up) */
}

int main(void)
{
    cpu_features_detect();
    test_specials();
    test_unary();
    test_powf();
    test_half();
    return check_summary("test_kmath");
}
