/* matvec: convert the activation once, then one dot product per row. */
#include "math/matmul.h"
#include "math/matvec.h"
#include "math/quant.h"
#include "lib/errno.h"

size_t matvec_scratch_bytes(uint32_t type, size_t cols)
{
    /* what matmul needs for one token: the converted row, or more for F32's
     * fixed-point path and the K-quants' split activation */
    return matmul_scratch_bytes(type, cols, 1);
}

int matvec_converted(uint32_t type, const void *w, size_t rows, size_t cols,
                     const void *x_conv, float *out)
{
    const struct quant_type *t = quant_type_get(type);
    if (!t)
        return -ENOTSUP;
    size_t row_bytes = quant_row_bytes(type, cols);
    if (!row_bytes || !quant_row_bytes(t->vec_dot_type, cols))
        return -EINVAL;
    quant_dot_fn dot = t->vec_dot;
    const uint8_t *row = w;
    for (size_t r = 0; r < rows; r++, row += row_bytes)
        dot(cols, &out[r], row, x_conv);
    return 0;
}

int matvec(uint32_t type, const void *w, size_t rows, size_t cols,
           const float *x, float *out, void *scratch)
{
    const struct quant_type *t = quant_type_get(type);
    if (!t)
        return -ENOTSUP;
    if (!quant_row_bytes(type, cols) || !quant_row_bytes(t->vec_dot_type, cols))
        return -EINVAL;
    if (type == QT_F32 || type == QT_F32FX)   /* fixed point or ggml's order, as matmul chooses */
        return matmul(type, w, rows, cols, x, cols, 1, out, rows, scratch);
    const void *xc = x;
    if (t->vec_dot_type != QT_F32) {
        quant_convert_activations(t->vec_dot_type, x, scratch, cols);
        xc = scratch;
    }
    return matvec_converted(type, w, rows, cols, xc, out);
}
