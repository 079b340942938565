/* Model commands: loadmodel (spec Tests 3 and 4), modelinfo, tokenize,
 * detokenize. The GGUF reader gets the disk's bytes through
 * block_read_bytes. */
#include "block/block.h"
#include "core/heap.h"
#include "core/printk.h"
#include "core/time.h"
#include "lib/errno.h"
#include "lib/float_format.h"
#include "lib/string.h"
#include "model/ggml_types.h"
#include "model/model.h"
#include "model/tokenizer_bpe.h"
#include "shell/args.h"
#include "shell/blk_common.h"
#include "shell/command.h"
#include "shell/shell.h"
#include "shell/text_escape.h"

#define MIB (1024UL * 1024)
#define MAX_IDS 1024

static struct model model;
static int model_loaded;
static char model_device[BLOCK_NAME_MAX];

static int disk_read(void *ctx, uint64_t offset, void *buf, size_t len)
{
    return block_read_bytes(ctx, offset, len, buf);
}

static void print_progress(void *ctx, uint64_t done, uint64_t total)
{
    (void)ctx;
    printk("  Loading tensors: %3lu%% (%lu / %lu MB)\n", total ? done * 100 / total : 100, done / MIB,
           total / MIB);
}

static void print_hyperparameters(const struct gguf_file *f)
{
    const char *arch = gguf_get_str(f, "general.architecture");
    const char *name = gguf_get_str(f, "general.name");
    printk("  Architecture: %s\n", arch ? arch : "(none)");
    printk("  Name: %s\n", name ? name : "(none)");
    if (!arch)
        return;
    static const char *const keys[] = { "context_length", "embedding_length", "block_count",
                                        "feed_forward_length", "attention.head_count",
                                        "attention.head_count_kv", "rope.dimension_count" };
    char key[96];
    for (unsigned i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
        uint64_t v;
        snprintf(key, sizeof(key), "%s.%s", arch, keys[i]);
        if (gguf_get_uint(f, key, &v) == 0)
            printk("  %s: %lu\n", keys[i], v);
    }
    snprintf(key, sizeof(key), "%s.attention.layer_norm_rms_epsilon", arch);
    const struct gguf_kv *eps = gguf_find(f, key);
    if (eps && eps->type == GGUF_TYPE_FLOAT32) {
        char num[32];
        format_f32_bits(num, sizeof(num), (uint32_t)eps->value);
        printk("  attention.layer_norm_rms_epsilon: %s\n", num);
    }
    const struct gguf_kv *tokens = gguf_find(f, "tokenizer.ggml.tokens");
    if (tokens && tokens->type == GGUF_TYPE_ARRAY)
        printk("  Vocabulary size: %lu\n", tokens->arr_count);
}

static void init_tokenizer(struct gguf_reader *r)
{
    struct gguf_error err;
    printk("\nInitializing tokenizer...\n");
    uint64_t t0 = time_us();
    int rc = tokenizer_load(&model.tok, &model.file, r, &err);
    if (rc < 0) {
        printk("Tokenizer not available: %s (%s)\n", err.message, error_name(rc));
        return;
    }
    model.has_tokenizer = 1;
    printk("Tokenizer ready.\n");
    printk("  %u tokens (bos %d, eos %d, unk %d), add_bos %s, space prefix %s; built in %lu us\n",
           model.tok.n_tokens, model.tok.bos, model.tok.eos, model.tok.unk, model.tok.add_bos ? "yes" : "no",
           model.tok.add_space_prefix ? "yes" : "no", time_us() - t0);
    if (model.tok.bpe) {
        const struct bpe_state *b = model.tok.bpe;
        if (b->missing_pre)
            printk("  warning: missing pre-tokenizer type, using: 'default' (generation quality will be degraded)\n");
        printk("  byte-level BPE: pre '%s', %u merges, %u special, %u EOG; tables %lu KiB\n", b->pre_name,
               b->n_merges, model.tok.n_special, b->n_eog, (unsigned long)(b->table_bytes / 1024));
    }
}

static int fail_load(int rc, const char *why, struct gguf_reader *r)
{
    printk("Failed to load model (error %d)\n", rc);
    printk("  %s (%s)\n", why, error_name(rc));
    model_free(&model);
    gguf_reader_free(r);
    return rc;
}

static int cmd_loadmodel(int argc, char **argv)
{
    if (argc > 2)
        return shell_usage("loadmodel");
    block_device_t *d = blk_device_arg(argc == 2 ? argv[1] : NULL);
    if (!d)
        return -ENODEV;
    if (model_loaded) {
        printk("  (unloading the model from %s first)\n", model_device);
        model_free(&model);
        model_loaded = 0;
    }
    printk("Loading GGUF model from %s...\n", d->name);
    struct gguf_reader r;
    struct gguf_error err;
    if (gguf_reader_init(&r, disk_read, d, block_size_bytes(d), GGUF_READAHEAD_DEFAULT) < 0)
        return fail_load(-ENOMEM, "no memory for the read-ahead buffer", &r);
    printk("Reading GGUF header...\n");
    uint64_t t0 = time_us();
    int rc = gguf_parse(&r, &model.file, &err);
    if (rc < 0)
        return fail_load(rc, err.message, &r);
    char params[16];
    model.params = model_count_params(&model.file);
    model_format_params(model.params, params, sizeof(params));
    printk("GGUF Version: %u\n", model.file.version);
    printk("Tensor count: %lu\n", model.file.n_tensors);
    printk("Parameters: %s (%lu)\n", params, model.params);
    print_hyperparameters(&model.file);
    printk("  Metadata: %lu keys, parsed in %lu us; tensor data: %lu bytes at offset %lu\n", model.file.n_kv,
           time_us() - t0, model.file.data_size, model.file.data_offset);

    uint64_t room = heap_max_allocation();
    if (model.file.data_size > room) {
        char why[128];
        snprintf(why, sizeof(why), "the tensor data needs %lu MB but at most %lu MB can be allocated",
                 model.file.data_size / MIB + 1, room / MIB);
        return fail_load(-ENOMEM, why, &r);
    }
    uint64_t t1 = time_us();
    rc = model_load_data(&model, &r, print_progress, NULL);
    if (rc < 0)
        return fail_load(rc, "reading the tensor data failed", &r);
    uint64_t us = time_us() - t1;
    printk("Model loaded successfully!\n");
    printk("  Loaded %lu bytes in %lu.%03lu ms (%lu MB/s)\n", model.file.data_size, us / 1000, us % 1000,
           us ? model.file.data_size * 1000000 / us / MIB : 0);
    init_tokenizer(&r);
    gguf_reader_free(&r);
    strlcpy(model_device, d->name, sizeof(model_device));
    model_loaded = 1;
    return 0;
}

static void print_kv(const struct gguf_kv *kv)
{
    char num[40];
    printk("  %-40s %-7s ", kv->key, gguf_type_name(kv->type));
    switch (kv->type) {
    case GGUF_TYPE_STRING:
        printk("\"%.60s\"%s\n", kv->str, kv->str_len > 60 ? "..." : "");
        return;
    case GGUF_TYPE_ARRAY:
        printk("[%lu x %s]\n", kv->arr_count, gguf_type_name(kv->arr_type));
        return;
    case GGUF_TYPE_FLOAT32:
        format_f32_bits(num, sizeof(num), (uint32_t)kv->value);
        break;
    case GGUF_TYPE_FLOAT64:
        format_f64_bits(num, sizeof(num), kv->value);
        break;
    case GGUF_TYPE_BOOL:
        snprintf(num, sizeof(num), "%s", kv->value ? "true" : "false");
        break;
    case GGUF_TYPE_INT8: snprintf(num, sizeof(num), "%d", (int8_t)kv->value); break;
    case GGUF_TYPE_INT16: snprintf(num, sizeof(num), "%d", (int16_t)kv->value); break;
    case GGUF_TYPE_INT32: snprintf(num, sizeof(num), "%d", (int32_t)kv->value); break;
    case GGUF_TYPE_INT64: snprintf(num, sizeof(num), "%ld", (long)kv->value); break;
    default: snprintf(num, sizeof(num), "%lu", kv->value); break;
    }
    printk("%s\n", num);
}

static int cmd_modelinfo(int argc, char **argv)
{
    (void)argv;
    if (argc != 1)
        return shell_usage("modelinfo");
    if (!model_loaded) {
        printk("No model loaded (use loadmodel)\n");
        return -ENOENT;
    }
    const struct gguf_file *f = &model.file;
    printk("Model from %s: GGUF v%u, %lu key-values, %lu tensors, alignment %u, data at offset %lu\n",
           model_device, f->version, f->n_kv, f->n_tensors, f->alignment, f->data_offset);
    printk("Metadata:\n");
    for (uint64_t i = 0; i < f->n_kv; i++)
        print_kv(&f->kv[i]);
    printk("Tensors:\n  %5s %-28s %-8s %-24s %s\n", "#", "name", "type", "shape", "offset");
    for (uint64_t i = 0; i < f->n_tensors; i++) {
        const struct gguf_tensor *t = &f->tensors[i];
        char shape[64];
        int o = snprintf(shape, sizeof(shape), "[");
        for (uint32_t d = 0; d < t->n_dims; d++)
            o += snprintf(shape + o, sizeof(shape) - (size_t)o, "%s%lu", d ? ", " : "", t->dims[d]);
        snprintf(shape + o, sizeof(shape) - (size_t)o, "]");
        printk("  %5lu %-28s %-8s %-24s %lu\n", i, t->name, ggml_type_get(t->type)->name, shape, t->offset);
    }
    return 0;
}

static const struct tokenizer *loaded_tokenizer(void)
{
    if (!model_loaded) {
        printk("No model loaded (use loadmodel)\n");
        return NULL;
    }
    if (!model.has_tokenizer) {
        printk("The loaded model has no supported tokenizer\n");
        return NULL;
    }
    return &model.tok;
}

static int cmd_tokenize(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    /* The raw line keeps the text's spaces exactly: "tokenize [--no-bos] <text>",
     * one space after each word, then the text. */
    const char *text = shell_current_line();
    while (*text == ' ' || *text == '\t')
        text++;
    text += strlen("tokenize");
    if (*text != ' ')
        return shell_usage("tokenize");
    text++;
    const struct tokenizer *t = loaded_tokenizer();
    if (!t)
        return -ENOENT;
    int add_bos = t->add_bos, special = 0;
    for (;;) {
        if (strncmp(text, "--no-bos", 8) == 0 && (text[8] == ' ' || text[8] == 0)) {
            add_bos = 0;
            text += text[8] ? 9 : 8;
        } else if (strncmp(text, "--special", 9) == 0 && (text[9] == ' ' || text[9] == 0)) {
            special = 1;
            text += text[9] ? 10 : 9;
        } else {
            break;
        }
    }
    static char bytes[LINE_TEXT_MAX];
    int len = text_unescape(text, bytes, sizeof(bytes));
    if (len < 0)
        return len;
    static int32_t ids[MAX_IDS];
    int n = tokenizer_encode_special(t, bytes, (size_t)len, add_bos, special, ids, MAX_IDS);
    if (n < 0) {
        printk("tokenize: %s\n", error_text(n));
        return n;
    }
    printk("ids:");
    for (int i = 0; i < n; i++)
        printk(" %d", ids[i]);
    printk("\npieces:");
    for (int i = 0; i < n; i++) {
        uint32_t plen;
        const char *p = tokenizer_text(t, ids[i], &plen);
        printk(" [%.*s]", (int)plen, p);
    }
    printk("\ncount: %d\n", n);
    return 0;
}

static int cmd_detokenize(int argc, char **argv)
{
    if (argc < 2)
        return shell_usage("detokenize");
    const struct tokenizer *t = loaded_tokenizer();
    if (!t)
        return -ENOENT;
    static int32_t ids[SHELL_MAX_ARGS];
    int special = strcmp(argv[1], "--special") == 0, first = 1 + special;
    if (argc <= first)
        return shell_usage("detokenize");
    for (int i = first; i < argc; i++) {
        unsigned long long v;
        if (arg_to_u64(argv[i], 0, t->n_tokens - 1, &v) < 0) {
            printk("detokenize: '%s' is not a token id (0 to %u)\n", argv[i], t->n_tokens - 1);
            return -EINVAL;
        }
        ids[i - first] = (int32_t)v;
    }
    static char text[SHELL_MAX_ARGS * TOKENIZER_MAX_PIECE / 8];
    int n = tokenizer_decode_special(t, ids, (size_t)(argc - first), 0, special, text, sizeof(text));
    if (n < 0) {
        printk("detokenize: %s\n", error_text(n));
        return n;
    }
    printk("text: \"");
    text_print_escaped(text, (size_t)n);
    printk("\"\n");
    return 0;
}

static const struct shell_command model_commands[] = {
    { "loadmodel", "loadmodel [dev]", "load a GGUF model from a disk (default: the first) and build its tokenizer",
      cmd_loadmodel, 0 },
    { "modelinfo", "modelinfo", "print the loaded model's metadata and tensor table", cmd_modelinfo, 0 },
    { "tokenize", "tokenize [--no-bos] [--special] <text>",
      "token ids of text (escapes: \\n \\t \\\\ \\xHH; \"\" is the empty text)", cmd_tokenize, 1 },
    { "detokenize", "detokenize [--special] <id>...", "text of token ids (--special: control tokens too)",
      cmd_detokenize, 0 },
};

void model_commands_register(void)
{
    shell_register(model_commands, sizeof(model_commands) / sizeof(model_commands[0]));
}
