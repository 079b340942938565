/* generate: tokenize a prompt, run it through the loaded model one position
 * at a time, then sample and stream tokens until end-of-generation, -n, the
 * context limit or Ctrl-C, and print llama.cpp-style timings. This file is
 * built without SSE: every float lives in model/ (llama.c, sampler.c) and
 * is only passed around by pointer here. */
#include "core/printk.h"
#include "core/time.h"
#include "lib/errno.h"
#include "lib/format.h"
#include "lib/string.h"
#include "math/f32_fixed.h"
#include "model/llama.h"
#include "model/llama_ops.h"
#include "model/model.h"
#include "model/sampler.h"
#include "shell/args.h"
#include "shell/command.h"
#include "shell/model_commands.h"
#include "shell/shell.h"
#include "shell/text_escape.h"
#include "shell/utf8_stream.h"

#define GENERATE_DEFAULT_N 128
#define MAX_PROMPT_IDS 4096
#define MAX_LOGITS_K 64

struct gen_options {
    uint32_t n_predict, n_ctx, logits_k, profile, exact;
    struct sampler_params sp;
};

/* ---- streaming text (shell/utf8_stream.c) ---- */

static void console_out(void *ctx, const char *s, size_t n)
{
    (void)ctx;
    printk("%.*s", (int)n, s);
}

/* The stream of the running generate; --logits lines start a new line when
 * text was printed since the last newline. */
static struct utf8_stream stream;

/* ---- options ---- */

static int option_u32(const char *name, const char *v, uint32_t min, uint32_t max, uint32_t *out)
{
    unsigned long long x;
    if (!v || arg_to_u64(v, min, max, &x) < 0) {
        printk("generate: %s takes a number from %u to %u\n", name, min, max);
        return -EINVAL;
    }
    *out = (uint32_t)x;
    return 0;
}

static int option_float(const char *name, const char *v, float *out)
{
    if (!v || parse_float(v, out) < 0) {
        printk("generate: %s takes a number (e.g. 0.8)\n", name);
        return -EINVAL;
    }
    return 0;
}

/* Next space-separated word of the raw line into word; returns the rest. */
static const char *next_word(const char *p, char *word, size_t cap)
{
    size_t n = 0;
    while (*p && *p != ' ' && *p != '\t') {
        if (n + 1 < cap)
            word[n++] = *p;
        p++;
    }
    word[n] = 0;
    while (*p == ' ' || *p == '\t')
        p++;
    return p;
}

/* Options first, then the prompt: the rest of the line, exactly as typed
 * (escapes as in tokenize; surrounding double quotes removed). */
static int parse_options(const char *line, struct gen_options *o, const char **prompt)
{
    char opt[32], val[32];
    memset(o, 0, sizeof(*o));
    o->n_predict = GENERATE_DEFAULT_N;
    sampler_defaults(&o->sp);
    const char *p = line;
    while (*p == '-' && p[1] && p[1] != ' ') {
        const char *after = next_word(p, opt, sizeof(opt));
        if (!strcmp(opt, "--profile") || !strcmp(opt, "--exact")) {   /* the flags without a value */
            *(opt[2] == 'p' ? &o->profile : &o->exact) = 1;
            p = after;
            continue;
        }
        const char *rest = next_word(after, val, sizeof(val));
        const char *v = *after ? val : NULL;
        uint32_t u = 0;
        int rc = 0;
        if (!strcmp(opt, "-n")) rc = option_u32(opt, v, 0, 1u << 20, &o->n_predict);
        else if (!strcmp(opt, "--ctx")) rc = option_u32(opt, v, 1, 1u << 24, &o->n_ctx);
        else if (!strcmp(opt, "--logits")) rc = option_u32(opt, v, 1, MAX_LOGITS_K, &o->logits_k);
        else if (!strcmp(opt, "--top-k")) { rc = option_u32(opt, v, 0, 1u << 24, &u); o->sp.top_k = (int32_t)u; }
        else if (!strcmp(opt, "--seed")) { rc = option_u32(opt, v, 0, 0xFFFFFFFFu, &u); o->sp.seed = u; }
        else if (!strcmp(opt, "--temp")) rc = option_float(opt, v, &o->sp.temp);
        else if (!strcmp(opt, "--top-p")) rc = option_float(opt, v, &o->sp.top_p);
        else if (!strcmp(opt, "--min-p")) rc = option_float(opt, v, &o->sp.min_p);
        else if (!strcmp(opt, "--repeat-penalty")) rc = option_float(opt, v, &o->sp.repeat_penalty);
        else {
            printk("generate: unknown option %s\n", opt);
            return shell_usage("generate");
        }
        if (rc < 0)
            return rc;
        p = rest;
    }
    char why[96];
    if (sampler_check_params(&o->sp, why, sizeof(why)) < 0) {
        printk("generate: %s\n", why);
        return -EINVAL;
    }
    *prompt = p;
    return 0;
}

/* ---- the run ---- */

/* "<what> N tokens, T ms, R tok/s" with R = passes / T: the rate of the
 * forward passes T measured (the first generated token comes from the
 * prompt's last logits, and the last one is never evaluated, so N - 1
 * passes produce N tokens; llama.cpp reports eval runs the same way). */
static void print_rate(const char *what, uint32_t tokens, uint32_t passes, uint64_t us)
{
    uint64_t rate100 = us ? (uint64_t)passes * 100000000ULL / us : 0;   /* tok/s x 100 */
    printk("%s %u tokens, %lu.%03lu ms, %lu.%02lu tok/s", what, tokens, us / 1000, us % 1000, rate100 / 100,
           rate100 % 100);
    printk(passes != tokens ? " (%u forward passes)\n" : "\n", passes);
}

static void print_logits(const struct llama_state *st, const struct llama_weights *w, uint32_t pos, uint32_t k)
{
    static char line[MAX_LOGITS_K * 28 + 32];
    format_top_logits(line, sizeof(line), st->logits, w->shape.vocab, k);
    printk("%slogits %u: %s\n", stream.mid_line ? "\n" : "", pos, line);
    stream.mid_line = 0;
}

/* Where the forward passes' time went (calibrated TSC), in the order the
 * forward pass runs the operations. */
static void print_profile(const struct llama_state *st)
{
    uint64_t total = 0;
    for (int i = 0; i < LLAMA_PROF_COUNT; i++)
        total += st->prof[i];
    printk("profile (forward passes, calibrated TSC):\n");
    for (int i = 0; i < LLAMA_PROF_COUNT; i++) {
        uint64_t us = time_tsc_to_us(st->prof[i]);
        uint64_t per_mille = total ? st->prof[i] * 1000 / total : 0;
        printk("  %-16s %8lu.%03lu ms %3lu.%lu%%\n", llama_prof_names[i], us / 1000, us % 1000, per_mille / 10,
               per_mille % 10);
    }
}

struct run {
    struct loaded_model lm;
    struct gen_options o;
    uint32_t n_ctx;
    struct sampler s;
};

static int eval(struct run *r, int32_t id, uint32_t pos)
{
    int rc = llama_forward(r->lm.weights, r->lm.state, id, pos);
    if (rc < 0) {
        printk("\ngenerate: the forward pass failed at position %u (%s)\n", pos,
               rc == -ERANGE ? "the activations overflowed to inf/NaN: the weights are not usable" : error_name(rc));
        return rc;
    }
    if (r->o.logits_k)
        print_logits(r->lm.state, r->lm.weights, pos, r->o.logits_k);
    return 0;
}

static void logits_cb(void *ctx, uint32_t pos)
{
    struct run *r = ctx;
    print_logits(r->lm.state, r->lm.weights, pos, r->o.logits_k);
}

/* The next chunk of the prompt from *pos, batched (llama_prefill: logits
 * only for the last position unless --logits asks for all); one position
 * at a time with llama_forward if the batch buffers don't fit. */
static int eval_prompt(struct run *r, const int32_t *ids, uint32_t n_prompt, uint32_t *pos)
{
    uint32_t n = n_prompt - *pos < LLAMA_PREFILL_CHUNK ? n_prompt - *pos : LLAMA_PREFILL_CHUNK;
    int rc = llama_prefill(r->lm.weights, r->lm.state, ids + *pos, n, *pos, 1, r->o.logits_k ? logits_cb : NULL, r);
    if (rc == -ENOMEM) {
        rc = eval(r, ids[*pos], *pos);
        n = 1;
    } else if (rc < 0) {
        printk("\ngenerate: the forward pass failed at positions %u-%u (%s)\n", *pos, *pos + n - 1, error_name(rc));
    }
    if (rc < 0)
        return rc;
    *pos += n;
    return 0;
}

static int generate_tokens(struct run *r, const int32_t *ids, uint32_t n_prompt, const char *text, size_t len)
{
    const struct tokenizer *tok = &r->lm.model->tok;
    struct utf8_stream *u = &stream;
    utf8_stream_init(u, console_out, NULL);
    utf8_stream_put(u, text, len);                    /* the prompt first, as llama.cpp echoes it */
    utf8_stream_flush(u);
    uint64_t t0 = time_us();
    for (uint32_t pos = 0; pos < n_prompt;) {
        int rc = eval_prompt(r, ids, n_prompt, &pos);
        if (rc < 0)
            return rc;
        if (shell_poll_interrupt()) {
            printk("\n^C [interrupted during the prompt, at position %u]\n", pos - 1);
            return -ECANCELED;
        }
    }
    uint64_t t1 = time_us();
    uint32_t pos = n_prompt, generated = 0;
    uint64_t t_first = 0;                             /* when the first token was chosen */
    const char *why = NULL;
    int rc = 0;
    while (!why) {
        if (generated == r->o.n_predict) { why = NULL; break; }
        int32_t id = sampler_sample(&r->s, r->lm.state->logits);
        if (tokenizer_is_eog(tok, id)) { why = "[end of text]"; break; }   /* EOS, <|eot_id|>, <|im_end|>, ... */
        sampler_accept(&r->s, id);
        if (generated++ == 0)
            t_first = time_us();
        static char piece[TOKENIZER_MAX_PIECE];
        int len = tokenizer_piece(tok, id, piece, sizeof(piece));
        if (len > 0)
            utf8_stream_put(u, piece, (size_t)len < sizeof(piece) ? (size_t)len : sizeof(piece));
        if (generated == r->o.n_predict)
            break;
        if (pos >= r->n_ctx) {
            utf8_stream_flush(u);
            printk("\n[context limit: %u tokens]", r->n_ctx);
            why = "";
            break;
        }
        if ((rc = eval(r, id, pos++)) < 0)
            return rc;
        if (shell_poll_interrupt()) {
            utf8_stream_flush(u);
            printk("\n^C [interrupted]");
            why = "";
            rc = -ECANCELED;
            break;
        }
    }
    utf8_stream_flush(u);
    printk("\n%s%s", why && *why ? why : "", why && *why ? "\n" : "");
    uint64_t t2 = time_us();
    print_rate("prompt eval:", n_prompt, n_prompt, t1 - t0);
    print_rate("generation: ", generated, pos - n_prompt, generated ? t2 - t_first : 0);
    if (r->o.profile)
        print_profile(r->lm.state);
    return rc;
}

static int cmd_generate(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    const char *line = shell_current_line();
    while (*line == ' ' || *line == '\t')
        line++;
    line += strlen("generate");
    while (*line == ' ' || *line == '\t')
        line++;
    static struct run r;
    memset(&r, 0, sizeof(r));
    const char *prompt = "";
    int rc = parse_options(line, &r.o, &prompt);
    if (rc < 0)
        return rc;
    if (model_commands_loaded(&r.lm) < 0) {
        printk("generate: no model loaded (use loadmodel)\n");
        return -ENOENT;
    }
    if (!r.lm.weights || !r.lm.model->has_tokenizer) {
        printk("generate: the model on %s has %s (load a model with weights and a llama tokenizer)\n", r.lm.device,
               !r.lm.weights ? "no weights" : "no supported tokenizer");
        return -ENOENT;
    }
    r.n_ctx = r.lm.state->n_ctx;
    if (r.o.n_ctx) {
        if (r.o.n_ctx > r.n_ctx) {
            printk("generate: --ctx %u is above the %u tokens allocated at load (use loadmodel --ctx %u)\n",
                   r.o.n_ctx, r.n_ctx, r.o.n_ctx);
            return -EINVAL;
        }
        r.n_ctx = r.o.n_ctx;
    }
    static char text[LINE_TEXT_MAX];
    size_t plen = strlen(prompt);
    if (plen >= 2 && prompt[0] == '"' && prompt[plen - 1] == '"') {
        static char unq[LINE_TEXT_MAX];
        snprintf(unq, sizeof(unq), "%.*s", (int)(plen - 2), prompt + 1);
        prompt = unq;
    }
    int len = text_unescape(prompt, text, sizeof(text));
    if (len < 0)
        return len;
    if (len == 0) {
        printk("generate: empty prompt (usage: generate [options] <prompt>)\n");
        return -EINVAL;
    }
    const struct tokenizer *tok = &r.lm.model->tok;
    static int32_t ids[MAX_PROMPT_IDS];
    /* As llama.cpp's llama-completion and llama-simple: add_special (BOS as
     * the model says) and parse_special, so a prompt can hold a chat
     * template's <|im_start|> / <|start_header_id|> as the tokens themselves. */
    int n = tokenizer_encode_special(tok, text, (size_t)len, 1, 1, ids, MAX_PROMPT_IDS);
    if (n < 0) {
        printk("generate: cannot tokenize the prompt (%s)\n", error_text(n));
        return n;
    }
    if ((uint32_t)n > r.n_ctx) {
        printk("generate: the prompt is %d tokens, longer than the context of %u tokens\n", n, r.n_ctx);
        return -E2BIG;
    }
    if ((rc = sampler_init(&r.s, &r.o.sp, r.lm.weights->shape.vocab)) < 0) {
        printk("generate: no memory for the sampler\n");
        return rc;
    }
    for (int i = 0; i < n; i++)
        sampler_accept(&r.s, ids[i]);
    memset(r.lm.state->prof, 0, sizeof(r.lm.state->prof));
    /* --exact: F32 weights in ggml's own order (bit-exact with llama.cpp's
     * x64 build) instead of fixed point (math/f32_fixed.h), for this run */
    f32fx_set_exact((int)r.o.exact);
    rc = generate_tokens(&r, ids, (uint32_t)n, text, (size_t)len);
    f32fx_set_exact(0);
    sampler_free(&r.s);
    return rc == -ECANCELED ? 0 : rc;
}

static const struct shell_command generate_commands[] = {
    { "generate",
      "generate [-n N] [--temp T] [--top-k K] [--top-p P] [--min-p P] [--repeat-penalty R] [--seed S] [--ctx N] "
      "[--logits K] [--profile] [--exact] <prompt>",
      "write text with the loaded model (defaults: -n 128, --temp 0.8, --top-k 40, --top-p 0.95, --min-p 0.05, "
      "--repeat-penalty 1.1 over the last 64 tokens (1 = off), --seed 1162691151; --temp 0 is greedy; --profile: time per operation; --exact: F32 weights in llama.cpp's x64 order, "
      "bit for bit, about 3x slower than the default fixed point; Ctrl-C stops)",
      cmd_generate, 1 },
};

void generate_commands_register(void)
{
    shell_register(generate_commands, sizeof(generate_commands) / sizeof(generate_commands[0]));
}
