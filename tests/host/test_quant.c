/* kernel/math's weight types against ggml itself (the prebuilt llama.cpp
 * libraries that `make models` installs; a hard requirement of this suite):
 *   (a) dequantization: bit-exact with libggml-base's to_float, every type;
 *   (b) activation conversion: bit-exact with libggml-cpu's from_float, the
 *       generic build (libggml-cpu-x64.so, what llama.cpp loads on qemu64)
 *       against our SIMD_SCALAR path, and the AVX2 build (haswell, -cpu max)
 *       against our SIMD_AVX2 path;
 *   (c) vec_dot: our scalar kernels against x64's vec_dot, bit-exact (same
 *       order of float operations); our AVX2 kernels against haswell's;
 *   (d) SIMD variants against the scalar oracle, within the tolerance of a
 *       different float summation order.
 * fp16 <-> fp32 also against libggml-base's ggml_fp16_to_fp32/ggml_fp32_to_fp16. */
#include <dlfcn.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ggml.h"
#include "ggml-cpu.h"

#include "check.h"
#include "math/cpu_features.h"
#include "math/kmath.h"
#include "math/mathbench.h"
#include "math/matvec.h"
#include "math/quant.h"
#include "quantizer.h"

#ifndef GGML_BIN_DIR
#error "GGML_BIN_DIR: the directory of the prebuilt llama.cpp libraries"
#endif

struct ggml_cpu_lib {
    const char *name;
    void *handle;
    const struct ggml_type_traits_cpu *(*traits)(enum ggml_type);
};

static int load_cpu_lib(struct ggml_cpu_lib *lib, const char *file)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", GGML_BIN_DIR, file);
    lib->name = file;
    lib->handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!lib->handle) {
        fprintf(stderr, "test_quant: cannot load %s: %s (run `make models`)\n", path, dlerror());
        return -1;
    }
    void (*init)(void) = (void (*)(void))dlsym(lib->handle, "ggml_cpu_init");
    lib->traits = (const struct ggml_type_traits_cpu *(*)(enum ggml_type))dlsym(lib->handle, "ggml_get_type_traits_cpu");
    if (!init || !lib->traits)
        return -1;
    init();
    return 0;
}

static uint64_t rng = 0x243f6a8885a308d3ull;
static uint32_t rnd32(void)
{
    rng ^= rng << 13; rng ^= rng >> 7; rng ^= rng << 17;
    return (uint32_t)(rng >> 16);
}
static float rnd_float(void) { return ((float)(rnd32() >> 8) / 16777216.0f) * 2 - 1; }
/* A finite fp16 scale of moderate size (2^-12 .. 2^2), either sign unless positive. */
static uint16_t rnd_scale(int positive)
{
    float v = (0.5f + (float)(rnd32() & 0xffff) / 65536.0f) * ldexpf(1.0f, (int)(rnd32() % 15) - 12);
    if (!positive && (rnd32() & 1))
        v = -v;
    return fp32_to_fp16(v);
}

/* Random bytes with the fp16 fields replaced by finite scales. */
static void random_blocks(uint32_t type, uint8_t *buf, size_t nblocks, size_t bb)
{
    for (size_t i = 0; i < nblocks * bb; i++)
        buf[i] = (uint8_t)rnd32();
    for (size_t b = 0; b < nblocks; b++) {
        uint8_t *p = buf + b * bb;
        uint16_t *h;
        switch (type) {
        case QT_F32:
            for (size_t k = 0; k < bb; k += 4)
                *(float *)(p + k) = rnd_float();
            break;
        case QT_F16:
            *(uint16_t *)p = fp32_to_fp16(rnd_float());
            break;
        case QT_BF16:
            *(uint16_t *)p = fp32_to_bf16(rnd_float());
            break;
        case QT_Q4_0: case QT_Q5_0: case QT_Q8_0:
            *(uint16_t *)p = rnd_scale(0);
            break;
        case QT_Q4_1: case QT_Q5_1:
            h = (uint16_t *)p;
            h[0] = rnd_scale(0);
            h[1] = rnd_scale(0);
            break;
        case QT_Q2_K:
            h = (uint16_t *)(p + offsetof(struct block_q2_K, d));
            h[0] = rnd_scale(1);
            h[1] = rnd_scale(1);
            break;
        case QT_Q3_K:
            *(uint16_t *)(p + offsetof(struct block_q3_K, d)) = rnd_scale(1);
            break;
        case QT_Q4_K: case QT_Q5_K:
            h = (uint16_t *)p;
            h[0] = rnd_scale(1);
            h[1] = rnd_scale(1);
            break;
        case QT_Q6_K:
            *(uint16_t *)(p + offsetof(struct block_q6_K, d)) = rnd_scale(1);
            break;
        }
    }
}

static const uint32_t all_types[] = { QT_F32, QT_F16, QT_BF16, QT_Q4_0, QT_Q4_1, QT_Q5_0, QT_Q5_1,
                                      QT_Q8_0, QT_Q2_K, QT_Q3_K, QT_Q4_K, QT_Q5_K, QT_Q6_K };
#define NTYPES (sizeof(all_types) / sizeof(all_types[0]))

static void copy_f32(const void *src, float *dst, int64_t n) { memcpy(dst, src, (size_t)n * 4); }

/* (a) every type, 64 rows of 1024 elements of random blocks. */
static void test_dequant(void)
{
    enum { N = 1024, ROWS = 64 };
    float *mine = malloc(N * sizeof(float)), *ref = malloc(N * sizeof(float));
    for (size_t t = 0; t < NTYPES; t++) {
        const struct quant_type *qt = quant_type_get(all_types[t]);
        const struct ggml_type_traits *gt = ggml_get_type_traits((enum ggml_type)all_types[t]);
        CHECK(qt && gt);
        if (!qt || !gt)
            continue;
        /* ggml has no to_float for F32 (it is the identity) */
        void (*to_float)(const void *, float *, int64_t) = gt->to_float ? gt->to_float : copy_f32;
        CHECK_EQ_INT(quant_row_bytes(qt->type, N), ggml_row_size((enum ggml_type)qt->type, N));
        size_t bytes = quant_row_bytes(qt->type, N);
        uint8_t *w = malloc(bytes);
        int bad = 0;
        for (int r = 0; r < ROWS; r++) {
            random_blocks(qt->type, w, N / qt->block_size, qt->block_size == 1 ? qt->block_bytes : qt->block_bytes);
            if (qt->block_size == 1)
                random_blocks(qt->type, w, N, qt->block_bytes);
            qt->dequantize_row(w, mine, N);
            to_float(w, ref, N);
            if (memcmp(mine, ref, N * sizeof(float)) != 0)
                bad++;
        }
        if (bad)
            fprintf(stderr, "  dequant %s: %d of %d rows differ\n", qt->name, bad, ROWS);
        CHECK_EQ_INT(bad, 0);
        free(w);
    }
    printf("  (a) dequantization of %zu types: compared bit for bit with ggml\n", NTYPES);
    free(mine);
    free(ref);
}

/* Activations with rounding ties: a block whose largest magnitude is 127
 * (so the scale is exactly 1) holding values k + 0.5. */
static void activation_vector(float *x, size_t n, int kind)
{
    for (size_t i = 0; i < n; i++)
        x[i] = rnd_float() * (kind == 1 ? 3.0f : 1.0f);
    if (kind == 2)
        for (size_t i = 0; i < n; i++)
            x[i] = (i % 32 == 0) ? 127.0f : (float)((int)(rnd32() % 253) - 126) + 0.5f;
    if (kind == 3)
        for (size_t i = 0; i < n; i++)
            x[i] = (i % 300 < 40) ? 0.0f : x[i];   /* all-zero blocks */
}

static int same_conversion(uint32_t vdt, const void *a, const void *b, size_t n)
{
    if (vdt != QT_Q8_K)
        return memcmp(a, b, quant_row_bytes(vdt, n)) == 0;
    const struct block_q8_K *x = a, *y = b;
    for (size_t i = 0; i < n / QK_K; i++) {   /* bsums are left unset by ggml for all-zero blocks */
        if (memcmp(&x[i].d, &y[i].d, 4) || memcmp(x[i].qs, y[i].qs, QK_K))
            return 0;
        if (x[i].d != 0 && memcmp(x[i].bsums, y[i].bsums, sizeof x[i].bsums))
            return 0;
    }
    return 1;
}

/* (b) our conversion at `level` against `lib`'s from_float. */
static void test_convert(struct ggml_cpu_lib *lib, int level)
{
    enum { N = 4096 };
    static const uint32_t vdts[] = { QT_F16, QT_BF16, QT_Q8_0, QT_Q8_1, QT_Q8_K };
    cpu_simd_set_level(level);
    float *x = malloc(N * sizeof(float));
    uint8_t *mine = malloc(N * 4), *ref = malloc(N * 4);
    for (size_t v = 0; v < sizeof vdts / sizeof vdts[0]; v++) {
        int bad = 0;
        for (int rep = 0; rep < 40; rep++) {
            activation_vector(x, N, rep % 4);
            memset(mine, 0, N * 4);
            memset(ref, 0, N * 4);
            quant_convert_activations(vdts[v], x, mine, N);
            lib->traits((enum ggml_type)vdts[v])->from_float(x, ref, N);
            if (!same_conversion(vdts[v], mine, ref, N))
                bad++;
        }
        if (bad)
            fprintf(stderr, "  convert to %s: %d of 40 vectors differ from %s\n",
                    ggml_type_name((enum ggml_type)vdts[v]), bad, lib->name);
        CHECK_EQ_INT(bad, 0);
    }
    printf("  (b) activation conversion at level %d: compared bit for bit with %s\n", level, lib->name);
    free(x);
    free(mine);
    free(ref);
}

/* Relative difference, scaled by the sum of |products| (the size of the
 * rounding errors a different summation order can make). */
static double rel_diff(float a, float b, double scale) { return fabs((double)a - (double)b) / (scale > 0 ? scale : 1); }

/* The values a converted activation stands for (for the error scale only). */
static void activation_values(uint32_t vdt, const void *xq, float *xd, size_t n)
{
    if (vdt == QT_F32) {
        memcpy(xd, xq, n * 4);
    } else if (vdt == QT_Q8_1) {
        const struct block_q8_1 *b = xq;
        for (size_t i = 0; i < n; i++)
            xd[i] = b[i / 32].qs[i % 32] * fp16_to_fp32(b[i / 32].d);
    } else if (vdt == QT_Q8_K) {
        const struct block_q8_K *b = xq;
        for (size_t i = 0; i < n; i++)
            xd[i] = b[i / QK_K].qs[i % QK_K] * b[i / QK_K].d;
    } else {
        ggml_get_type_traits((enum ggml_type)vdt)->to_float(xq, xd, (int64_t)n);
    }
}

/* (c)+(d): dot products. At `level`, our vec_dot against `lib`'s; exact when
 * `exact`, else within tol (relative to sum |w_i x_i|). */
static void test_dot(struct ggml_cpu_lib *lib, int level, int exact_all)
{
    enum { N = 4096, ROWS = 48 };
    cpu_simd_set_level(level);
    float *x = malloc(N * sizeof(float)), *wf = malloc(N * sizeof(float));
    uint8_t *xq = malloc(N * 4);
    for (size_t t = 0; t < NTYPES; t++) {
        const struct quant_type *qt = quant_type_get(all_types[t]);
        const struct ggml_type_traits_cpu *ct = lib->traits((enum ggml_type)qt->type);
        CHECK_EQ_INT(ct->vec_dot_type, qt->vec_dot_type);
        size_t bytes = quant_row_bytes(qt->type, N);
        uint8_t *w = malloc(bytes);
        /* our AVX2 kernels reproduce the haswell build's float order exactly,
         * our SSE2 kernels the generic one (the scalar oracle's) */
        int haswell = quant_dot_order(qt->vec_dot) == QUANT_ORDER_HASWELL;
        int generic = quant_dot_order(qt->vec_dot) == QUANT_ORDER_GENERIC;
        int exact = (exact_all && generic) || haswell;
        int bad = 0;
        double worst = 0, worst_oracle = 0;
        for (int r = 0; r < ROWS; r++) {
            random_blocks(qt->type, w, N / qt->block_size, qt->block_bytes);
            activation_vector(x, N, r % 2);
            if (qt->vec_dot_type == QT_F32)
                memcpy(xq, x, N * 4);
            else
                lib->traits((enum ggml_type)qt->vec_dot_type)->from_float(x, xq, N);   /* the same input for both */
            float mine, ref, oracle;
            quant_dot_fn dot = qt->vec_dot;
            if (level == SIMD_AVX2 && qt->type == QT_Q8_0 && r % 2)   /* the unused haswell kernels too */
                dot = dot_q8_0_avx2;
            if (level == SIMD_AVX2 && qt->type == QT_Q4_0 && r % 2)
                dot = dot_q4_0_avx2;
            haswell = quant_dot_order(dot) == QUANT_ORDER_HASWELL;
            generic = quant_dot_order(dot) == QUANT_ORDER_GENERIC;
            exact = (exact_all && generic) || haswell;
            dot(N, &mine, w, xq);
            qt->vec_dot_scalar(N, &oracle, w, xq);
            ct->vec_dot(N, &ref, 0, w, 0, xq, 0, 1);
            /* scale: sum |w_i * x_i| in double from the dequantized values */
            float *xd = malloc(N * sizeof(float));
            qt->dequantize_row(w, wf, N);
            activation_values(qt->vec_dot_type, xq, xd, N);
            double scale = 0;
            for (int i = 0; i < N; i++)
                scale += fabs((double)wf[i] * xd[i]);
            free(xd);
            double d = rel_diff(mine, ref, scale), dor = rel_diff(mine, oracle, scale);
            worst = d > worst ? d : worst;
            worst_oracle = dor > worst_oracle ? dor : worst_oracle;
            if ((exact ? memcmp(&mine, &ref, 4) != 0 : !(d <= 1e-6)) && bad++ < 3)
                fprintf(stderr, "    %s row %d: %a, %s %a\n", qt->name, r, (double)mine, lib->name, (double)ref);
            if ((generic ? memcmp(&mine, &oracle, 4) != 0 : !(dor <= 1e-6)) && bad++ < 3)
                fprintf(stderr, "    %s row %d: %a, scalar %a\n", qt->name, r, (double)mine, (double)oracle);
        }
        printf("    %-4s %s: max |diff| / sum|w x| = %.2e vs %s, %.2e vs scalar\n", qt->name,
               qt->vec_dot == qt->vec_dot_scalar ? "scalar" : "simd  ", worst, lib->name, worst_oracle);
        CHECK_EQ_INT(bad, 0);
        free(w);
    }
    printf("  (c) vec_dot at level %d against %s (%s)\n", level, lib->name,
           "kernels in that build's order bit-exact, the others within 1e-6");
    free(x);
    free(wf);
    free(xq);
}

static void test_fp16_against_ggml(void)
{
    int bad = 0;
    for (uint32_t h = 0; h < 65536; h++) {
        float a = fp16_to_fp32((uint16_t)h), b = ggml_fp16_to_fp32((ggml_fp16_t)h);
        if (memcmp(&a, &b, 4) != 0 && bad++ < 5)
            fprintf(stderr, "  fp16 %04x: %08x, ggml %08x\n", h, k_float_bits(a), k_float_bits(b));
    }
    for (int i = 0; i < 2000000; i++) {
        uint32_t u = rnd32();
        float f;
        memcpy(&f, &u, 4);
        if (fp32_to_fp16(f) != ggml_fp32_to_fp16(f) && bad++ < 5)
            fprintf(stderr, "  fp16(%08x): %04x, ggml %04x\n", u, fp32_to_fp16(f), ggml_fp32_to_fp16(f));
        if (fp32_to_bf16(f) != ggml_fp32_to_bf16(f).bits && bad++ < 5)
            fprintf(stderr, "  bf16(%08x): %04x, ggml %04x\n", u, fp32_to_bf16(f), ggml_fp32_to_bf16(f).bits);
    }
    printf("  fp16/bf16 against libggml-base: %d mismatches\n", bad);
    CHECK_EQ_INT(bad, 0);
}

static void test_matvec_api(void)
{
    enum { ROWS = 8, COLS = 256 };
    float x[COLS], out[ROWS], ref[ROWS], wf[COLS];
    static uint8_t w[ROWS * 210];
    static uint8_t scratch[2048];
    random_blocks(QT_Q6_K, w, ROWS, sizeof(struct block_q6_K));
    activation_vector(x, COLS, 0);
    CHECK(matvec_scratch_bytes(QT_Q6_K, COLS) <= sizeof scratch);
    CHECK_EQ_INT(matvec(QT_Q6_K, w, ROWS, COLS, x, out, scratch), 0);
    const struct quant_type *qt = quant_type_get(QT_Q6_K);
    quant_convert_activations(QT_Q8_K, x, scratch, COLS);
    for (int r = 0; r < ROWS; r++)
        qt->vec_dot(COLS, &ref[r], w + r * 210, scratch);
    CHECK(memcmp(out, ref, sizeof out) == 0);
    /* F32 matvec against dequantized arithmetic */
    float wf32[ROWS * COLS];
    for (int i = 0; i < ROWS * COLS; i++)
        wf32[i] = rnd_float();
    CHECK_EQ_INT(matvec(QT_F32, wf32, ROWS, COLS, x, out, 0), 0);
    memcpy(wf, wf32, sizeof wf);
    double s = 0;
    for (int i = 0; i < COLS; i++)
        s += (double)(wf[i] * x[i]);
    CHECK(out[0] == (float)s || cpu_simd_level() == SIMD_AVX2);
    CHECK_EQ_INT(matvec(QT_Q4_K, w, ROWS, 100, x, out, scratch), -22);   /* -EINVAL */
    CHECK_EQ_INT(matvec(QT_Q8_K, w, ROWS, 256, x, out, scratch), -95);   /* -ENOTSUP */
    CHECK_EQ_INT(matvec(16, w, ROWS, 256, x, out, scratch), -95);        /* IQ2_XXS */
    CHECK(quant_type_get(QT_Q8_1) == NULL);
}

/* The test-model quantizer (tools/quantize): relative RMS error of
 * gaussian rows, dequantized by ggml itself, below a bound per type (about
 * 1.5x what it measures; a broken encoder gives errors near 1). */
static void test_quantizer(void)
{
    enum { N = 4096 };
    static const struct { uint32_t type; double bound; } cases[] = {
        { QT_F32, 0 }, { QT_F16, 1e-3 }, { QT_BF16, 6e-3 }, { QT_Q8_0, 1.2e-2 },
        { QT_Q4_0, 0.15 }, { QT_Q4_1, 0.15 }, { QT_Q5_0, 0.075 }, { QT_Q5_1, 0.075 },
        { QT_Q2_K, 0.6 }, { QT_Q3_K, 0.3 }, { QT_Q4_K, 0.15 }, { QT_Q5_K, 0.075 }, { QT_Q6_K, 0.04 },
    };
    float *x = malloc(N * 4), *y = malloc(N * 4);
    uint8_t *q = malloc(N * 4);
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        double err = 0, ref = 0;
        for (int rep = 0; rep < 8; rep++) {
            for (int i = 0; i < N; i++) {   /* Box-Muller, sd 0.02, plus a few outliers */
                double u1 = (rnd32() + 1.0) / 4294967297.0, u2 = rnd32() / 4294967296.0;
                x[i] = (float)(0.02 * sqrt(-2 * log(u1)) * cos(6.283185307179586 * u2));
                if (rnd32() % 500 == 0)
                    x[i] *= 8;
            }
            CHECK_EQ_INT(quantize_row(cases[c].type, x, q, N), 0);
            const struct ggml_type_traits *gt = ggml_get_type_traits((enum ggml_type)cases[c].type);
            if (gt->to_float)
                gt->to_float(q, y, N);
            else
                memcpy(y, q, N * 4);
            for (int i = 0; i < N; i++) {
                err += ((double)y[i] - x[i]) * ((double)y[i] - x[i]);
                ref += (double)x[i] * x[i];
            }
        }
        double rel = sqrt(err / ref);
        printf("    quantizer %-4s: relative RMS error %.4f (bound %.4f)\n",
               ggml_type_name((enum ggml_type)cases[c].type), rel, cases[c].bound);
        CHECK(rel <= cases[c].bound);
    }
    free(x);
    free(y);
    free(q);
}

/* `test_quant --checksum TYPE ROWS COLS LEVEL`: the checksum the kernel's
 * `mathbench` prints for the same weights (mathbench_fill, seed 12345), so
 * tests/qemu/test_math.py can check the kernel computes bit for bit what
 * the host computes with the same code. */
static int checksum_mode(char **argv)
{
    int type = quantize_type_from_name(argv[0]);
    size_t rows = strtoul(argv[1], NULL, 10), cols = strtoul(argv[2], NULL, 10);
    if (type < 0 || !quant_row_bytes((uint32_t)type, cols) || rows == 0)
        return 2;
    cpu_simd_set_level(atoi(argv[3]));
    void *w = malloc(quant_row_bytes((uint32_t)type, cols) * rows);
    float *x = malloc(cols * 4), *out = malloc(rows * 4);
    void *scratch = malloc(matvec_scratch_bytes((uint32_t)type, cols) + 64);
    mathbench_fill((uint32_t)type, w, rows, cols, x, 12345);
    if (matvec((uint32_t)type, w, rows, cols, x, out, scratch) < 0)
        return 1;
    printf("%08x\n", mathbench_checksum(out, rows));
    free(w); free(x); free(out); free(scratch);
    return 0;
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    cpu_features_detect();
    if (argc == 6 && strcmp(argv[1], "--checksum") == 0)
        return checksum_mode(argv + 2);
    struct ggml_cpu_lib x64, haswell;
    if (load_cpu_lib(&x64, "libggml-cpu-x64.so") < 0) {
        CHECK(!"libggml-cpu-x64.so loads");
        return check_summary("test_quant");
    }
    test_fp16_against_ggml();
    test_dequant();
    test_quantizer();
    test_matvec_api();
    test_convert(&x64, SIMD_SCALAR);
    test_dot(&x64, SIMD_SCALAR, 1);
    test_dot(&x64, SIMD_SSE2, 1);   /* SSE2 kernels: the generic order, bit-exact */
    quant_set_fast_mode(1);          /* float-lane F32/F16: within 1e-6 of x64 and the oracle */
    test_dot(&x64, SIMD_SSE2, 1);
    quant_set_fast_mode(0);
    if (cpu_features.avx2 && cpu_features.fma && load_cpu_lib(&haswell, "libggml-cpu-haswell.so") == 0) {
        test_convert(&haswell, SIMD_AVX2);
        test_dot(&haswell, SIMD_AVX2, 0);
    } else {
        printf("  this CPU has no AVX2+FMA: AVX2 variants not tested\n");
    }
    return check_summary("test_quant");
}
