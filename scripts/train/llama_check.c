/* Host checks of the trained model against llama.cpp itself (the prebuilt
 * libllama that node-llama-cpp ships), so "llama.cpp runs it" is measured,
 * not assumed. Built by scripts/train/build-llama-check.sh.
 *
 *   llama_check LIBDIR tokenize MODEL.gguf TEXT       ids (BOS added), vocab only
 *   llama_check LIBDIR logits MODEL.gguf IDS OUT.f32   IDS: "1 2 3"; writes the
 *                                                      logits of every position
 *   llama_check LIBDIR nll MODEL.gguf TOKENS.u16 CTX [MAXWIN]
 *                                                      mean negative log-likelihood
 *                                                      of non-BOS targets over
 *                                                      consecutive CTX windows
 *   llama_check LIBDIR quantize IN.gguf OUT.gguf FTYPE [REGEX=GGMLTYPE]
 *                                                      llama_model_quantize, optionally
 *                                                      with one tensor-type override
 *   llama_check LIBDIR generate MODEL.gguf N TEXT      greedy ids after TEXT
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ggml-backend.h"
#include "llama.h"

static void quiet(enum ggml_log_level level, const char *text, void *ud)
{
    (void)ud;
    if (level >= GGML_LOG_LEVEL_ERROR)
        fputs(text, stderr);
}

static struct llama_model *load(const char *path, int vocab_only)
{
    struct llama_model_params mp = llama_model_default_params();
    mp.vocab_only = vocab_only;
    struct llama_model *m = llama_model_load_from_file(path, mp);
    if (!m) {
        fprintf(stderr, "llama_check: llama.cpp refuses %s\n", path);
        exit(1);
    }
    return m;
}

static struct llama_context *context(struct llama_model *m, int n_ctx)
{
    struct llama_context_params cp = llama_context_default_params();
    cp.n_ctx = (uint32_t)n_ctx;
    cp.n_batch = (uint32_t)n_ctx;
    cp.n_ubatch = (uint32_t)n_ctx;
    cp.n_threads = 1;
    cp.n_threads_batch = 1;
    /* llama.cpp keeps K and V in F16 by default; F32 so that the comparison
     * measures the model, not the cache's rounding (about 5e-4 here). */
    cp.type_k = GGML_TYPE_F32;
    cp.type_v = GGML_TYPE_F32;
    cp.flash_attn_type = LLAMA_FLASH_ATTN_TYPE_DISABLED;
    struct llama_context *c = llama_init_from_model(m, cp);
    if (!c) {
        fprintf(stderr, "llama_check: no context\n");
        exit(1);
    }
    return c;
}

/* Decodes ids[0..n) from position 0 in a fresh sequence, logits for all. */
static void decode_all(struct llama_context *c, const llama_token *ids, int n)
{
    struct llama_batch b = llama_batch_init(n, 0, 1);
    for (int i = 0; i < n; i++) {
        b.token[i] = ids[i];
        b.pos[i] = i;
        b.n_seq_id[i] = 1;
        b.seq_id[i][0] = 0;
        b.logits[i] = 1;
    }
    b.n_tokens = n;
    llama_memory_clear(llama_get_memory(c), 1);
    if (llama_decode(c, b) != 0) {
        fprintf(stderr, "llama_check: decode failed\n");
        exit(1);
    }
    llama_batch_free(b);
}

static int cmd_nll(const char *model, const char *path, int ctx, int maxwin)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return 1;
    fseek(f, 0, SEEK_END);
    long n = ftell(f) / 2;
    fseek(f, 0, SEEK_SET);
    unsigned short *u = malloc((size_t)n * 2);
    if (fread(u, 2, (size_t)n, f) != (size_t)n)
        return 1;
    fclose(f);
    struct llama_model *m = load(model, 0);
    struct llama_context *c = context(m, ctx);
    int nv = llama_vocab_n_tokens(llama_model_get_vocab(m));
    llama_token *ids = malloc(sizeof(*ids) * (size_t)ctx);
    double tot = 0;
    long cnt = 0, nwin = (n - 1) / ctx;
    if (maxwin > 0 && nwin > maxwin)
        nwin = maxwin;
    for (long w = 0; w < nwin; w++) {
        for (int i = 0; i < ctx; i++)
            ids[i] = u[w * ctx + i];
        decode_all(c, ids, ctx);
        for (int i = 0; i < ctx; i++) {
            int t = u[w * ctx + i + 1];
            if (t == 1)
                continue;   /* BOS after EOS: free, not counted (as in train.py) */
            const float *l = llama_get_logits_ith(c, i);
            double mx = l[0], s = 0;
            for (int k = 1; k < nv; k++)
                mx = l[k] > mx ? l[k] : mx;
            for (int k = 0; k < nv; k++)
                s += exp(l[k] - mx);
            tot += mx + log(s) - l[t];
            cnt++;
        }
    }
    printf("nll %.5f tokens %ld windows %ld\n", tot / (double)cnt, cnt, nwin);
    return 0;
}

static int parse_ids(const char *s, llama_token *ids, int cap)
{
    int n = 0;
    char *end;
    for (;;) {
        long v = strtol(s, &end, 10);
        if (end == s || n >= cap)
            break;
        ids[n++] = (llama_token)v;
        s = end;
    }
    return n;
}

int main(int argc, char **argv)
{
    if (argc < 5) {
        fprintf(stderr, "usage: llama_check LIBDIR tokenize|logits|nll|quantize|generate ...\n");
        return 2;
    }
    llama_log_set(quiet, NULL);
    ggml_backend_load_all_from_path(argv[1]);
    llama_backend_init();
    const char *cmd = argv[2];
    if (!strcmp(cmd, "tokenize")) {
        struct llama_model *m = load(argv[3], 1);
        static llama_token ids[65536];
        int n = llama_tokenize(llama_model_get_vocab(m), argv[4], (int)strlen(argv[4]), ids, 65536, 1, 0);
        for (int i = 0; i < n; i++)
            printf("%s%d", i ? " " : "", ids[i]);
        printf("\n");
        return n < 0;
    }
    if (!strcmp(cmd, "logits") && argc == 6) {
        static llama_token ids[4096];
        int n = parse_ids(argv[4], ids, 4096);
        struct llama_model *m = load(argv[3], 0);
        struct llama_context *c = context(m, n < 8 ? 8 : n);
        int nv = llama_vocab_n_tokens(llama_model_get_vocab(m));
        decode_all(c, ids, n);
        FILE *o = fopen(argv[5], "wb");
        for (int i = 0; i < n; i++)
            fwrite(llama_get_logits_ith(c, i), sizeof(float), (size_t)nv, o);
        fclose(o);
        printf("logits %d x %d\n", n, nv);
        return 0;
    }
    if (!strcmp(cmd, "nll") && argc >= 6)
        return cmd_nll(argv[3], argv[4], atoi(argv[5]), argc > 6 ? atoi(argv[6]) : 0);
    if (!strcmp(cmd, "quantize") && (argc == 6 || argc == 7)) {
        llama_model_quantize_params qp = llama_model_quantize_default_params();
        qp.nthread = 1;
        qp.ftype = (enum llama_ftype)atoi(argv[5]);
        static char pattern[256];
        static struct llama_model_tensor_override tt[2];
        if (argc == 7) {
            char *eq = strchr(argv[6], '=');
            if (!eq || eq - argv[6] >= (long)sizeof(pattern))
                return 2;
            memcpy(pattern, argv[6], (size_t)(eq - argv[6]));
            tt[0].pattern = pattern;
            tt[0].type = (enum ggml_type)atoi(eq + 1);
            qp.tt_overrides = tt;
        }
        uint32_t rc = llama_model_quantize(argv[3], argv[4], &qp);
        printf("quantize %s -> %s ftype %d: %s\n", argv[3], argv[4], qp.ftype, rc ? "failed" : "ok");
        return rc != 0;
    }
    if (!strcmp(cmd, "generate") && argc == 6) {
        struct llama_model *m = load(argv[3], 0);
        const struct llama_vocab *v = llama_model_get_vocab(m);
        int steps = atoi(argv[4]);
        static llama_token ids[4096];
        int n = llama_tokenize(v, argv[5], (int)strlen(argv[5]), ids, 4096, 1, 0);
        struct llama_context *c = context(m, 256);
        int nv = llama_vocab_n_tokens(v);
        for (int s = 0; s < steps && n < 256; s++) {
            decode_all(c, ids, n);
            const float *l = llama_get_logits_ith(c, n - 1);
            int best = 0;
            for (int k = 1; k < nv; k++)
                best = l[k] > l[best] ? k : best;
            ids[n++] = best;
            printf("%d ", best);
        }
        printf("\n");
        return 0;
    }
    fprintf(stderr, "llama_check: bad arguments\n");
    return 2;
}
