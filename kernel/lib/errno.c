#include "lib/errno.h"

struct error_entry {
    int code;
    const char *name;
    const char *text;
};

static const struct error_entry error_table[] = {
    { 0,                "OK",               "success" },
    { EBADMAGIC,        "EBADMAGIC",        "not in the expected format (bad magic)" },
    { ENOENT,           "ENOENT",           "no such object" },
    { EIO,              "EIO",              "I/O error" },
    { E2BIG,            "E2BIG",            "request too long" },
    { ENOMEM,           "ENOMEM",           "out of memory" },
    { EFAULT,           "EFAULT",           "bad address" },
    { EBUSY,            "EBUSY",            "resource busy" },
    { EEXIST,           "EEXIST",           "already exists" },
    { ENODEV,           "ENODEV",           "no such device" },
    { EINVAL,           "EINVAL",           "invalid argument" },
    { ENOSPC,           "ENOSPC",           "no space left" },
    { EROFS,            "EROFS",            "device is read-only" },
    { ERANGE,           "ERANGE",           "out of range" },
    { EOVERFLOW,        "EOVERFLOW",        "arithmetic overflow" },
    { ENOTSUP,          "ENOTSUP",          "operation not supported" },
    { ETIMEDOUT,        "ETIMEDOUT",        "timed out" },
    { ECANCELED,        "ECANCELED",        "cancelled" },
    { EGGUF_VERSION,    "EGGUF_VERSION",    "unsupported GGUF version" },
    { EGGUF_TRUNCATED,  "EGGUF_TRUNCATED",  "GGUF file is truncated" },
    { EGGUF_TOOBIG,     "EGGUF_TOOBIG",     "GGUF count or length exceeds limits" },
    { EGGUF_TYPE,       "EGGUF_TYPE",       "unknown GGUF value type" },
    { EGGUF_NESTING,    "EGGUF_NESTING",    "GGUF arrays nested too deeply" },
    { EGGUF_DUPKEY,     "EGGUF_DUPKEY",     "duplicate GGUF key" },
    { EGGUF_DUPTENSOR,  "EGGUF_DUPTENSOR",  "duplicate tensor name" },
    { EGGUF_ALIGN,      "EGGUF_ALIGN",      "invalid GGUF alignment" },
    { EGGUF_NDIMS,      "EGGUF_NDIMS",      "tensor dimension count out of range" },
    { EGGUF_DIM,        "EGGUF_DIM",        "tensor dimension invalid" },
    { EGGUF_GGMLTYPE,   "EGGUF_GGMLTYPE",   "unknown ggml tensor type" },
    { EGGUF_OFFSET,     "EGGUF_OFFSET",     "tensor data misaligned" },
    { EGGUF_OVERLAP,    "EGGUF_OVERLAP",    "tensor data overlaps" },
    { EGGUF_BOUNDS,     "EGGUF_BOUNDS",     "tensor data beyond end of file" },
    { EGGUF_STRING,     "EGGUF_STRING",     "malformed GGUF string" },
    { EGGUF_KEYTYPE,    "EGGUF_KEYTYPE",    "GGUF key has the wrong type" },
    { ETOK_UNSUPPORTED, "ETOK_UNSUPPORTED", "tokenizer model not supported" },
    { ETOK_VOCAB,       "ETOK_VOCAB",       "tokenizer vocabulary invalid" },
    { EMODEL_ARCH,      "EMODEL_ARCH",      "model architecture not supported" },
    { EMODEL_SHAPE,     "EMODEL_SHAPE",     "model shape invalid" },
    { EMODEL_WTYPE,     "EMODEL_WTYPE",     "weight type not supported" },
    { EGGUF_EMPTYKEY,   "EGGUF_EMPTYKEY",   "empty GGUF key" },
    { EGGUF_EMPTY,      "EGGUF_EMPTY",      "GGUF file has no metadata and no tensors" },
    { ETOK_COUNT,       "ETOK_COUNT",       "token scores or types do not match the tokens" },
    { ETOK_NOPIECE,     "ETOK_NOPIECE",     "text has a byte the vocabulary cannot encode" },
    { ETOK_TEXT,        "ETOK_TEXT",        "text decodes to a code point above U+10FFFF" },
};

static const struct error_entry *find_error(int code)
{
    if (code < 0)
        code = -code;
    for (unsigned i = 0; i < sizeof(error_table) / sizeof(error_table[0]); i++)
        if (error_table[i].code == code)
            return &error_table[i];
    return 0;
}

const char *error_name(int code)
{
    const struct error_entry *e = find_error(code);
    return e ? e->name : "E?";
}

const char *error_text(int code)
{
    const struct error_entry *e = find_error(code);
    return e ? e->text : "unknown error";
}
