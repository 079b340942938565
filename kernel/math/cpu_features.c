/* CPU feature detection for the math kernels (see cpu_features.h). */
#include "math/cpu_features.h"
#include <stdint.h>

struct cpu_features cpu_features;
static int simd_level;   /* SIMD_* in force; set by detect, lowered by tests */

static void cpuid2(uint32_t leaf, uint32_t sub, uint32_t r[4])
{
    __asm__ volatile("cpuid" : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3]) : "a"(leaf), "c"(sub));
}

static int max_level(void)
{
    /* AVX2 kernels also use FMA, as ggml's AVX2 build (haswell) does. */
    if (cpu_features.avx2 && cpu_features.fma)
        return SIMD_AVX2;
    return cpu_features.sse2 ? SIMD_SSE2 : SIMD_SCALAR;
}

void cpu_features_detect(void)
{
    uint32_t r[4];
    struct cpu_features f = { 0 };
    cpuid2(0, 0, r);
    uint32_t max_leaf = r[0];
    cpuid2(1, 0, r);
    f.sse2 = (r[3] >> 26) & 1;
    f.ssse3 = (r[2] >> 9) & 1;
    f.sse41 = (r[2] >> 19) & 1;
    int osxsave = (r[2] >> 27) & 1;
    int avx = (r[2] >> 28) & 1;
    int fma = (r[2] >> 12) & 1;
    int f16c = (r[2] >> 29) & 1;
    if (osxsave && avx) {
        uint32_t lo, hi;
        __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
        (void)hi;
        if ((lo & 6) == 6) {   /* SSE and AVX state enabled by the OS */
            f.avx = 1;
            f.fma = fma;
            f.f16c = f16c;
            if (max_leaf >= 7) {
                cpuid2(7, 0, r);
                f.avx2 = (r[1] >> 5) & 1;
            }
        }
    }
    cpu_features = f;
    simd_level = max_level();
}

int cpu_simd_level(void) { return simd_level; }

int cpu_simd_set_level(int level)
{
    int max = max_level();
    simd_level = level < 0 ? 0 : level > max ? max : level;
    return simd_level;
}

const char *cpu_features_best_name(void)
{
    static const char *const names[] = { "scalar", "sse2", "avx2" };
    return names[max_level()];
}
