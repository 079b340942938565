/* llama-ref: llama.cpp's logits for EMBODIOS's inference fixtures.
 *
 *   llama-ref MODEL.gguf [-k K] [-n N] [--full] [--ctx C] PROMPT
 *
 * Tokenizes PROMPT (BOS as the model says, special-token text parsed, as
 * llama-completion and EMBODIOS's generate do), then evaluates one token per
 * llama_decode call (as the kernel does: one position at a time, so every
 * matmul is a matrix-vector product and attention sees one query), with one
 * thread and llama.cpp's default context parameters otherwise (F16 KV cache,
 * flash attention "auto"). After the prompt it continues greedily for N
 * tokens. At every evaluated position it prints the top-K logits; the
 * sequence of ids it evaluated is the teacher-forced input for the tests.
 * Output (values with %.9g, so they read back as the same float):
 *   # comments (model, library variant, flash attention)
 *   prompt <n> <id>...
 *   greedy <n> <id>...
 *   pos <p> <id>:<value>... gap <top1 - top2>
 *   full <p> <n_vocab values>        (with --full, position 0 only)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ggml-backend.h"
#include "llama.h"

static int verbose_log;
static char fa_line[256];

static void log_cb(enum ggml_log_level level, const char *text, void *ud)
{
    (void)level;
    (void)ud;
    if (strstr(text, "flash_attn") && strlen(text) < sizeof(fa_line) && !fa_line[0])
        snprintf(fa_line, sizeof(fa_line), "%s", text);
    if (verbose_log)
        fputs(text, stderr);
}

/* Which libggml-cpu-<variant>.so the backend loader picked. */
static void print_cpu_variant(void)
{
    FILE *f = fopen("/proc/self/maps", "r");
    char line[512];
    while (f && fgets(line, sizeof(line), f)) {
        char *p = strstr(line, "libggml-cpu-");
        if (p) {
            p[strcspn(p, "\n")] = 0;
            printf("# cpu backend: %s\n", p);
            break;
        }
    }
    if (f)
        fclose(f);
}

struct pair { int id; float v; };

static int cmp_pair(const void *a, const void *b)
{
    const struct pair *x = a, *y = b;
    if (x->v != y->v)
        return x->v < y->v ? 1 : -1;
    return x->id - y->id;
}

static int print_position(int pos, const float *logits, int n_vocab, int k, struct pair *tmp)
{
    for (int i = 0; i < n_vocab; i++) {
        tmp[i].id = i;
        tmp[i].v = logits[i];
    }
    qsort(tmp, (size_t)n_vocab, sizeof(*tmp), cmp_pair);
    printf("pos %d", pos);
    for (int i = 0; i < k && i < n_vocab; i++)
        printf(" %d:%.9g", tmp[i].id, tmp[i].v);
    printf(" gap %.9g\n", n_vocab > 1 ? tmp[0].v - tmp[1].v : 0.0f);
    return tmp[0].id;
}

int main(int argc, char **argv)
{
    const char *model_path = NULL, *prompt = NULL;
    int k = 8, n_gen = 32, full = 0, n_ctx = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "-k") && i + 1 < argc) k = atoi(argv[++i]);
        else if (!strcmp(argv[i], "-n") && i + 1 < argc) n_gen = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--ctx") && i + 1 < argc) n_ctx = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--full")) full = 1;
        else if (!strcmp(argv[i], "-v")) verbose_log = 1;
        else if (!model_path) model_path = argv[i];
        else if (!prompt) prompt = argv[i];
        else { fprintf(stderr, "llama-ref: unexpected argument %s\n", argv[i]); return 2; }
    }
    if (!model_path || !prompt) {
        fprintf(stderr, "usage: llama-ref MODEL.gguf [-k K] [-n N] [--full] [--ctx C] [-v] PROMPT\n");
        return 2;
    }
    const char *libs = getenv("LLAMA_REF_LIBS");
    llama_log_set(log_cb, NULL);
    /* LLAMA_REF_CPU=haswell loads that ggml-cpu variant instead of the best
     * one for this CPU (the kernel's AVX2 path follows haswell's order). */
    const char *variant = getenv("LLAMA_REF_CPU");
    if (variant) {
        char path[1024];
        snprintf(path, sizeof(path), "%s/libggml-cpu-%s.so", libs ? libs : LLAMA_REF_DEFAULT_LIBS, variant);
        if (!ggml_backend_load(path)) {
            fprintf(stderr, "llama-ref: cannot load %s\n", path);
            return 1;
        }
    } else {
        ggml_backend_load_all_from_path(libs ? libs : LLAMA_REF_DEFAULT_LIBS);
    }
    llama_backend_init();
    struct llama_model_params mp = llama_model_default_params();
    struct llama_model *model = llama_model_load_from_file(model_path, mp);
    if (!model) {
        fprintf(stderr, "llama-ref: llama.cpp could not load %s\n", model_path);
        return 1;
    }
    const struct llama_vocab *vocab = llama_model_get_vocab(model);
    int n_vocab = llama_vocab_n_tokens(vocab);
    struct llama_context_params cp = llama_context_default_params();
    if (n_ctx > 0)
        cp.n_ctx = (uint32_t)n_ctx;
    if (getenv("LLAMA_REF_FA"))        /* developer experiments: 0 off, 1 on */
        cp.flash_attn_type = atoi(getenv("LLAMA_REF_FA")) ? LLAMA_FLASH_ATTN_TYPE_ENABLED : LLAMA_FLASH_ATTN_TYPE_DISABLED;
    if (getenv("LLAMA_REF_KV_F32")) {
        cp.type_k = GGML_TYPE_F32;
        cp.type_v = GGML_TYPE_F32;
    }
    cp.n_threads = 1;
    cp.n_threads_batch = 1;
    struct llama_context *ctx = llama_init_from_model(model, cp);
    if (!ctx) {
        fprintf(stderr, "llama-ref: no context\n");
        return 1;
    }
    int cap = (int)strlen(prompt) + 16;
    llama_token *ids = malloc(sizeof(llama_token) * (size_t)(cap + n_gen));
    int n_prompt = llama_tokenize(vocab, prompt, (int32_t)strlen(prompt), ids, cap, 1, 1);
    if (n_prompt <= 0) {
        fprintf(stderr, "llama-ref: tokenize failed (%d)\n", n_prompt);
        return 1;
    }
    char desc[128];
    llama_model_desc(model, desc, sizeof(desc));
    printf("# model: %s (%s), n_vocab %d, n_ctx %u, 1 thread, one token per decode\n", model_path, desc, n_vocab,
           llama_n_ctx(ctx));
    print_cpu_variant();
    if (fa_line[0])
        printf("# %s", fa_line);
    printf("prompt %d", n_prompt);
    for (int i = 0; i < n_prompt; i++)
        printf(" %d", ids[i]);
    printf("\n");
    struct pair *tmp = malloc(sizeof(*tmp) * (size_t)n_vocab);
    int n = n_prompt, n_greedy = 0;
    llama_token *greedy = malloc(sizeof(llama_token) * (size_t)(n_gen + 1));
    char *out = malloc((size_t)1 << 20);
    size_t out_len = 0;
    for (int pos = 0; pos < n && pos < (int)llama_n_ctx(ctx); pos++) {
        if (llama_decode(ctx, llama_batch_get_one(&ids[pos], 1))) {
            fprintf(stderr, "llama-ref: decode failed at %d\n", pos);
            return 1;
        }
        const float *logits = llama_get_logits_ith(ctx, -1);
        int top = print_position(pos, logits, n_vocab, k, tmp);
        if (full && pos == 0) {
            printf("full 0");
            for (int i = 0; i < n_vocab; i++)
                printf(" %.9g", logits[i]);
            printf("\n");
        }
        if (pos == n - 1 && n_greedy < n_gen) {
            greedy[n_greedy++] = top;
            ids[n++] = top;
        }
    }
    printf("greedy %d", n_greedy);
    for (int i = 0; i < n_greedy; i++)
        printf(" %d", greedy[i]);
    printf("\n");
    for (int i = 0; i < n_greedy; i++) {
        char piece[256];
        int len = llama_token_to_piece(vocab, greedy[i], piece, sizeof(piece), 0, 0);
        if (len > 0 && out_len + (size_t)len < ((size_t)1 << 20)) {
            memcpy(out + out_len, piece, (size_t)len);
            out_len += (size_t)len;
        }
    }
    printf("# text: ");
    for (size_t i = 0; i < out_len; i++)
        printf((unsigned char)out[i] < 0x20 ? "\\x%02x" : "%c", (unsigned char)out[i]);
    printf("\n");
    llama_free(ctx);
    llama_model_free(model);
    return 0;
}
