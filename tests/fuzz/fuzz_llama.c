/* libFuzzer target: model-shape validation. The first bytes choose a small
 * llama/qwen2 model's shape and weight type (tests/host/llama_builder.h),
 * the rest flip bytes of its metadata and tensor table. Whatever comes out
 * is parsed and either refused by llama_load or run for two positions:
 * ASan/UBSan must stay silent (no read or write outside what the model and
 * its run state own). */
#include <math.h>
#include <stdint.h>
#include <stddef.h>
#include "../host/host_file_reader.h"
#include "../host/llama_builder.h"
#include "model/gguf.h"
#include "model/llama.h"
#include "model/model.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint32_t types[] = { 0, 1, 30, 8, 2, 3, 6, 7, 10, 11, 12, 13, 14, 16, 20, 39 };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 8)
        return 0;
    struct lb_spec s = { 0 };
    s.arch = data[0] & 1 ? "qwen2" : (data[0] & 2 ? "llama" : "mamba");
    s.wtype = types[data[1] % (sizeof(types) / sizeof(types[0]))];
    uint32_t unit = s.wtype >= 10 && s.wtype <= 16 ? 256 : 32;
    s.dim = unit * (1 + data[2] % 2) + (data[0] & 0x80 ? 16 : 0);
    s.heads = 1 + data[3] % 8;
    s.kv_heads = 1 + data[4] % 8;
    s.ffn = unit * (1 + data[5] % 2);
    s.layers = data[6] % 3;
    s.vocab = 1 + data[7] % 64;
    s.ctx = 1 + data[0] % 8;
    s.tied = data[0] & 4;
    s.omit_eps = (data[0] & 0x18) == 0x18;
    struct gbuf b = { 0 };
    lb_build(&b, &s);
    /* Flip bytes of the header, metadata and tensor table (not the weights:
     * the data stays finite, as real weights are). */
    size_t header = b.len > 4096 ? 4096 : b.len;
    for (size_t i = 8; i + 2 < size; i += 3) {
        size_t at = ((size_t)data[i] << 8 | data[i + 1]) % header;
        b.data[at] ^= data[i + 2];
    }
    struct mem_source src = { b.data, b.len };
    struct gguf_reader r;
    struct model m;
    struct gguf_error err;
    memset(&m, 0, sizeof(m));
    if (gguf_reader_init(&r, mem_read, &src, b.len, 4096) < 0) {
        free(b.data);
        return 0;
    }
    if (gguf_parse(&r, &m.file, &err) == 0 && model_load_data(&m, &r, NULL, NULL) == 0) {
        struct llama_weights w;
        char why[256];
        if (llama_load(&w, &m.file, m.data, why, sizeof(why)) == 0) {
            struct llama_state st;
            if (w.shape.dim <= 4096 && w.shape.ffn_dim <= 4096 &&
                llama_state_init(&st, &w.shape, 2) == 0) {
                llama_forward(&w, &st, 0, 0);
                llama_forward(&w, &st, (int32_t)(w.shape.vocab - 1), 1);
                llama_state_free(&st);
            }
            llama_free(&w);
        }
    }
    model_free(&m);
    gguf_reader_free(&r);
    free(b.data);
    return 0;
}
