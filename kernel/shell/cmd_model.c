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
#include "model/llama.h"
#include "model/model.h"
#include "shell/args.h"
#include "shell/blk_common.h"
#include "shell/command.h"
#include "shell/model_commands.h"
#include "shell/shell.h"
#include "shell/text_escape.h"

#define MIB (1024UL * 1024)
#define MAX_IDS 1024

static struct model model;
static int model_loaded;
static char model_device[BLOCK_NAME_MAX];
/* The forward pass's view of the model (weights in place) and its run
 * state (KV cache, scratch), both made at load; has_llama is 0 for a
 * vocabulary-only file (tokenize works, generate does not). */
static struct llama_weights llama;
static struct llama_state llama_state;
static int has_llama;

int model_commands_loaded(struct loaded_model *out)
{
    if (!model_loaded)
        return -ENOENT;
    out->model = &model;
    out->weights = has_llama ? &llama : NULL;
    out->state = has_llama ? &llama_state : NULL;
    out->device = model_device;
    return 0;
}

static void unload(void)
{
    if (has_llama) {
        llama_state_free(&llama_state);
        llama_free(&llama);
        has_llama = 0;
    }
    model_free(&model);
    model_loaded = 0;
}

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
}

static int fail_load(int rc, const char *why, struct gguf_reader *r)
{
    printk("Failed to load model (error %d)\n", rc);
    printk("  %s (%s)\n", why, error_name(rc));
    unload();
    gguf_reader_free(r);
    return rc;
}

/* The shape check before any tensor byte is read: an architecture or
 * shape the forward pass cannot run is refused by name here. A file with no
 * tensors at all is a vocabulary: it loads for tokenize/detokenize. Sets
 * *runtime to the bytes of the KV cache and scratch for n_ctx. */
static int check_shape(uint32_t *n_ctx, uint64_t *runtime, char *why, size_t size)
{
    *runtime = 0;
    if (model.file.n_tensors == 0) {
        printk("  No tensors: a vocabulary only (tokenize works, generate does not)\n");
        return 0;
    }
    struct llama_weights shape_only;
    int rc = llama_load(&shape_only, &model.file, NULL, why, size);
    if (rc < 0)
        return rc;
    uint32_t ctx = *n_ctx ? *n_ctx : llama_default_ctx(&shape_only.shape);
    if (ctx > shape_only.shape.ctx_train) {
        snprintf(why, size, "--ctx %u is above the model's context_length %u", ctx, shape_only.shape.ctx_train);
        llama_free(&shape_only);
        return -EINVAL;
    }
    *n_ctx = ctx;
    *runtime = llama_runtime_bytes(&shape_only.shape, ctx);
    printk("  Context: %u tokens; KV cache and scratch: %lu KB\n", ctx, *runtime / 1024);
    llama_free(&shape_only);
    return 0;
}

static int cmd_loadmodel(int argc, char **argv)
{
    uint32_t n_ctx = 0;
    if (argc >= 3 && strcmp(argv[1], "--ctx") == 0) {
        unsigned long long v;
        if (arg_to_u64(argv[2], 1, 1u << 24, &v) < 0) {
            printk("loadmodel: --ctx takes a number of tokens (1 to %u)\n", 1u << 24);
            return -EINVAL;
        }
        n_ctx = (uint32_t)v;
        argc -= 2;
        argv += 2;
    }
    if (argc > 2)
        return shell_usage("loadmodel");
    block_device_t *d = blk_device_arg(argc == 2 ? argv[1] : NULL);
    if (!d)
        return -ENODEV;
    if (model_loaded) {
        printk("  (unloading the model from %s first)\n", model_device);
        unload();
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

    char why[256];
    uint64_t runtime;
    rc = check_shape(&n_ctx, &runtime, why, sizeof(why));
    if (rc < 0)
        return fail_load(rc, why, &r);
    uint64_t room = heap_max_allocation();
    if (model.file.data_size + runtime > room) {
        snprintf(why, sizeof(why),
                 "the model needs %lu MB (tensor data %lu MB + KV cache and scratch %lu MB) but at most %lu MB "
                 "can be allocated",
                 (model.file.data_size + runtime) / MIB + 1, model.file.data_size / MIB, runtime / MIB, room / MIB);
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
    if (runtime) {
        rc = llama_load(&llama, &model.file, model.data, why, sizeof(why));
        if (rc < 0)
            return fail_load(rc, why, &r);
        rc = llama_state_init(&llama_state, &llama.shape, n_ctx);
        if (rc < 0) {
            llama_free(&llama);
            return fail_load(rc, "no memory for the KV cache and scratch buffers", &r);
        }
        has_llama = 1;
    }
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
    int add_bos = t->add_bos;
    if (strncmp(text, "--no-bos", 8) == 0 && (text[8] == ' ' || text[8] == 0)) {
        add_bos = 0;
        text += text[8] ? 9 : 8;
    }
    static char bytes[LINE_TEXT_MAX];
    int len = text_unescape(text, bytes, sizeof(bytes));
    if (len < 0)
        return len;
    static int32_t ids[MAX_IDS];
    int n = tokenizer_encode(t, bytes, (size_t)len, add_bos, ids, MAX_IDS);
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
    for (int i = 1; i < argc; i++) {
        unsigned long long v;
        if (arg_to_u64(argv[i], 0, t->n_tokens - 1, &v) < 0) {
            printk("detokenize: '%s' is not a token id (0 to %u)\n", argv[i], t->n_tokens - 1);
            return -EINVAL;
        }
        ids[i - 1] = (int32_t)v;
    }
    static char text[SHELL_MAX_ARGS * TOKENIZER_MAX_PIECE / 8];
    int n = tokenizer_decode(t, ids, (size_t)argc - 1, text, sizeof(text));
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
    { "loadmodel", "loadmodel [--ctx N] [dev]",
      "load a GGUF model from a disk (default: the first), build its tokenizer and KV cache (context N, default "
      "the model's, at most 2048)",
      cmd_loadmodel, 0 },
    { "modelinfo", "modelinfo", "print the loaded model's metadata and tensor table", cmd_modelinfo, 0 },
    { "tokenize", "tokenize [--no-bos] <text>",
      "token ids of text (escapes: \\n \\t \\\\ \\xHH; \"\" is the empty text)", cmd_tokenize, 1 },
    { "detokenize", "detokenize <id>...", "text of token ids", cmd_detokenize, 0 },
};

void model_commands_register(void)
{
    shell_register(model_commands, sizeof(model_commands) / sizeof(model_commands[0]));
    generate_commands_register();
}
