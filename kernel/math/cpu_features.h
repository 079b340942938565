/* Which vector extensions the CPU offers AND the OS (fpu_init, or the host
 * OS in tests) has enabled. Kernels pick their SIMD variant from this at run
 * time; the scalar variant is always available and is the oracle in tests. */
#ifndef EMBODIOS_MATH_CPU_FEATURES_H
#define EMBODIOS_MATH_CPU_FEATURES_H

struct cpu_features { int sse2, ssse3, sse41, avx, avx2, fma, f16c; };
extern struct cpu_features cpu_features;

/* CPUID (+ XGETBV for AVX state): fills cpu_features. Unprivileged, so the
 * same code runs in the kernel (after fpu_init enabled the state) and on the
 * host. */
void cpu_features_detect(void);

/* "avx2", "sse2" or "scalar": the best variant the dispatch will use. */
const char *cpu_features_best_name(void);

/* Tests and `mathbench` force a lower level: 0 scalar, 1 SSE2, 2 AVX2 (capped
 * by what the CPU has). Returns the level now in force. */
enum { SIMD_SCALAR = 0, SIMD_SSE2 = 1, SIMD_AVX2 = 2 };
int cpu_simd_level(void);
int cpu_simd_set_level(int level);

#endif
