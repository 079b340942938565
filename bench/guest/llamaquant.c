/* llamaquant: llama.cpp's own quantizer (llama_model_quantize from the
 * prebuilt libllama), so the benchmark runs files exactly as a user would
 * make them with llama-quantize.
 *
 *   llamaquant IN.gguf OUT.gguf TYPE       TYPE: Q8_0, Q4_0, Q4_K_M, Q5_K_M, Q6_K
 *
 * Rows whose length is not a multiple of 256 (the 15M shape's 288) get
 * llama.cpp's fallback types for the K-quants, as they would for any user.
 */
#include <stdio.h>
#include <string.h>
#include "llama.h"

static const struct { const char *name; enum llama_ftype ftype; } TYPES[] = {
    { "Q8_0", LLAMA_FTYPE_MOSTLY_Q8_0 },     { "Q4_0", LLAMA_FTYPE_MOSTLY_Q4_0 },
    { "Q4_K_M", LLAMA_FTYPE_MOSTLY_Q4_K_M }, { "Q5_K_M", LLAMA_FTYPE_MOSTLY_Q5_K_M },
    { "Q6_K", LLAMA_FTYPE_MOSTLY_Q6_K },
};

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: %s IN.gguf OUT.gguf TYPE\n", argv[0]);
        return 2;
    }
    for (size_t i = 0; i < sizeof(TYPES) / sizeof(TYPES[0]); i++) {
        if (strcmp(argv[3], TYPES[i].name) != 0)
            continue;
        llama_backend_init();
        struct llama_model_quantize_params qp = llama_model_quantize_default_params();
        qp.ftype = TYPES[i].ftype;
        qp.nthread = 1;
        return llama_model_quantize(argv[1], argv[2], &qp) == 0 ? 0 : 1;
    }
    fprintf(stderr, "llamaquant: unknown type %s\n", argv[3]);
    return 2;
}
