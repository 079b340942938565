/* Model commands: loadmodel (spec Tests 3 and 4), modelinfo, tokenize,
 * detokenize. The GGUF reader gets the disk's bytes through
 * block_read_bytes. */
#include "block/block.h"
#include "core/heap.h"
#include "core/printk.h"
#include "core/time.h"
#include "lib/errno.h"
#include "lib/float_format.h"
#include "lib/format.h"
#include "lib/string.h"
#include "lib/units.h"
#include "model/ggml_types.h"
#include "model/llama.h"
#include "model/model.h"
#include "model/tokenizer_bpe.h"
#include "shell/args.h"
#include "shell/blk_common.h"
#include "shell/command.h"
#include "shell/model_commands.h"
#include "shell/shell.h"
#include "shell/text_escape.h"

#define MAX_IDS 1024

/* The loaded model. A new load goes into a fresh struct model and replaces
 * this one only once it has fully loaded, so a failed or cancelled load
 * leaves the previous model in place. */
static struct model *model;
static char model_device[BLOCK_NAME_MAX];
static uint64_t model_offset;

/* The forward pass's view of the loaded model (weights in place) and its
 * run state (KV cache, scratch), made at load and replaced with the model;
 * has_llama is 0 for a vocabulary-only file (tokenize works, generate not). */
struct llama_runtime {
    struct llama_weights weights;
    struct llama_state state;
    int has_llama;
};
static struct llama_runtime llama;

int model_commands_loaded(struct loaded_model *out)
{
    if (!model)
        return -ENOENT;
    out->model = model;
    out->weights = llama.has_llama ? &llama.weights : NULL;
    out->state = llama.has_llama ? &llama.state : NULL;
    out->device = model_device;
    return 0;
}

static void llama_runtime_free(struct llama_runtime *rt)
{
    if (rt->has_llama) {
        llama_state_free(&rt->state);
        llama_free(&rt->weights);
    }
    rt->has_llama = 0;
}

/* The shape check before any tensor byte is read: an architecture or
 * shape the forward pass cannot run is refused by name here. A file with no
 * tensors at all is a vocabulary: it loads for tokenize/detokenize. Sets
 * *runtime to the bytes of the KV cache and scratch for *n_ctx tokens. */
static int check_shape(const struct model *m, uint32_t *n_ctx, uint64_t *runtime, char *why, size_t size)
{
    *runtime = 0;
    if (m->file.n_tensors == 0) {
        printk("  No tensors: a vocabulary only (tokenize works, generate does not)\n");
        return 0;
    }
    struct llama_weights shape_only;
    int rc = llama_load(&shape_only, &m->file, NULL, why, size);
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

/* Binds the weights where they were read and allocates the run state. */
static int make_runtime(struct model *m, uint32_t n_ctx, struct llama_runtime *rt, char *why, size_t size)
{
    rt->has_llama = 0;
    int rc = llama_load(&rt->weights, &m->file, m->data, why, size);
    if (rc < 0)
        return rc;
    uint64_t t0 = time_us();
    uint32_t n_fx = llama_encode_f32(&rt->weights);
    if (n_fx)
        printk("  F32 weights re-encoded for the fixed-point path: %u tensors in %lu ms\n", n_fx,
               (unsigned long)((time_us() - t0) / 1000));
    rc = llama_state_init(&rt->state, &rt->weights.shape, n_ctx);
    if (rc < 0) {
        llama_free(&rt->weights);
        snprintf(why, size, "no memory for the KV cache and scratch buffers");
        return rc;
    }
    rt->has_llama = 1;
    return 0;
}

/* "--ctx N" before the other arguments: *n_ctx (0 when absent). */
static int ctx_option(int *argc, char ***argv, uint32_t *n_ctx)
{
    *n_ctx = 0;
    if (*argc < 2 || strcmp((*argv)[1], "--ctx") != 0)
        return 0;
    unsigned long long v;
    if (*argc < 3 || arg_to_u64((*argv)[2], 1, 1u << 24, &v) < 0) {
        printk("loadmodel: --ctx takes a number of tokens (1 to %u)\n", 1u << 24);
        return -EINVAL;
    }
    *n_ctx = (uint32_t)v;
    (*argv)[2] = (*argv)[0];                   /* shift the two words out */
    *argv += 2;
    *argc -= 2;
    return 0;
}

#define NAME_SHOWN 80       /* bytes of a disk string shown in one line */

struct disk_source {
    block_device_t *dev;
    uint64_t base;          /* byte offset of the file on the disk */
};

static int disk_read(void *ctx, uint64_t offset, void *buf, size_t len)
{
    const struct disk_source *src = ctx;
    return block_read_bytes(src->dev, src->base + offset, len, buf);
}

/* Prints the 10% steps and stops the load on Ctrl-C. */
static int load_progress(void *ctx, uint64_t done, uint64_t total)
{
    unsigned *last_step = ctx;
    unsigned step = total ? (unsigned)(done * 10 / total) : 10;
    if (step != *last_step) {
        *last_step = step;
        printk("  Loading tensors: %3lu%% (%lu / %lu MB)\n", total ? done * 100 / total : 100, done / MIB,
               total / MIB);
    }
    return shell_poll_interrupt();
}

/* A string from the disk: escaped and cut, never raw. */
static void print_disk_string(const char *label, const char *s)
{
    printk("  %s: ", label);
    if (s)
        text_print_limited(s, strlen(s), NAME_SHOWN);
    else
        printk("(none)");
    printk("\n");
}

static void print_hyperparameters(const struct gguf_file *f)
{
    const char *arch = gguf_get_str(f, "general.architecture");
    print_disk_string("Architecture", arch);
    print_disk_string("Name", gguf_get_str(f, "general.name"));
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

/* Error messages quote keys and names from the file: print them escaped. */
static void print_error_message(const char *prefix, const char *message)
{
    printk("%s", prefix);
    text_print_limited(message, strlen(message), sizeof(((struct gguf_error *)0)->message));
}

/* An unsupported tokenizer (gpt2, ...) leaves a usable model without one;
 * a broken vocabulary fails the load, as in llama.cpp. */
static int init_tokenizer(struct model *m, struct gguf_reader *r, struct gguf_error *err)
{
    printk("\nInitializing tokenizer...\n");
    uint64_t t0 = time_us();
    int rc = tokenizer_load(&m->tok, &m->file, r, err);
    if (rc == -ETOK_UNSUPPORTED) {
        print_error_message("Tokenizer not available: ", err->message);
        printk(" (%s)\n", error_name(rc));
        return 0;
    }
    if (rc < 0)
        return rc;
    m->has_tokenizer = 1;
    const struct tokenizer *t = &m->tok;
    printk("Tokenizer ready.\n");
    printk("  %u tokens (bos %d, eos %d, unk %d), add_bos %s, add_eos %s, space prefix %s, %u user-defined; "
           "built in %lu us\n", t->n_tokens, t->bos, t->eos, t->unk, t->add_bos ? "yes" : "no",
           t->add_eos ? "yes" : "no", t->add_space_prefix ? "yes" : "no", t->n_user, time_us() - t0);
    if (t->bpe) {
        const struct bpe_state *b = t->bpe;
        if (b->missing_pre)
            printk("  warning: missing pre-tokenizer type, using: 'default' (generation quality will be degraded)\n");
        printk("  byte-level BPE: pre '%s', %u merges, %u special, %u EOG; tables %lu KiB\n", b->pre_name,
               b->n_merges, t->n_special, b->n_eog, (unsigned long)(b->table_bytes / 1024));
    }
    return 0;
}

static int fail_load(int rc, const char *why, struct model *m, struct gguf_reader *r)
{
    printk("Failed to load model (error %d)\n", rc);
    print_error_message("  ", why);
    printk(" (%s)\n", error_name(rc));
    if (model)
        printk("  The model from %s is still loaded.\n", model_device);
    if (m) {
        model_free(m);
        kfree(m);
    }
    gguf_reader_free(r);
    return rc;
}

/* loadmodel [dev] [offset]: a lone number is an offset on the first disk. */
static int loadmodel_args(int argc, char **argv, block_device_t **d, uint64_t *offset)
{
    unsigned long long v = 0;
    const char *dev = NULL, *off = NULL;
    if (argc == 2 && !block_find(argv[1]) && parse_u64(argv[1], &v) == 0)
        off = argv[1];
    else if (argc >= 2)
        dev = argv[1];
    if (argc == 3)
        off = argv[2];
    *d = blk_device_arg(dev);
    if (!*d)
        return -ENODEV;
    uint64_t size = block_size_bytes(*d);
    if (off && (arg_to_u64(off, 0, size ? size - 1 : 0, &v) < 0 || size == 0)) {
        printk("loadmodel: offset '%s' is not a byte offset on %s (0 to %lu)\n", off, (*d)->name,
               size ? size - 1 : 0);
        return -EINVAL;
    }
    *offset = v;
    return 0;
}

static void loaded_report(const struct model *m, uint64_t us)
{
    printk("Model loaded successfully!\n");
    printk("  Loaded %lu bytes in %lu.%03lu ms (%lu MB/s)\n", m->file.data_size, us / 1000, us % 1000,
           us ? m->file.data_size * 1000000 / us / MIB : 0);
}

static int cmd_loadmodel(int argc, char **argv)
{
    block_device_t *d;
    uint64_t offset;
    uint32_t n_ctx;
    if (ctx_option(&argc, &argv, &n_ctx) < 0)
        return -EINVAL;
    if (argc > 3)
        return shell_usage("loadmodel");
    int rc = loadmodel_args(argc, argv, &d, &offset);
    if (rc < 0)
        return rc;
    if (offset)
        printk("Loading GGUF model from %s at byte offset %lu...\n", d->name, offset);
    else
        printk("Loading GGUF model from %s...\n", d->name);
    if (model)
        printk("  (the model from %s stays loaded until this one is ready)\n", model_device);
    struct disk_source src = { d, offset };
    struct gguf_reader r;
    struct gguf_error err;
    uint64_t size = block_size_bytes(d) - offset;
    struct model *m = kcalloc(1, sizeof(*m));
    if (!m || gguf_reader_init(&r, disk_read, &src, size, GGUF_READAHEAD_DEFAULT) < 0) {
        r.window = NULL;
        return fail_load(-ENOMEM, "no memory for the model or the read-ahead buffer", m, &r);
    }
    m->source_offset = offset;
    printk("Reading GGUF header...\n");
    uint64_t t0 = time_us();
    rc = gguf_parse(&r, &m->file, &err);
    if (rc < 0)
        return fail_load(rc, err.message, m, &r);
    char params[16];
    m->params = model_count_params(&m->file);
    model_format_params(m->params, params, sizeof(params));
    printk("GGUF Version: %u\n", m->file.version);
    printk("Tensor count: %lu\n", m->file.n_tensors);
    printk("Parameters: %s (%lu)\n", params, m->params);
    print_hyperparameters(&m->file);
    printk("  Metadata: %lu keys, parsed in %lu us; tensor data: %lu bytes at offset %lu\n", m->file.n_kv,
           time_us() - t0, m->file.data_size, m->file.data_offset);

    char why[256];
    uint64_t runtime;
    rc = check_shape(m, &n_ctx, &runtime, why, sizeof(why));
    if (rc < 0)
        return fail_load(rc, why, m, &r);
    uint64_t need = model_memory_needed(m, size) + runtime;
    if (!heap_can_allocate(need, MODEL_DATA_ALIGN)) {
        snprintf(why, sizeof(why), "the model needs %lu MB (tensor data and tokenizer, KV cache and scratch %lu MB) "
                 "but at most %lu MB can be allocated", (need + MIB - 1) / MIB, (runtime + MIB - 1) / MIB,
                 heap_max_allocation() / MIB);
        return fail_load(-ENOMEM, why, m, &r);
    }
    uint64_t t1 = time_us();
    unsigned step = 0;
    rc = model_load_data(m, &r, load_progress, &step);
    if (rc == -ECANCELED)
        return fail_load(rc, "stopped by Ctrl-C while reading the tensor data", m, &r);
    if (rc < 0)
        return fail_load(rc, "reading the tensor data failed", m, &r);
    loaded_report(m, time_us() - t1);
    rc = init_tokenizer(m, &r, &err);
    if (rc < 0)
        return fail_load(rc, err.message, m, &r);
    struct llama_runtime rt = { .has_llama = 0 };
    if (runtime && (rc = make_runtime(m, n_ctx, &rt, why, sizeof(why))) < 0)
        return fail_load(rc, why, m, &r);
    gguf_reader_free(&r);
    if (model) {
        printk("  Unloaded the previous model (from %s)\n", model_device);
        llama_runtime_free(&llama);
        model_free(model);
        kfree(model);
    }
    llama = rt;
    model = m;
    model_offset = offset;
    strlcpy(model_device, d->name, sizeof(model_device));
    return 0;
}

static void print_kv(const struct gguf_kv *kv)
{
    char num[40], key[NAME_SHOWN * 4 + 8];
    printk("  %-40s %-7s ", text_escape(key, sizeof(key), kv->key, strlen(kv->key), NAME_SHOWN),
           gguf_type_name(kv->type));
    switch (kv->type) {
    case GGUF_TYPE_STRING:
        printk("\"");
        text_print_limited(kv->str, kv->str_len, 60);
        printk("\"\n");
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
    if (!model) {
        printk("No model loaded (use loadmodel)\n");
        return -ENOENT;
    }
    const struct gguf_file *f = &model->file;
    printk("Model from %s: GGUF v%u, %lu key-values, %lu tensors, alignment %u, data at offset %lu\n",
           model_device, f->version, f->n_kv, f->n_tensors, f->alignment, f->data_offset);
    if (model_offset)
        printk("  (the file starts at byte offset %lu of %s; offsets above are within the file)\n", model_offset,
               model_device);
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
        char name[GGUF_MAX_TENSOR_NAME * 4 + 8];
        printk("  %5lu %-28s %-8s %-24s %lu\n", i, text_escape(name, sizeof(name), t->name, strlen(t->name), 64),
               ggml_type_get(t->type)->name, shape, t->offset);
    }
    return 0;
}

static const struct tokenizer *loaded_tokenizer(void)
{
    if (!model) {
        printk("No model loaded (use loadmodel)\n");
        return NULL;
    }
    if (!model->has_tokenizer) {
        printk("The loaded model has no supported tokenizer\n");
        return NULL;
    }
    return &model->tok;
}

#define PIECE_SHOWN 64

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
    int add_special = 1, special = 0;
    for (;;) {
        if (strncmp(text, "--no-bos", 8) == 0 && (text[8] == ' ' || text[8] == 0)) {
            add_special = 0;
            text += text[8] ? 9 : 8;
        } else if (strncmp(text, "--special", 9) == 0 && (text[9] == ' ' || text[9] == 0)) {
            special = 1;
            text += text[9] ? 10 : 9;
        } else {
            break;
        }
    }
    /* Quotes group and are dropped, as for every other command. */
    static char unquoted[LINE_TEXT_MAX], bytes[LINE_TEXT_MAX];
    int len = unquote_text(text, unquoted, sizeof(unquoted));
    if (len < 0)
        return len;
    len = text_unescape(unquoted, bytes, sizeof(bytes));
    if (len < 0)
        return len;
    static int32_t ids[MAX_IDS];
    int n = tokenizer_encode_special(t, bytes, (size_t)len, add_special, special, ids, MAX_IDS);
    if (n < 0) {
        printk("tokenize: %s\n", error_text(n));
        return n;
    }
    printk("ids:");
    for (int i = 0; i < n; i++)
        printk(" %d", ids[i]);
    printk("\npieces:");
    for (int i = 0; i < n; i++) {
        uint32_t plen = 0;
        const char *p = tokenizer_text(t, ids[i], &plen);
        printk(" [");
        if (p)
            text_print_limited(p, plen, PIECE_SHOWN);
        else
            printk("?bad id?");     /* never happens: the encoder checks its ids */
        printk("]");
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
    { "loadmodel", "loadmodel [--ctx N] [dev] [offset]",
      "load a GGUF model from a disk (default: the first) at a byte offset (default 0), build its tokenizer and "
      "its KV cache for N tokens (default: the model's context, at most 2048); Ctrl-C stops it", cmd_loadmodel, 0 },
    { "modelinfo", "modelinfo", "print the loaded model's metadata and tensor table", cmd_modelinfo, 0 },
    { "tokenize", "tokenize [--no-bos] [--special] <text>",
      "token ids of text, with BOS/EOS as the model asks unless --no-bos; --special parses special-token text "
      "(quotes group; escapes: \\n \\t \\\\ \\xHH; \"\" is the empty text)", cmd_tokenize, 1 },
    { "detokenize", "detokenize [--special] <id>...", "text of token ids (--special: control tokens too)",
      cmd_detokenize, 0 },
};

void model_commands_register(void)
{
    shell_register(model_commands, sizeof(model_commands) / sizeof(model_commands[0]));
    generate_commands_register();
}
