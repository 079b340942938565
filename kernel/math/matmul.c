/* matmul: W (rows x cols, any weight type) times n_tok activation vectors.
 *
 * Generic path: convert every token's activation once, then for each row
 * call the type's vec_dot with every token (the row stays in cache).
 *
 * Faster paths, each bit-identical to vec_dot for every row and token:
 *  - F32 in fixed point (f32_fixed.c), unless exact mode is on (that one is
 *    within an ulp per dot, see f32_fixed.h), from the floats or from
 *    weights re-encoded for it (QT_F32FX);
 *  - Q8_0/Q5_0 with the generic-order kernels: matvec_q8.c for one token,
 *    matmul_q8.c for several;
 *  - Q4_K/Q5_K/Q6_K (generic order): matvec_k.c for one token, matmul_k.c
 *    for several. */
#include "math/f32_fixed.h"
#include "math/matmul.h"
#include "math/matmul_k.h"
#include "math/matmul_q8.h"
#include "math/quant.h"
#include "lib/errno.h"

/* The Q8_0/Q5_0 paths apply: weights whose dot is in the generic float
 * order (every variant but the haswell-order ones is bit-exact with the
 * scalar oracle). */
static int q8_path(const struct quant_type *t)
{
    return (t->type == QT_Q8_0 || t->type == QT_Q5_0) && t->vec_dot_type == QT_Q8_0 &&
           quant_dot_order(t->vec_dot) == QUANT_ORDER_GENERIC;
}

size_t matmul_scratch_bytes(uint32_t type, size_t cols, uint32_t n_tok)
{
    const struct quant_type *t = quant_type_get(type);
    if (!t || !quant_row_bytes(type, cols))
        return 0;
    if (t->type == QT_F32 || t->type == QT_F32FX)
        return f32fx_scratch_bytes(cols, n_tok);   /* 0 where only the exact path runs */
    size_t generic = t->vec_dot_type == QT_F32 ? 0 : n_tok * quant_row_bytes(t->vec_dot_type, cols);
    if (t->type == QT_Q4_K || t->type == QT_Q5_K || t->type == QT_Q6_K) {
        size_t k = n_tok == 1 ? matvec_k_scratch_bytes(cols) : matmul_k_scratch_bytes(cols, n_tok);
        return k > generic ? k : generic;
    }
    if (n_tok == 1)
        return generic;   /* one token: matvec_q8 needs only the converted row, as matvec */
    if (t->type != QT_Q8_0 && t->type != QT_Q5_0)
        return generic;
    size_t q8 = matmul_q8_scratch_bytes(cols, n_tok);   /* whether or not the path is chosen at run time */
    return q8 > generic ? q8 : generic;
}

int matmul(uint32_t type, const void *w, size_t rows, size_t cols, const float *x, size_t ldx, uint32_t n_tok,
           float *out, size_t ldo, void *scratch)
{
    const struct quant_type *t = quant_type_get(type);
    if (!t)
        return -ENOTSUP;
    size_t wrow = quant_row_bytes(type, cols), xrow = quant_row_bytes(t->vec_dot_type, cols);
    if (!wrow || !xrow || n_tok == 0)
        return -EINVAL;
    /* F32 in fixed point unless exact mode; not finite activations (-ERANGE)
     * or too wide rows run the exact path */
    if (type == QT_F32 && !f32fx_exact() && scratch &&
        f32fx_matmul(w, rows, cols, x, ldx, n_tok, out, ldo, scratch, t->vec_dot) == 0)
        return 0;
    if (type == QT_F32FX && !f32fx_exact() && scratch &&
        f32fx_matmul_encoded(w, rows, cols, x, ldx, n_tok, out, ldo, scratch) == 0)
        return 0;
    if (q8_path(t) && n_tok == 1) {
        quant_convert_activations(QT_Q8_0, x, scratch, cols);
        matvec_q8(t, w, rows, cols, scratch, out);
        return 0;
    }
    if (n_tok == 1 && matmul_k_supported(t))
        return matvec_k(t, w, rows, cols, x, out, scratch);
    if (n_tok > 1 && matmul_k_supported(t))
        return matmul_k(t, w, rows, cols, x, ldx, n_tok, out, ldo, scratch);
    if (q8_path(t))
        return matmul_q8(t, w, rows, cols, x, ldx, n_tok, out, ldo, scratch);
    const uint8_t *xc = (const uint8_t *)x;
    if (t->vec_dot_type == QT_F32) {
        xrow = ldx * sizeof(float);
    } else {
        for (uint32_t k = 0; k < n_tok; k++)
            quant_convert_activations(t->vec_dot_type, x + (size_t)k * ldx, (uint8_t *)scratch + k * xrow, cols);
        xc = scratch;
    }
    quant_dot_fn dot = t->vec_dot;
    const uint8_t *row = w;
    for (size_t r = 0; r < rows; r++, row += wrow)
        for (uint32_t k = 0; k < n_tok; k++)
            dot(cols, &out[(size_t)k * ldo + r], row, xc + (size_t)k * xrow);
    return 0;
}
