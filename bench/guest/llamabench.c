/* llamabench: llama.cpp's prompt and decode speed, one thread, greedy.
 *
 *   llamabench MODEL.gguf BACKEND_DIR PROMPT_FILE GEN_TOKENS
 *
 * Built against the prebuilt libllama of npm's @node-llama-cpp/linux-x64 (the
 * same library node-llama-cpp runs), for the host (the ceiling) and for the
 * benchmark's Linux guest. The prompt is the text of PROMPT_FILE (BOS as the
 * model says), evaluated in one batch as llama.cpp does; then GEN_TOKENS
 * tokens are decoded one at a time with the greedy sampler (end-of-generation
 * tokens do not stop it). Prints one line:
 *   @@LLAMA prompt_tokens=P prompt_ms=X gen_tokens=N gen_ms=Y cpu=VARIANT
 * Times come from CLOCK_MONOTONIC around llama_decode (and the sampler).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "llama.h"
#include "ggml-backend.h"

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void quiet_log(enum ggml_log_level level, const char *text, void *ud)
{
    (void)ud;
    if (level >= GGML_LOG_LEVEL_WARN)
        fputs(text, stderr);
}

int main(int argc, char **argv)
{
    if (argc != 5) {
        fprintf(stderr, "usage: %s MODEL BACKEND_DIR PROMPT_FILE GEN_TOKENS\n", argv[0]);
        return 2;
    }
    static char text[4096];
    FILE *pf = fopen(argv[3], "r");
    size_t len = pf ? fread(text, 1, sizeof(text) - 1, pf) : 0;
    if (pf)
        fclose(pf);
    while (len && (text[len - 1] == '\n' || text[len - 1] == ' '))
        text[--len] = 0;
    if (!len) { printf("@@ERROR cannot read a prompt from %s\n", argv[3]); return 1; }
    int n_gen = atoi(argv[4]);
    llama_log_set(quiet_log, NULL);
    ggml_backend_load_all_from_path(argv[2]);
    llama_backend_init();

    struct llama_model_params mp = llama_model_default_params();
    struct llama_model *model = llama_model_load_from_file(argv[1], mp);
    if (!model) { printf("@@ERROR cannot load %s\n", argv[1]); return 1; }
    const struct llama_vocab *vocab = llama_model_get_vocab(model);

    static llama_token toks[1024];
    int n_prompt = llama_tokenize(vocab, text, (int)len, toks, 1024, 1, 0);
    if (n_prompt <= 0) { printf("@@ERROR cannot tokenize the prompt\n"); return 1; }

    struct llama_context_params cp = llama_context_default_params();
    cp.n_ctx = n_prompt + n_gen + 8;
    cp.n_batch = cp.n_ubatch = n_prompt;
    cp.n_threads = cp.n_threads_batch = 1;
    struct llama_context *ctx = llama_init_from_model(model, cp);
    if (!ctx) { printf("@@ERROR cannot make a context\n"); return 1; }

    double t0 = now_ms();
    if (llama_decode(ctx, llama_batch_get_one(toks, n_prompt))) { printf("@@ERROR decode\n"); return 1; }
    double t1 = now_ms();

    struct llama_sampler *smpl = llama_sampler_init_greedy();
    llama_token next = llama_sampler_sample(smpl, ctx, -1);
    for (int i = 0; i < n_gen; i++) {
        if (llama_decode(ctx, llama_batch_get_one(&next, 1))) { printf("@@ERROR decode\n"); return 1; }
        next = llama_sampler_sample(smpl, ctx, -1);
    }
    double t2 = now_ms();

    /* Which of the CPU backend's builds ggml chose for this CPU (x64,
     * sse42, haswell, ...): the one libggml-cpu-*.so mapped into us. */
    char variant[64] = "?", line[512];
    FILE *maps = fopen("/proc/self/maps", "r");
    while (maps && fgets(line, sizeof(line), maps)) {
        char *p = strstr(line, "libggml-cpu-");
        if (p && sscanf(p + 12, "%63[^.]", variant) == 1)
            break;
    }
    if (maps)
        fclose(maps);
    printf("@@LLAMA prompt_tokens=%d prompt_ms=%.3f gen_tokens=%d gen_ms=%.3f cpu=\"%s\"\n",
           n_prompt, t1 - t0, n_gen, t2 - t1, variant);
    llama_sampler_free(smpl);
    llama_free(ctx);
    llama_model_free(model);
    return 0;
}
