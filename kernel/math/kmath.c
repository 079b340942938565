/* The kernel's libm: see kmath.h for the accuracy of each function.
 * Method: reduce the argument exactly (or nearly) in double, evaluate a short
 * polynomial in double, round once to float. */
#include "math/kmath.h"

#define K_LN2 0x1.62e42fefa39efp-1
#define K_INV_LN2 0x1.71547652b82fep+0

static inline uint64_t dbits(double d) { union { double d; uint64_t u; } v = { .d = d }; return v.u; }
static inline double bitsd(uint64_t u) { union { uint64_t u; double d; } v = { .u = u }; return v.d; }
static inline int is_nan(float x) { return (k_float_bits(x) & 0x7fffffffu) > 0x7f800000u; }

/* Nearest integer of |v| < 2^62, ties away (only used where ties don't matter). */
static inline long k_lround(double v) { return (long)(v < 0 ? v - 0.5 : v + 0.5); }

float k_fabsf(float x) { return k_bits_float(k_float_bits(x) & 0x7fffffffu); }

float k_sqrtf(float x)
{
    __asm__("sqrtss %1, %0" : "=x"(x) : "x"(x));
    return x;
}

/* 2^(i/32), i = 0..31. */
static const double exp2_tab[32] = {
    0x1.0000000000000p+0,
    0x1.059b0d3158574p+0,
    0x1.0b5586cf9890fp+0,
    0x1.11301d0125b51p+0,
    0x1.172b83c7d517bp+0,
    0x1.1d4873168b9aap+0,
    0x1.2387a6e756238p+0,
    0x1.29e9df51fdee1p+0,
    0x1.306fe0a31b715p+0,
    0x1.371a7373aa9cbp+0,
    0x1.3dea64c123422p+0,
    0x1.44e086061892dp+0,
    0x1.4bfdad5362a27p+0,
    0x1.5342b569d4f82p+0,
    0x1.5ab07dd485429p+0,
    0x1.6247eb03a5585p+0,
    0x1.6a09e667f3bcdp+0,
    0x1.71f75e8ec5f74p+0,
    0x1.7a11473eb0187p+0,
    0x1.82589994cce13p+0,
    0x1.8ace5422aa0dbp+0,
    0x1.93737b0cdc5e5p+0,
    0x1.9c49182a3f090p+0,
    0x1.a5503b23e255dp+0,
    0x1.ae89f995ad3adp+0,
    0x1.b7f76f2fb5e47p+0,
    0x1.c199bdd85529cp+0,
    0x1.cb720dcef9069p+0,
    0x1.d5818dcfba487p+0,
    0x1.dfc97337b9b5fp+0,
    0x1.ea4afa2a490dap+0,
    0x1.f50765b6e4540p+0,
};

/* 2^k as a double, -1074 <= k <= 1023 (subnormal results are exact powers of two). */
static double pow2i(int k)
{
    if (k >= -1022)
        return bitsd((uint64_t)(k + 1023) << 52);
    return bitsd(1ull << (k + 1074));
}

/* e^x for |x| < ~700, relative error ~1e-13 (fine for float): x = (32m + i) ln2/32 + r,
 * |r| <= ln2/64, e^r by a degree-5 polynomial. */
static double exp_fast_d(double x)
{
    long n = k_lround(x * (32 * K_INV_LN2));
    double r = x - (double)n * (K_LN2 / 32);
    double p = 1 + r * (1 + r * (0.5 + r * (1.0 / 6 + r * (1.0 / 24 + r * (1.0 / 120)))));
    long m = n >> 5;           /* floor(n / 32): arithmetic shift */
    int i = (int)(n & 31);
    /* Split the scale so no intermediate overflows or goes subnormal early. */
    return p * exp2_tab[i] * pow2i((int)(m / 2)) * pow2i((int)(m - m / 2));
}

float k_expf(float x)
{
    if (is_nan(x))
        return x + x;
    if (x > 88.72284f)
        return k_bits_float(0x7f800000u);
    if (x < -103.97209f)
        return 0.0f;
    return (float)exp_fast_d(x);
}

/* High-accuracy e^x and log(x) in double (relative error ~1e-17), for powf. */
static double exp_acc_d(double x)
{
    long n = k_lround(x * (32 * K_INV_LN2));
    /* ln2/32 in two parts: the high part has trailing zero bits, so n * hi is exact. */
    const double hi = 0x1.62e42fefa3800p-6, lo = 0x1.ef35793c7673p-51;
    double r = (x - (double)n * hi) - (double)n * lo;
    static const double inv_fact[9] = { 1, 1, 1.0 / 2, 1.0 / 6, 1.0 / 24, 1.0 / 120,
                                        1.0 / 720, 1.0 / 5040, 1.0 / 40320 };
    double p = inv_fact[8];
    for (int k = 7; k >= 0; k--)
        p = p * r + inv_fact[k];
    long m = n >> 5;
    return p * exp2_tab[n & 31] * pow2i((int)(m / 2)) * pow2i((int)(m - m / 2));
}

/* log of a positive finite double: x = 2^e * m, sqrt(1/2) <= m < sqrt(2),
 * log m = 2 atanh(s), s = (m-1)/(m+1), |s| < 0.172. */
static double log_d(double x)
{
    uint64_t u = dbits(x);
    int e = 0;
    if ((u >> 52) == 0) {      /* subnormal: scale up first */
        x *= 0x1p54;
        u = dbits(x);
        e = -54;
    }
    e += (int)(u >> 52) - 1023;
    double m = bitsd((u & 0x000fffffffffffffull) | 0x3ff0000000000000ull);
    if (m > 0x1.6a09e667f3bcdp+0) {
        m *= 0.5;
        e++;
    }
    double s = (m - 1) / (m + 1), s2 = s * s;
    double p = 0;
    for (int k = 23; k >= 3; k -= 2)
        p = (p + 1.0 / k) * s2;
    return (double)e * K_LN2 + 2 * (s + s * p);
}

float k_logf(float x)
{
    uint32_t u = k_float_bits(x);
    if (is_nan(x))
        return x + x;
    if ((u & 0x7fffffffu) == 0)
        return k_bits_float(0xff800000u);          /* -inf */
    if (u >> 31)
        return k_bits_float(0x7fc00000u);          /* NaN */
    if (u == 0x7f800000u)
        return x;
    return (float)log_d(x);
}

/* -1: y not an integer, 0: even integer, 1: odd integer. */
static int int_kind(float y)
{
    uint32_t u = k_float_bits(y) & 0x7fffffffu;
    int e = (int)(u >> 23) - 127;
    if (e < 0)
        return u == 0 ? 0 : -1;
    if (e >= 24)
        return 0;
    uint32_t mant = (u & 0x7fffffu) | 0x800000u;
    if (mant & ((1u << (23 - e)) - 1))
        return -1;
    return (int)((mant >> (23 - e)) & 1);
}

float k_powf(float x, float y)
{
    uint32_t ux = k_float_bits(x), ay = k_float_bits(y) & 0x7fffffffu;
    if (ay == 0 || ux == 0x3f800000u)
        return 1.0f;
    if (is_nan(x) || is_nan(y))
        return x + y;
    int neg = (int)(ux >> 31), kind = int_kind(y);
    float ax = k_fabsf(x);
    if (neg && kind < 0 && ax != 0.0f && ay != 0x7f800000u)
        return k_bits_float(0x7fc00000u);          /* negative ** non-integer */
    float sign = (neg && kind == 1) ? -1.0f : 1.0f;
    if (ay == 0x7f800000u) {                       /* y = +-inf */
        if (ax == 1.0f)
            return 1.0f;
        return ((ax > 1.0f) == (y > 0)) ? k_bits_float(0x7f800000u) : 0.0f;
    }
    if (ax == 0.0f)
        return y < 0 ? sign * k_bits_float(0x7f800000u) : sign * 0.0f;
    if (k_float_bits(ax) == 0x7f800000u)
        return y < 0 ? sign * 0.0f : sign * ax;
    double t = (double)y * log_d(ax);
    if (t > 89)
        return sign * k_bits_float(0x7f800000u);
    if (t < -104)
        return sign * 0.0f;
    return sign * (float)exp_acc_d(t);
}

/* pi/2 in three parts of 33, 33 and 53 bits: n * part is exact for |n| < 2^20. */
#define PIO2_1 0x1.921fb544p+0
#define PIO2_2 0x1.0b4611a6p-34
#define PIO2_3 0x1.3198a2e037073p-69
#define K_2_PI 0x1.45f306dc9c883p-1

static double sin_poly(double r)
{
    double r2 = r * r, p = 0;
    /* r - r^3/3! + ... - r^15/15! */
    static const double c[7] = { -1.0 / 6, 1.0 / 120, -1.0 / 5040, 1.0 / 362880,
                                 -1.0 / 39916800, 1.0 / 6227020800.0, -1.0 / 1307674368000.0 };
    for (int k = 6; k >= 0; k--)
        p = (p + c[k]) * r2;
    return r + r * p;
}

static double cos_poly(double r)
{
    double r2 = r * r, p = 0;
    static const double c[8] = { -1.0 / 2, 1.0 / 24, -1.0 / 720, 1.0 / 40320, -1.0 / 3628800,
                                 1.0 / 479001600, -1.0 / 87178291200.0, 1.0 / 20922789888000.0 };
    for (int k = 7; k >= 0; k--)
        p = (p + c[k]) * r2;
    return 1 + p;
}

/* sin (want_cos = 0) or cos (1) of a finite float. */
static float sincos_f(float x, int want_cos)
{
    if (is_nan(x))
        return x + x;
    if ((k_float_bits(x) & 0x7fffffffu) == 0x7f800000u)
        return k_bits_float(0x7fc00000u);
    double xd = x;
    long n = k_lround(xd * K_2_PI);
    double r = ((xd - (double)n * PIO2_1) - (double)n * PIO2_2) - (double)n * PIO2_3;
    int q = (int)((n + want_cos) & 3);
    double v = (q & 1) ? cos_poly(r) : sin_poly(r);
    return (float)((q & 2) ? -v : v);
}

float k_sinf(float x) { return sincos_f(x, 0); }
float k_cosf(float x) { return sincos_f(x, 1); }

float k_tanhf(float x)
{
    if (is_nan(x))
        return x + x;
    double a = k_fabsf(x), t;
    if (a > 9.1)
        t = 1;                                     /* tanh rounds to 1.0f beyond ~9.01 */
    else if (a < 0x1p-12)
        t = a - a * a * a / 3;
    else
        t = 1 - 2 / (exp_acc_d(2 * a) + 1);
    return (float)((k_float_bits(x) >> 31) ? -t : t);
}

/* ---- half precision, bit-exact with ggml's ggml_compute_fp16_to_fp32 etc. ---- */

float fp16_to_fp32(uint16_t h)
{
    uint32_t sign = (uint32_t)(h & 0x8000u) << 16;
    uint32_t exp = (h >> 10) & 0x1fu, mant = h & 0x3ffu;
    if (exp == 0x1f)   /* inf/NaN; ggml's multiply quiets a signalling NaN */
        return k_bits_float(sign | 0x7f800000u | (mant << 13) | (mant ? 0x400000u : 0));
    if (exp == 0) {
        if (mant == 0)
            return k_bits_float(sign);
        /* subnormal: mant * 2^-24, exact in float */
        int shift = 0;
        while (!(mant & 0x400u)) {
            mant <<= 1;
            shift++;
        }
        return k_bits_float(sign | ((uint32_t)(113 - shift) << 23) | ((mant & 0x3ffu) << 13));
    }
    return k_bits_float(sign | ((exp + 112) << 23) | (mant << 13));
}

float bf16_to_fp32(uint16_t h) { return k_bits_float((uint32_t)h << 16); }

uint16_t fp32_to_bf16(float f)
{
    uint32_t u = k_float_bits(f);
    if ((u & 0x7fffffffu) > 0x7f800000u)
        return (uint16_t)((u >> 16) | 64);         /* quiet NaN */
    return (uint16_t)((u + 0x7fffu + ((u >> 16) & 1)) >> 16);
}
