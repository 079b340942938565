/* quantize TYPE ROWS COLS < rows.f32 > rows.blocks
 * Reads ROWS*COLS little-endian float32 values from stdin, writes ROWS rows
 * of ggml blocks of TYPE (f32 f16 bf16 q4_0 q4_1 q5_0 q5_1 q8_0 q2_k q3_k
 * q4_k q5_k q6_k) to stdout. COLS must be a multiple of the block size (32,
 * or 256 for the K-quants). Exit status 2 on bad arguments, 1 on I/O errors. */
#include <stdio.h>
#include <stdlib.h>

#include "math/quant.h"
#include "quantizer.h"

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: quantize TYPE ROWS COLS < f32 > blocks\n");
        return 2;
    }
    int type = quantize_type_from_name(argv[1]);
    long rows = strtol(argv[2], NULL, 10), cols = strtol(argv[3], NULL, 10);
    size_t row_bytes = type < 0 || cols <= 0 ? 0 : quant_row_bytes((uint32_t)type, (size_t)cols);
    if (type < 0 || rows <= 0 || !row_bytes) {
        fprintf(stderr, "quantize: bad type or shape (%s %s %s): COLS must be a multiple of the block size\n",
                argv[1], argv[2], argv[3]);
        return 2;
    }
    float *x = malloc((size_t)cols * sizeof(float));
    void *out = malloc(row_bytes);
    if (!x || !out)
        return 1;
    for (long r = 0; r < rows; r++) {
        if (fread(x, sizeof(float), (size_t)cols, stdin) != (size_t)cols) {
            fprintf(stderr, "quantize: short input at row %ld\n", r);
            return 1;
        }
        quantize_row((uint32_t)type, x, out, (size_t)cols);
        if (fwrite(out, 1, row_bytes, stdout) != row_bytes)
            return 1;
    }
    free(x);
    free(out);
    return fflush(stdout) == 0 ? 0 : 1;
}
