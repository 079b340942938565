/* mathbench [type...] [--rows R --cols C] [--reps N] [--fast] [--exact] [--decode | --prompt T]:
 * times matvec per weight
 * type at every SIMD level the CPU has (scalar, SSE2, AVX2), with the
 * calibrated TSC. Default: the hot types for the 15M model's shapes,
 * 768x288 (an FFN matrix) and 32000x288 (the output matrix); 256 columns
 * for the K-quants, whose rows are multiples of 256. --fast: F32/F16 in
 * float lanes (quant_set_fast_mode) instead of ggml's order; --exact: F32 in
 * ggml's order instead of fixed point (math/f32_fixed.h). --decode:
 * time matmul with one token (what generation runs: Q8_0/Q5_0 four rows at
 * a time, the K-quants' split-activation path) instead of one vec_dot per
 * row; the checksums must be the same as without it. --prompt T: matmul
 * with T tokens (prompt evaluation's path); the checksum covers every
 * token's output, the time is per call (all T tokens). The work that
 * touches floats is in kernel/math (this file is general-registers-only). */
#include "core/heap.h"
#include "core/printk.h"
#include "core/time.h"
#include "lib/errno.h"
#include "lib/format.h"
#include "lib/string.h"
#include "math/cpu_features.h"
#include "math/f32_fixed.h"
#include "math/mathbench.h"
#include "math/matmul.h"
#include "math/matvec.h"
#include "math/quant.h"
#include "shell/command.h"

static const uint32_t default_types[] = { QT_F32, QT_F16, QT_Q8_0, QT_Q4_0, QT_Q4_K, QT_Q6_K };

static int parse_type(const char *s, uint32_t *out)
{
    static const uint32_t all[] = { QT_F32, QT_F32FX, QT_F16, QT_BF16, QT_Q4_0, QT_Q4_1, QT_Q5_0, QT_Q5_1,
                                    QT_Q8_0, QT_Q2_K, QT_Q3_K, QT_Q4_K, QT_Q5_K, QT_Q6_K };
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) {
        const char *n = quant_type_get(all[i])->name;
        size_t k = 0;
        while (n[k] && s[k] && (n[k] | 0x20) == (s[k] | 0x20))
            k++;
        if (!n[k] && !s[k]) {
            *out = all[i];
            return 0;
        }
    }
    return -EINVAL;
}

/* One type, one shape: microseconds per matvec at each level. */
static uint32_t bench_tokens;   /* 0: matvec; 1: --decode; more: --prompt T */

static void run(uint32_t type, const void *w, size_t rows, size_t cols, const float *x, float *out, void *scratch)
{
    if (bench_tokens)
        matmul(type, w, rows, cols, x, cols, bench_tokens, out, rows, scratch);
    else
        matvec(type, w, rows, cols, x, out, scratch);
}

static int bench_one(uint32_t type, size_t rows, size_t cols, unsigned reps)
{
    size_t wbytes = quant_row_bytes(type, cols) * rows;
    if (!wbytes) {
        printk("  %s: %lu columns is not a multiple of the block size\n", quant_type_get(type)->name, cols);
        return -EINVAL;
    }
    const uint32_t ntok = bench_tokens ? bench_tokens : 1;
    size_t sbytes = bench_tokens > 1 ? matmul_scratch_bytes(type, cols, ntok) : matvec_scratch_bytes(type, cols);
    void *w = kmalloc(wbytes);
    float *x = kmalloc(ntok * cols * sizeof(float)), *out = kmalloc(ntok * rows * sizeof(float));
    void *scratch = kmalloc(sbytes + 64);
    if (!w || !x || !out || !scratch) {
        kfree(w); kfree(x); kfree(out); kfree(scratch);
        printk("  %s %lux%lu: out of memory\n", quant_type_get(type)->name, rows, cols);
        return -ENOMEM;
    }
    mathbench_fill(type, w, rows, cols, x, 12345);
    mathbench_fill_x(x + cols, (ntok - 1) * cols, 777);
    int saved = cpu_simd_level(), max = cpu_simd_set_level(SIMD_AVX2);
    printk("  %-5s %5lux%-4lu %6lu KB:", quant_type_get(type)->name, rows, cols, wbytes / 1024);
    for (int level = 0; level <= max; level++) {
        cpu_simd_set_level(level);
        run(type, w, rows, cols, x, out, scratch);   /* warm up */
        /* the minimum: other processes on the host stall the emulator at times */
        uint64_t us = ~0ull;
        for (unsigned r = 0; r < reps; r++) {
            uint64_t t0 = time_us();
            run(type, w, rows, cols, x, out, scratch);
            uint64_t dt = time_us() - t0;
            us = dt < us ? dt : us;
        }
        static const char *const names[] = { "scalar", "sse2", "avx2" };
        printk(" %s %lu.%03lu ms (%08x)", names[level], us / 1000, us % 1000, mathbench_checksum(out, ntok * rows));
    }
    printk("\n");
    cpu_simd_set_level(saved);
    quant_select_variants();
    kfree(w); kfree(x); kfree(out); kfree(scratch);
    return 0;
}

static int cmd_mathbench(int argc, char **argv)
{
    uint32_t types[16];
    size_t ntypes = 0, rows = 0, cols = 0;
    unsigned reps = 5;
    unsigned long long v;
    int fast = 0, exact = 0;
    bench_tokens = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--fast") || !strcmp(argv[i], "--exact")) {
            *(argv[i][2] == 'f' ? &fast : &exact) = 1;
            continue;
        }
        if (!strcmp(argv[i], "--decode")) {
            bench_tokens = 1;
            continue;
        }
        if (!strcmp(argv[i], "--prompt")) {
            if (i + 1 >= argc || parse_u64(argv[i + 1], &v) < 0 || v < 2 || v > 512) {
                printk("mathbench: --prompt needs a token count from 2 to 512\n");
                return -EINVAL;
            }
            bench_tokens = (uint32_t)v;
            i++;
            continue;
        }
        int opt = i + 1 < argc && (!strcmp(argv[i], "--rows") || !strcmp(argv[i], "--cols") ||
                                   !strcmp(argv[i], "--reps"));
        if (opt) {
            if (parse_u64(argv[i + 1], &v) < 0 || v > (1u << 20))
                return shell_usage("mathbench");
            if (argv[i][2] == 'r' && argv[i][3] == 'o')
                rows = (size_t)v;
            else if (argv[i][2] == 'c')
                cols = (size_t)v;
            else
                reps = (unsigned)v;
            i++;
        } else if (ntypes < 16 && parse_type(argv[i], &types[ntypes]) == 0)
            ntypes++;
        else
            return shell_usage("mathbench");
    }
    if (!ntypes) {
        memcpy(types, default_types, sizeof default_types);
        ntypes = sizeof default_types / sizeof default_types[0];
    }
    if (reps == 0 || reps > 1000)
        return shell_usage("mathbench");
    quant_set_fast_mode(fast);
    f32fx_set_exact(exact);
    if (bench_tokens > 1)
        printk("matmul (%u tokens) time per call (minimum of %u; 3 for 32000 rows), checksum of the outputs in ()\n",
               bench_tokens, reps);
    else
        printk("%s time per call (minimum of %u; 3 for 32000 rows), checksum of the output in ()\n",
               bench_tokens ? "matmul (one token)" : "matvec", reps);
    for (size_t t = 0; t < ntypes; t++) {
        /* default width: 288 (the 15M model), 256 for the K-quants (their block) */
        size_t c = cols ? cols : quant_type_get(types[t])->block_size == QK_K ? 256 : 288;
        if (rows) {
            bench_one(types[t], rows, c, reps);
        } else {
            bench_one(types[t], 768, c, reps);
            bench_one(types[t], 32000, c, reps > 3 ? 3 : reps);
        }
        if (shell_poll_interrupt()) {
            printk("mathbench: interrupted\n");
            break;
        }
    }
    quant_set_fast_mode(0);
    f32fx_set_exact(0);
    return 0;
}

static const struct shell_command math_commands[] = {
    { "mathbench", "mathbench [type...] [--rows R] [--cols C] [--reps N] [--fast] [--exact] [--decode | --prompt T]",
      "time matvec (or matmul: --decode one token, --prompt T tokens) per weight type at each SIMD level", cmd_mathbench, 0 },
};

void math_commands_register(void)
{
    shell_register(math_commands, sizeof(math_commands) / sizeof(math_commands[0]));
}
