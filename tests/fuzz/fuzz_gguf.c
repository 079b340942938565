/* libFuzzer target: the GGUF reader and, for inputs that parse, the
 * tokenizer built from them. Any crash, leak or sanitizer report is a bug. */
#include <stdint.h>
#include <stddef.h>
#include "../host/host_file_reader.h"
#include "model/gguf.h"
#include "model/tokenizer.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct mem_source src = { data, size };
    struct gguf_reader r;
    struct gguf_file f;
    struct gguf_error err;
    if (gguf_reader_init(&r, mem_read, &src, size, 4096) < 0)
        return 0;
    if (gguf_parse(&r, &f, &err) == 0) {
        struct tokenizer t;
        if (tokenizer_load(&t, &f, &r, &err) == 0) {
            int32_t ids[64];
            tokenizer_encode(&t, "Hello world", 11, 1, ids, 64);
            char out[256];
            tokenizer_decode(&t, ids, 2, out, sizeof(out));
            tokenizer_free(&t);
        }
        gguf_free(&f);
    }
    gguf_reader_free(&r);
    return 0;
}
