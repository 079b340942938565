/* After help's command list: if the first disk starts with a GGUF file
 * (make run's default disk holds the Austen model), say so and how to use
 * it. Reads only the first 4 KiB through the block layer; everything in it
 * is untrusted and bounds-checked, and the name is printed escaped. Not at
 * boot: a disk that accepts requests but completes none (a dead backend)
 * would hold the boot for the driver's timeouts and resets (a minute). */
#include "block/block.h"
#include "core/printk.h"
#include "lib/string.h"
#include "model/gguf.h"
#include "shell/model_commands.h"
#include "shell/text_escape.h"

#define HINT_BYTES 4096
#define HINT_MAX_KV 16      /* general.name comes early in llama.cpp's files */

struct cursor {
    const uint8_t *p;
    size_t len, pos;
};

static int take(struct cursor *c, void *out, size_t n)
{
    if (n > c->len - c->pos)
        return -1;
    if (out)
        memcpy(out, c->p + c->pos, n);
    c->pos += n;
    return 0;
}

/* general.name's value from the header in buf, or NULL (not found within
 * the first HINT_MAX_KV pairs or HINT_BYTES, or not a string). */
static const uint8_t *find_name(struct cursor *c, uint64_t n_kv, uint64_t *name_len)
{
    for (uint64_t i = 0; i < n_kv && i < HINT_MAX_KV; i++) {
        uint64_t klen, vlen;
        uint32_t type;
        if (take(c, &klen, 8) < 0 || klen > c->len - c->pos)
            return NULL;
        const uint8_t *key = c->p + c->pos;
        c->pos += klen;
        if (take(c, &type, 4) < 0)
            return NULL;
        if (type == GGUF_TYPE_STRING) {
            if (take(c, &vlen, 8) < 0 || vlen > c->len - c->pos)
                return NULL;
            if (klen == 12 && !memcmp(key, "general.name", 12)) {
                *name_len = vlen;
                return c->p + c->pos;
            }
            c->pos += vlen;
        } else {
            uint32_t size = gguf_scalar_size(type);   /* 0: an array or unknown type, stop */
            if (!size || take(c, NULL, size) < 0)
                return NULL;
        }
    }
    return NULL;
}

void model_disk_hint(void)
{
    static uint8_t buf[HINT_BYTES];
    block_device_t *d = block_default();
    if (!d)
        return;
    uint64_t size = block_size_bytes(d);
    size_t n = size < HINT_BYTES ? (size_t)size : HINT_BYTES;
    if (n < 24 || block_read_bytes(d, 0, n, buf) < 0 || memcmp(buf, "GGUF", 4))
        return;
    struct cursor c = { buf, n, 16 };                 /* magic, version, tensor count */
    uint64_t n_kv, name_len = 0;
    take(&c, &n_kv, 8);
    const uint8_t *name = find_name(&c, n_kv, &name_len);
    char esc[96];
    if (name)
        printk("%s holds a GGUF model (general.name \"%s\"): type loadmodel, then generate Once upon a time\n",
               d->name, text_escape(esc, sizeof(esc), (const char *)name, (size_t)name_len, 64));
    else
        printk("%s holds a GGUF model: type loadmodel, then generate Once upon a time\n", d->name);
}
