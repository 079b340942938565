/* Expected ids for EMBODIOS's byte-level BPE tests, from llama.cpp itself
 * (node-llama-cpp 3.22.1's prebuilt libllama, vocab_only). Built and run by
 * tools/gen-bpe-fixtures.sh; headers come from the release's git bundle.
 *   bpe-fixtures MODEL.gguf STRINGS.hex > OUT.tsv
 * STRINGS.hex: one hex-encoded string per line ("-" is the empty string).
 * Output columns (tab-separated, ids space-separated, texts in hex):
 *   text  ids(add_special=0,parse_special=0)  ids(1,1)  ids(1,0)
 *   detok(ids(0,0), remove_special=0, unparse_special=0)
 *   detok(ids(1,1), 0, 1)  detok(ids(1,1), 1, 0) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "llama.h"
#include "ggml-backend.h"

static void quiet(enum ggml_log_level level, const char *text, void *ud)
{
    (void)level; (void)text; (void)ud;
}

static int unhex(const char *h, char *out)
{
    int n = 0;
    if (strcmp(h, "-") == 0)
        return 0;
    for (; h[0] && h[1]; h += 2) {
        unsigned v;
        sscanf(h, "%2x", &v);
        out[n++] = (char)v;
    }
    return n;
}

static void put_hex(const char *s, int n)
{
    if (n == 0)
        fputs("-", stdout);
    for (int i = 0; i < n; i++)
        printf("%02x", (unsigned char)s[i]);
}

static int tok(const struct llama_vocab *v, const char *s, int n, int add, int parse, llama_token *ids, int cap)
{
    int k = llama_tokenize(v, s, n, ids, cap, add, parse);
    if (k < 0) {
        fprintf(stderr, "tokenize needs %d ids\n", -k);
        exit(1);
    }
    return k;
}

static void put_ids(const llama_token *ids, int n)
{
    if (n == 0)
        fputs("-", stdout);
    for (int i = 0; i < n; i++)
        printf(i ? " %d" : "%d", ids[i]);
}

static void put_detok(const struct llama_vocab *v, const llama_token *ids, int n, int rm, int unparse, char *buf,
                      int cap)
{
    int k = llama_detokenize(v, ids, n, buf, cap, rm, unparse);
    if (k < 0) {
        fprintf(stderr, "detokenize needs %d bytes\n", -k);
        exit(1);
    }
    put_hex(buf, k);
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: bpe-fixtures LIBDIR MODEL.gguf STRINGS.hex\n");
        return 2;
    }
    llama_log_set(quiet, NULL);
    ggml_backend_load_all_from_path(argv[1]);
    llama_backend_init();
    struct llama_model_params mp = llama_model_default_params();
    mp.vocab_only = 1;
    struct llama_model *m = llama_model_load_from_file(argv[2], mp);
    if (!m) {
        fprintf(stderr, "cannot load %s\n", argv[2]);
        return 1;
    }
    const struct llama_vocab *v = llama_model_get_vocab(m);
    FILE *f = fopen(argv[3], "r");
    static char line[1 << 20], text[1 << 19], buf[1 << 21];
    static llama_token a[1 << 18], b[1 << 18], c[1 << 18];
    printf("# text\tids(0,0)\tids(1,1)\tids(1,0)\tdetok(0,0)\tdetok(1,1;0,1)\tdetok(1,1;1,0) -- llama.cpp (node-llama-cpp 3.22.1) on %s\n",
           strrchr(argv[2], '/') ? strrchr(argv[2], '/') + 1 : argv[2]);
    while (f && fgets(line, sizeof(line), f)) {
        line[strcspn(line, "\r\n")] = 0;
        if (!line[0] || line[0] == '#')
            continue;
        int n = unhex(line, text);
        int na = tok(v, text, n, 0, 0, a, 1 << 18);
        int nb = tok(v, text, n, 1, 1, b, 1 << 18);
        int nc = tok(v, text, n, 1, 0, c, 1 << 18);
        put_hex(text, n);
        putchar('\t'); put_ids(a, na);
        putchar('\t'); put_ids(b, nb);
        putchar('\t'); put_ids(c, nc);
        putchar('\t'); put_detok(v, a, na, 0, 0, buf, sizeof(buf));
        putchar('\t'); put_detok(v, b, nb, 0, 1, buf, sizeof(buf));
        putchar('\t'); put_detok(v, b, nb, 1, 0, buf, sizeof(buf));
        putchar('\n');
    }
    llama_model_free(m);
    return 0;
}
