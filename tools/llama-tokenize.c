/* Developer tool (not built by `make`): token ids from llama.cpp itself,
 * through the prebuilt libllama that node-llama-cpp ships, with
 * llama_tokenize(add_special, parse_special = false) exactly as asked.
 * tools/gen-token-fixtures.mjs builds and runs it.
 *   llama-tokenize MODEL.gguf BACKEND_DIR < cases > ids
 * Each input line is "hex(text)<TAB>add_special" ("-" for the empty text);
 * each output line repeats it and adds "<TAB>ids" (space-separated). A
 * first line "# bos B eos E add_bos X add_eos Y" says what the model set. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "llama.h"

static void quiet(enum ggml_log_level level, const char *text, void *ctx)
{
    (void)ctx;
    if (level >= GGML_LOG_LEVEL_ERROR)
        fputs(text, stderr);
}

static int unhex(const char *hex, char *out)
{
    int n = 0;
    if (strcmp(hex, "-") == 0)
        return 0;
    for (; hex[0] && hex[1]; hex += 2)
        sscanf(hex, "%2hhx", (unsigned char *)&out[n++]);
    return n;
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: llama-tokenize MODEL.gguf BACKEND_DIR < cases\n");
        return 2;
    }
    llama_log_set(quiet, NULL);
    ggml_backend_load_all_from_path(argv[2]);
    llama_backend_init();
    struct llama_model_params mp = llama_model_default_params();
    mp.vocab_only = true;
    struct llama_model *model = llama_model_load_from_file(argv[1], mp);
    if (!model) {
        fprintf(stderr, "llama-tokenize: cannot load %s\n", argv[1]);
        return 1;
    }
    const struct llama_vocab *vocab = llama_model_get_vocab(model);
    printf("# bos %d eos %d add_bos %d add_eos %d\n", llama_vocab_bos(vocab), llama_vocab_eos(vocab),
           llama_vocab_get_add_bos(vocab), llama_vocab_get_add_eos(vocab));
    static char line[65536], text[32768];
    static llama_token ids[32768];
    while (fgets(line, sizeof(line), stdin)) {
        line[strcspn(line, "\n")] = 0;
        char *tab = strchr(line, '\t');
        if (!tab)
            continue;
        *tab = 0;
        int add_special = atoi(tab + 1);
        int len = unhex(line, text);
        int n = llama_tokenize(vocab, text, len, ids, 32768, add_special != 0, false);
        if (n < 0) {
            fprintf(stderr, "llama-tokenize: %s needs %d ids\n", line, -n);
            return 1;
        }
        printf("%s\t%d\t", line, add_special);
        for (int i = 0; i < n; i++)
            printf(i ? " %d" : "%d", ids[i]);
        printf("\n");
    }
    llama_model_free(model);
    llama_backend_free();
    return 0;
}
