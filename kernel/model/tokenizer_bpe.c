/* Loading a byte-level BPE vocabulary from GGUF metadata, with llama.cpp's
 * defaults and per-text token overrides (src/llama-vocab.cpp, load). */
#include "model/tokenizer_bpe.h"
#include "core/heap.h"
#include "lib/errno.h"
#include "lib/format.h"
#include "lib/hash_probe.h"
#include "lib/string.h"
#include "model/token_partition.h"
#include "model/tokenizer_load.h"
#include "model/unicode_class.h"

static int fail(struct gguf_error *err, int code, uint64_t offset, const char *what)
{
    err->code = code;
    err->offset = offset;
    snprintf(err->message, sizeof(err->message), "tokenizer: %s", what);
    return code;
}

/* GPT-2's bytes_to_unicode: printable Latin-1 bytes stand for themselves,
 * the other 68 take U+0100 onwards in byte order. */
uint32_t bpe_cp_of_byte(uint8_t b)
{
    if ((b >= 0x21 && b <= 0x7E) || (b >= 0xA1 && b <= 0xAC) || b >= 0xAE)
        return b;
    if (b <= 0x20)
        return 0x100 + b;
    if (b == 0x7F)
        return 0x121;
    if (b <= 0xA0)
        return 0x122 + (b - 0x80);
    return 0x143;                                   /* 0xAD */
}

int bpe_byte_of_cp(uint32_t cp)
{
    if ((cp >= 0x21 && cp <= 0x7E) || (cp >= 0xA1 && cp <= 0xAC) || (cp >= 0xAE && cp <= 0xFF))
        return (int)cp;
    if (cp >= 0x100 && cp <= 0x120)
        return (int)(cp - 0x100);
    if (cp == 0x121)
        return 0x7F;
    if (cp >= 0x122 && cp <= 0x142)
        return (int)(cp - 0x122 + 0x80);
    if (cp == 0x143)
        return 0xAD;
    return -1;
}

/* Pre-type names as llama.cpp maps them, with its flags. Names llama.cpp
 * knows but whose rules are not implemented here are refused by name. */
struct pre_def {
    const char *name;
    enum bpe_pre pre;
    uint8_t ignore_merges, add_bos, clean_spaces;
};

static const struct pre_def pre_defs[] = {
    { "default", BPE_PRE_DEFAULT, 0, 0, 1 },
    { "llama3", BPE_PRE_LLAMA3, 1, 1, 1 }, { "llama-v3", BPE_PRE_LLAMA3, 1, 1, 1 },
    { "llama-bpe", BPE_PRE_LLAMA3, 1, 1, 1 }, { "falcon3", BPE_PRE_LLAMA3, 1, 1, 1 },
    { "falcon-h1", BPE_PRE_LLAMA3, 1, 1, 1 }, { "pixtral", BPE_PRE_LLAMA3, 1, 1, 1 },
    { "midm-2.0", BPE_PRE_LLAMA3, 1, 1, 1 }, { "lfm2", BPE_PRE_LLAMA3, 1, 1, 1 },
    { "jina-v5-nano", BPE_PRE_LLAMA3, 1, 1, 1 },
    { "dbrx", BPE_PRE_LLAMA3, 0, 0, 1 }, { "smaug-bpe", BPE_PRE_LLAMA3, 0, 0, 1 },
    { "gpt-2", BPE_PRE_GPT2, 0, 0, 1 }, { "phi-2", BPE_PRE_GPT2, 0, 0, 1 },
    { "jina-es", BPE_PRE_GPT2, 0, 0, 1 }, { "jina-de", BPE_PRE_GPT2, 0, 0, 1 },
    { "gigachat", BPE_PRE_GPT2, 0, 0, 1 }, { "jina-v2-es", BPE_PRE_GPT2, 0, 0, 1 },
    { "jina-v2-de", BPE_PRE_GPT2, 0, 0, 1 }, { "a.x-4.0", BPE_PRE_GPT2, 0, 0, 1 },
    { "mellum", BPE_PRE_GPT2, 0, 0, 1 }, { "modern-bert", BPE_PRE_GPT2, 0, 0, 1 },
    { "exaone4", BPE_PRE_GPT2, 0, 0, 1 }, { "mpt", BPE_PRE_GPT2, 0, 0, 1 },
    { "olmo", BPE_PRE_GPT2, 0, 0, 1 }, { "jais", BPE_PRE_GPT2, 0, 0, 1 },
    { "trillion", BPE_PRE_GPT2, 0, 0, 0 }, { "granite-docling", BPE_PRE_GPT2, 0, 0, 0 },
    { "qwen2", BPE_PRE_QWEN2, 0, 0, 0 }, { "deepseek-r1-qwen", BPE_PRE_QWEN2, 0, 0, 0 },
    { "kormo", BPE_PRE_QWEN2, 0, 0, 0 }, { "f2llmv2", BPE_PRE_QWEN2, 0, 0, 0 },
    { "megrez", BPE_PRE_QWEN2, 0, 0, 1 }, { "stablelm2", BPE_PRE_QWEN2, 0, 0, 1 },
    { "hunyuan", BPE_PRE_QWEN2, 0, 0, 0 }, { "solar-open", BPE_PRE_QWEN2, 0, 0, 0 },
    { "smollm", BPE_PRE_STARCODER, 0, 0, 0 }, { "starcoder", BPE_PRE_STARCODER, 0, 0, 1 },
    { "refact", BPE_PRE_STARCODER, 0, 0, 1 }, { "command-r", BPE_PRE_STARCODER, 0, 0, 0 },
    { "codeshell", BPE_PRE_STARCODER, 0, 0, 1 }, { "exaone", BPE_PRE_STARCODER, 0, 0, 1 },
    { "minerva-7b", BPE_PRE_STARCODER, 0, 0, 1 }, { "mellum2", BPE_PRE_STARCODER, 0, 0, 1 },
};

static int read_string_array(struct tokenizer *t, const struct gguf_kv *kv, struct gguf_reader *r,
                             struct gguf_error *err)
{
    uint64_t cap = (uint64_t)t->n_tokens * 8 + 64, used = 0;
    t->pool = kmalloc(cap);
    if (!t->pool || gguf_reader_seek(r, kv->arr_offset) < 0)
        return fail(err, -ENOMEM, kv->arr_offset, "no memory for the vocabulary");
    for (uint32_t i = 0; i < t->n_tokens; i++) {
        uint64_t len, at = r->pos;
        char empty[24];
        if (gguf_read_u64(r, &len) < 0 || len > TOKENIZER_MAX_PIECE || len > gguf_reader_left(r))
            return fail(err, -ETOK_VOCAB, at, "token text length invalid");
        /* As llama.cpp: an empty token becomes "[EMPTY_<id>]". */
        uint64_t need = len ? len : (uint64_t)snprintf(empty, sizeof(empty), "[EMPTY_%u]", i);
        if (used + need > cap) {
            uint64_t ncap = (cap + need) * 2;
            char *np = kmalloc(ncap);
            if (!np)
                return fail(err, -ENOMEM, at, "no memory for the vocabulary");
            memcpy(np, t->pool, used);
            kfree(t->pool);
            t->pool = np;
            cap = ncap;
        }
        if (len == 0)
            memcpy(t->pool + used, empty, need);
        else if (gguf_read_bytes(r, t->pool + used, len) < 0)
            return fail(err, -ETOK_VOCAB, at, "token text truncated");
        t->text_offset[i] = (uint32_t)used;
        t->text_len[i] = (uint32_t)need;
        used += need;
    }
    return 0;
}

/* FNV-1a, continued from h: the hash of a joined text is the left part's
 * hash continued over the right part. */
static uint64_t fnv(uint64_t h, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        h ^= (uint8_t)s[i];
        h *= 0x100000001B3ULL;
    }
    return h;
}
#define FNV_START 0xCBF29CE484222325ULL

/* Token hash: each slot holds (tag << 32) | (id + 1), the tag being the
 * hash's upper half, so a probe past another token rarely touches its text
 * (the load is dominated by these lookups; under TCG every random access
 * costs). The key is the text a + b (b may be empty) with hash h. */
struct text_key {
    const struct tokenizer *t;
    const char *a, *b;
    size_t na, nb;
    uint32_t tag;
};

/* Stops at an empty slot or the token whose text is the key's. */
static int text_stop(const void *ctx, uint64_t slot)
{
    const struct text_key *k = ctx;
    uint64_t v = k->t->bpe->tok_slots[slot];
    if (v == 0)
        return 1;
    if ((uint32_t)(v >> 32) != k->tag)
        return 0;
    int32_t id = (int32_t)(uint32_t)v - 1;
    const char *text = k->t->pool + k->t->text_offset[id];
    return k->t->text_len[id] == k->na + k->nb && memcmp(text, k->a, k->na) == 0 &&
           memcmp(text + k->na, k->b, k->nb) == 0;
}

static uint64_t text_slot(const struct tokenizer *t, const char *a, size_t na, const char *b, size_t nb, uint64_t h)
{
    struct text_key k = { t, a, b, na, nb, (uint32_t)(h >> 32) };
    return hash_probe(h, t->bpe->tok_mask, text_stop, &k);
}

static int32_t lookup_hashed(const struct tokenizer *t, const char *a, size_t na, const char *b, size_t nb, uint64_t h)
{
    uint64_t v = t->bpe->tok_slots[text_slot(t, a, na, b, nb, h)];
    return v ? (int32_t)(uint32_t)v - 1 : -1;
}

int32_t tokenizer_bpe_lookup(const struct tokenizer *t, const char *text, size_t len)
{
    return lookup_hashed(t, text, len, "", 0, fnv(FNV_START, text, len));
}

/* Duplicate texts are refused, as llama.cpp asserts that every text has one id. */
static int build_token_hash(struct tokenizer *t, struct gguf_error *err)
{
    struct bpe_state *b = t->bpe;
    uint32_t slots = 16;
    while (slots < 2 * t->n_tokens)
        slots <<= 1;
    b->tok_slots = kcalloc(slots, sizeof(uint64_t));
    if (!b->tok_slots)
        return fail(err, -ENOMEM, 0, "no memory for the token table");
    b->tok_mask = slots - 1;
    b->table_bytes += (uint64_t)slots * sizeof(uint64_t);
    for (uint32_t id = 0; id < t->n_tokens; id++) {
        const char *text = t->pool + t->text_offset[id];
        uint64_t h = fnv(FNV_START, text, t->text_len[id]);
        uint64_t i = text_slot(t, text, t->text_len[id], "", 0, h);
        if (b->tok_slots[i] != 0) {
            char what[96];
            snprintf(what, sizeof(what), "tokens %d and %u have the same text", (int32_t)(uint32_t)b->tok_slots[i] - 1,
                     id);
            return fail(err, -ETOK_VOCAB, 0, what);
        }
        b->tok_slots[i] = ((h >> 32) << 32) | (id + 1);
    }
    return 0;
}

static uint32_t pair_hash(int32_t a, int32_t b)
{
    uint64_t k = ((uint64_t)(uint32_t)a << 32) | (uint32_t)b;
    k *= 0x9E3779B97F4A7C15ULL;
    return (uint32_t)(k >> 32);
}

struct pair_key {
    const struct bpe_state *b;
    int32_t left, right;
};

/* Stops at an empty slot or the merge of the key's pair. */
static int pair_stop(const void *ctx, uint64_t slot)
{
    const struct pair_key *k = ctx;
    uint32_t m = k->b->merge_slots[slot];
    return m == 0 || (k->b->merges[m - 1].left == k->left && k->b->merges[m - 1].right == k->right);
}

static uint64_t merge_slot(const struct bpe_state *b, int32_t left, int32_t right)
{
    struct pair_key k = { b, left, right };
    return hash_probe(pair_hash(left, right), b->merge_mask, pair_stop, &k);
}

/* The merge of (left, right), or NULL. */
static const struct bpe_merge *merge_find(const struct bpe_state *b, int32_t left, int32_t right)
{
    uint32_t m = b->merge_slots[merge_slot(b, left, right)];
    return m ? &b->merges[m - 1] : NULL;
}

/* Adds a merge unless its pair is there already (the first rank wins, as
 * llama.cpp's map emplace). */
static void merge_add(struct bpe_state *b, int32_t left, int32_t right, int32_t result)
{
    uint64_t i = merge_slot(b, left, right);
    if (b->merge_slots[i]) {
        b->merges_dropped++;
        return;
    }
    b->merges[b->n_merges] = (struct bpe_merge){ left, right, result };
    b->merge_slots[i] = ++b->n_merges;
}

/* Reads "left right" lines: each side and the joined text must be tokens
 * (in these vocabularies they always are; llama.cpp would merge into a
 * non-token and fall back to bytes). */
static int read_merges(struct tokenizer *t, struct bpe_state *b, const struct gguf_kv *kv, struct gguf_reader *r,
                       struct gguf_error *err)
{
    if (kv->arr_count > 4 * (uint64_t)TOKENIZER_MAX_TOKENS)
        return fail(err, -ETOK_VOCAB, kv->offset, "too many merges");
    uint32_t n = (uint32_t)kv->arr_count;
    uint32_t slots = 16;
    while (slots < 2 * n)
        slots <<= 1;
    b->merges = kmalloc((size_t)(n ? n : 1) * sizeof(struct bpe_merge));
    b->merge_slots = kcalloc(slots, sizeof(uint32_t));
    char *line = kmalloc(2 * TOKENIZER_MAX_PIECE + 2);
    if (!b->merges || !b->merge_slots || !line || gguf_reader_seek(r, kv->arr_offset) < 0) {
        kfree(line);
        return fail(err, -ENOMEM, kv->offset, "no memory for the merges");
    }
    b->merge_mask = slots - 1;
    b->merges_in_file = n;
    b->table_bytes += (uint64_t)n * sizeof(struct bpe_merge) + (uint64_t)slots * sizeof(uint32_t);
    for (uint32_t i = 0; i < n; i++) {
        uint64_t len, at = r->pos;
        if (gguf_read_u64(r, &len) < 0 || len > 2 * TOKENIZER_MAX_PIECE + 1 || gguf_read_bytes(r, line, len) < 0) {
            kfree(line);
            return fail(err, -ETOK_VOCAB, at, "merge text invalid");
        }
        /* Split at the first space after position 0 (llama.cpp's find(' ', 1)). */
        uint64_t sp = 1;
        while (sp < len && line[sp] != ' ')
            sp++;
        int32_t left = -1, right = -1, result = -1;
        if (sp < len) {
            const char *rt = line + sp + 1;
            size_t rn = len - sp - 1;
            uint64_t hl = fnv(FNV_START, line, sp);
            left = lookup_hashed(t, line, sp, "", 0, hl);
            right = tokenizer_bpe_lookup(t, rt, rn);
            if (left >= 0 && right >= 0)
                result = lookup_hashed(t, line, sp, rt, rn, fnv(hl, rt, rn));
        }
        if (left < 0 || right < 0 || result < 0)
            b->merges_dropped++;
        else
            merge_add(b, left, right, result);
    }
    kfree(line);
    return 0;
}

const struct bpe_merge *tokenizer_bpe_merge(const struct tokenizer *t, int32_t left, int32_t right)
{
    return merge_find(t->bpe, left, right);
}

static int32_t lookup_str(const struct tokenizer *t, const char *s)
{
    return tokenizer_lookup(t, s, strlen(s));
}

/* The first of texts that is a token (lowest id among equals is not
 * needed: texts are unique), made CONTROL; llama.cpp does this for the
 * EOT/EOM/FIM roles when no key names them. */
static int32_t role_by_text(struct tokenizer *t, int32_t id, const char *const *texts)
{
    if (id >= 0)
        return id;
    int32_t best = -1;
    for (; *texts; texts++) {
        int32_t k = lookup_str(t, *texts);
        if (k >= 0 && (best < 0 || k < best))
            best = k;
    }
    if (best >= 0)
        t->type[best] = TOKEN_CONTROL;
    return best;
}

#define MAX_EOG 64

static int add_eog(struct bpe_state *b, int32_t id)
{
    if (id < 0 || b->n_eog == MAX_EOG)
        return 0;
    uint32_t i = 0;
    while (i < b->n_eog && b->eog[i] < id)
        i++;
    if (i < b->n_eog && b->eog[i] == id)
        return 0;
    memmove(b->eog + i + 1, b->eog + i, (b->n_eog - i) * sizeof(int32_t));
    b->eog[i] = id;
    b->n_eog++;
    return 1;
}

static void remove_eog(struct bpe_state *b, int32_t id)
{
    for (uint32_t i = 0; i < b->n_eog; i++)
        if (b->eog[i] == id) {
            memmove(b->eog + i, b->eog + i + 1, (b->n_eog - i - 1) * sizeof(int32_t));
            b->n_eog--;
            return;
        }
}

static const char *const eot_texts[] = { "<|eot_id|>", "<|im_end|>", "<|end|>", "<end_of_turn>", "<|endoftext|>",
    "<|end_of_text|>", "<EOT>", "_<EOT>", "[EOT]", "<\xEF\xBD\x9C" "end\xE2\x96\x81of\xE2\x96\x81sentence\xEF\xBD\x9C>",
    "<end_of_utterance>", NULL };
static const char *const eom_texts[] = { "<|eom_id|>", NULL };
static const char *const fim_pre_texts[] = { "<|fim_prefix|>", "<fim-prefix>", "<fim_prefix>",
    "<\xEF\xBD\x9C" "fim\xE2\x96\x81" "begin\xEF\xBD\x9C>", "<PRE>", "\xE2\x96\x81<PRE>", "<|code_prefix|>", "<|prefix|>", NULL };
static const char *const fim_suf_texts[] = { "<|fim_suffix|>", "<fim-suffix>", "<fim_suffix>",
    "<\xEF\xBD\x9C" "fim\xE2\x96\x81hole\xEF\xBD\x9C>", "<SUF>", "\xE2\x96\x81<SUF>", "<|code_suffix|>", "<|suffix|>", NULL };
static const char *const fim_mid_texts[] = { "<|fim_middle|>", "<fim-middle>", "<fim_middle>",
    "<\xEF\xBD\x9C" "fim\xE2\x96\x81" "end\xEF\xBD\x9C>", "<MID>", "\xE2\x96\x81<MID>", "<|code_middle|>", "<|middle|>", NULL };
static const char *const fim_pad_texts[] = { "<|fim_pad|>", "<fim-pad>", "<fim_pad>", "<PAD>", "[PAD]", NULL };
static const char *const fim_rep_texts[] = { "<|fim_repo|>", "<|repo_name|>", "<fim-repo>", "<REPO>", "<reponame>", NULL };
static const char *const fim_sep_texts[] = { "<|file_sep|>", NULL };
/* Texts that end generation (llama.cpp's EOG list); each becomes CONTROL. */
static const char *const eog_texts[] = { "<|eot_id|>", "<|im_end|>", "<|end|>", "<|return|>", "<|call|>", "<|flush|>",
    "<|calls|>", "<end_of_turn>", "<|endoftext|>", "</s>", "<|eom_id|>", "<EOT>", "_<EOT>", "[EOT]", "[EOS]",
    "<|end_of_text|>", "<end_of_utterance>", "<eos>", "<turn|>", "<|tool_response>",
    "<\xEF\xBD\x9C" "end\xE2\x96\x81of\xE2\x96\x81sentence\xEF\xBD\x9C>", "[e~[", NULL };

static int32_t id_of_key(const struct gguf_file *f, const char *key, uint32_t n)
{
    return tokenizer_special_id(f, key, -1, n);
}

/* llama.cpp's special-token roles and end-of-generation set. */
static int find_roles(struct tokenizer *t, const struct gguf_file *f)
{
    struct bpe_state *b = t->bpe;
    uint32_t n = t->n_tokens;
    b->eog = kmalloc(MAX_EOG * sizeof(int32_t));
    if (!b->eog)
        return -ENOMEM;
    int32_t eot = role_by_text(t, id_of_key(f, "tokenizer.ggml.eot_token_id", n), eot_texts);
    int32_t eom = role_by_text(t, id_of_key(f, "tokenizer.ggml.eom_token_id", n), eom_texts);
    int32_t fim_pre = id_of_key(f, "tokenizer.ggml.prefix_token_id", n);
    role_by_text(t, tokenizer_special_id(f, "tokenizer.ggml.fim_pre_token_id", fim_pre, n), fim_pre_texts);
    int32_t fim_suf = id_of_key(f, "tokenizer.ggml.suffix_token_id", n);
    role_by_text(t, tokenizer_special_id(f, "tokenizer.ggml.fim_suf_token_id", fim_suf, n), fim_suf_texts);
    int32_t fim_mid = id_of_key(f, "tokenizer.ggml.middle_token_id", n);
    role_by_text(t, tokenizer_special_id(f, "tokenizer.ggml.fim_mid_token_id", fim_mid, n), fim_mid_texts);
    add_eog(b, role_by_text(t, id_of_key(f, "tokenizer.ggml.fim_pad_token_id", n), fim_pad_texts));
    add_eog(b, role_by_text(t, id_of_key(f, "tokenizer.ggml.fim_rep_token_id", n), fim_rep_texts));
    add_eog(b, role_by_text(t, id_of_key(f, "tokenizer.ggml.fim_sep_token_id", n), fim_sep_texts));
    for (const char *const *s = eog_texts; *s; s++) {
        int32_t id = lookup_str(t, *s);
        if (id >= 0) {
            add_eog(b, id);
            if (t->type[id] != TOKEN_CONTROL)
                t->type[id] = TOKEN_CONTROL;
        }
    }
    static const char *const harmony_user[] = { "<|channel|>", "<|message|>", "<|start|>", "<|constrain|>", NULL };
    for (const char *const *s = harmony_user; *s; s++) {
        int32_t id = lookup_str(t, *s);
        if (id >= 0)
            t->type[id] = TOKEN_USER_DEFINED;
    }
    add_eog(b, t->eos);
    add_eog(b, eot);
    add_eog(b, eom);
    b->eot = eot;
    /* gpt-oss: with <|return|> and <|call|>, <|end|> only ends a message. */
    int32_t ret = lookup_str(t, "<|return|>"), call = lookup_str(t, "<|call|>"), calls = lookup_str(t, "<|calls|>");
    int32_t flush = lookup_str(t, "<|flush|>"), end = lookup_str(t, "<|end|>");
    if (end >= 0 && ((ret >= 0 && (call >= 0 || calls >= 0)) || ((call >= 0 || calls >= 0) && flush >= 0))) {
        remove_eog(b, end);
        t->type[end] = TOKEN_USER_DEFINED;
    }
    int32_t tool_resp = lookup_str(t, "<|tool_response>"), s_end = lookup_str(t, "</s>");
    if (tool_resp >= 0 && s_end >= 0) {
        remove_eog(b, s_end);
        t->type[s_end] = TOKEN_NORMAL;
    }
    return 0;
}

static int choose_pre(struct bpe_state *b, const struct gguf_file *f, int *add_bos, struct gguf_error *err)
{
    const char *pre = gguf_get_str(f, "tokenizer.ggml.pre");
    if (!pre) {
        b->missing_pre = 1;
        pre = "default";
    }
    for (size_t i = 0; i < sizeof(pre_defs) / sizeof(pre_defs[0]); i++) {
        if (strcmp(pre_defs[i].name, pre) != 0)
            continue;
        b->pre = pre_defs[i].pre;
        b->ignore_merges = pre_defs[i].ignore_merges;
        b->clean_spaces = pre_defs[i].clean_spaces;
        *add_bos = pre_defs[i].add_bos;
        snprintf(b->pre_name, sizeof(b->pre_name), "%s", pre);
        return 0;
    }
    /* Pre-types llama.cpp knows whose rules are not implemented here. */
    static const char *const other[] = { "minicpm5", "deepseek-llm", "deepseek-coder", "deepseek-v3", "spark2_5",
        "youtu", "falcon", "jais-2", "gemma4", "granite-embed-multi-311m", "sarvam-moe", "jina-v1-en", "jina-v2-code",
        "roberta-bpe", "whitespace", "qwen35", "poro-chat", "glm4", "chatglm-bpe", "viking", "tekken", "bloom",
        "gpt3-finnish", "exaone-moe", "chameleon", "gpt-4o", "llama4", "kanana2", "talkie", "granite-embed-multi-97m",
        "tiny_aya", "cohere2moe", "superbpe", "bailingmoe", "bailingmoe2", "llada-moe", "seed-coder", "hunyuan-dense",
        "hy_v4", "joyai-llm", "kimi-k2", "ufakzeka", "grok-2", "afmoe", "laguna", "minimax-m2", NULL };
    char what[112];
    for (const char *const *o = other; *o; o++)
        if (strcmp(*o, pre) == 0) {
            snprintf(what, sizeof(what), "pre-tokenizer type '%.40s' is not supported", pre);
            return fail(err, -ETOK_UNSUPPORTED, 0, what);
        }
    snprintf(what, sizeof(what), "unknown pre-tokenizer type: '%.40s'", pre);
    return fail(err, -ETOK_UNSUPPORTED, 0, what);
}

static int read_types(struct tokenizer *t, const struct gguf_file *f, struct gguf_reader *r, struct gguf_error *err)
{
    const struct gguf_kv *kv = gguf_find(f, "tokenizer.ggml.token_type");
    if (!kv) {
        memset(t->type, TOKEN_NORMAL, t->n_tokens);
        return 0;
    }
    if (kv->type != GGUF_TYPE_ARRAY || kv->arr_type != GGUF_TYPE_INT32 || kv->arr_count < t->n_tokens)
        return fail(err, -ETOK_VOCAB, kv->offset, "tokenizer.ggml.token_type invalid");
    if (gguf_reader_seek(r, kv->arr_offset) < 0)
        return fail(err, -ETOK_VOCAB, kv->offset, "tokenizer.ggml.token_type unreadable");
    for (uint32_t i = 0; i < t->n_tokens; i++) {
        uint32_t v;
        if (gguf_read_u32(r, &v) < 0)
            return fail(err, -ETOK_VOCAB, kv->offset, "tokenizer.ggml.token_type truncated");
        t->type[i] = (uint8_t)(v <= TOKEN_BYTE ? v : 0);     /* else UNDEFINED */
    }
    return 0;
}

static int load_tables(struct tokenizer *t, const struct gguf_file *f, struct gguf_reader *r, struct gguf_error *err)
{
    struct bpe_state *b = t->bpe;
    int add_bos = 0;
    int rc = choose_pre(b, f, &add_bos, err);
    if (rc < 0)
        return rc;
    const struct gguf_kv *tokens = gguf_find(f, "tokenizer.ggml.tokens");
    if (!tokens || tokens->type != GGUF_TYPE_ARRAY || tokens->arr_type != GGUF_TYPE_STRING ||
        tokens->arr_count == 0 || tokens->arr_count > TOKENIZER_MAX_TOKENS)
        return fail(err, -ETOK_VOCAB, 0, "tokenizer.ggml.tokens missing, empty or too large");
    const struct gguf_kv *merges = gguf_find(f, "tokenizer.ggml.merges");
    if (!merges || merges->type != GGUF_TYPE_ARRAY || merges->arr_type != GGUF_TYPE_STRING)
        return fail(err, -ETOK_VOCAB, 0, "cannot find tokenizer merges (tokenizer.ggml.merges)");
    uint32_t n = t->n_tokens = (uint32_t)tokens->arr_count;
    t->text_offset = kcalloc(n, sizeof(uint32_t));
    t->text_len = kcalloc(n, sizeof(uint32_t));
    t->type = kcalloc(n, 1);
    if (!t->text_offset || !t->text_len || !t->type)
        return fail(err, -ENOMEM, 0, "no memory for the vocabulary");
    if ((rc = read_string_array(t, tokens, r, err)) < 0 || (rc = read_types(t, f, r, err)) < 0 ||
        (rc = build_token_hash(t, err)) < 0 || (rc = read_merges(t, b, merges, r, err)) < 0)
        return rc;
    t->bos = tokenizer_special_id(f, "tokenizer.ggml.bos_token_id", 11, n);
    t->eos = tokenizer_special_id(f, "tokenizer.ggml.eos_token_id", 11, n);
    t->unk = tokenizer_special_id(f, "tokenizer.ggml.unknown_token_id", -1, n);
    t->pad = tokenizer_special_id(f, "tokenizer.ggml.padding_token_id", -1, n);
    t->add_bos = tokenizer_flag(f, "tokenizer.ggml.add_bos_token", add_bos);
    t->add_eos = tokenizer_flag(f, "tokenizer.ggml.add_eos_token", 0);
    t->add_space_prefix = tokenizer_flag(f, "tokenizer.ggml.add_space_prefix", 0);
    if ((t->add_bos && t->bos < 0) || (t->add_eos && t->eos < 0))
        return fail(err, -ETOK_VOCAB, 0, "add_bos/add_eos set but the token id is missing");
    if (find_roles(t, f) < 0 || token_partition_build(t) < 0)
        return fail(err, -ENOMEM, 0, "no memory for the special tokens");
    for (int c = 0; c < 256; c++) {
        uint8_t u[4];
        unsigned k = unicode_encode(bpe_cp_of_byte((uint8_t)c), u);
        b->byte_id[c] = tokenizer_lookup(t, (const char *)u, k);
    }
    b->table_bytes += (uint64_t)n * (4 + 4 + 1) + (uint64_t)t->n_special * 4 +
                      64 * 4 + t->text_offset[n - 1] + t->text_len[n - 1];
    return 0;
}

static uint64_t pow2_slots(uint64_t n)
{
    uint64_t slots = 16;
    while (slots < 2 * n)
        slots <<= 1;
    return slots;
}

uint64_t tokenizer_bpe_memory_estimate(const struct gguf_file *f)
{
    const struct gguf_kv *tokens = gguf_find(f, "tokenizer.ggml.tokens");
    const struct gguf_kv *merges = gguf_find(f, "tokenizer.ggml.merges");
    if (!tokens || tokens->type != GGUF_TYPE_ARRAY || tokens->arr_count > TOKENIZER_MAX_TOKENS || !merges ||
        merges->type != GGUF_TYPE_ARRAY)
        return 0;
    uint64_t n = tokens->arr_count, m = merges->arr_count;
    /* The text pool: the token bytes, "[EMPTY_<id>]" (at most 18 bytes) for
     * an empty token, and read_string_array's doubling: at its last growth
     * the old and the new pool (twice what is needed plus one piece) live
     * together, so three times the text plus the first capacity. */
    uint64_t text = tokens->arr_bytes - 8 * n + 18 * n;
    uint64_t pool = 3 * text + 8 * n + 2 * TOKENIZER_MAX_PIECE + 64;
    uint64_t per_token = n * (4 + 4 + 1 + 4);                       /* offsets, lengths, types, special ids */
    uint64_t hashes = pow2_slots(n) * sizeof(uint64_t) + pow2_slots(m) * sizeof(uint32_t);
    uint64_t merge_table = m * sizeof(struct bpe_merge) + 2 * TOKENIZER_MAX_PIECE + 2;
    /* The state, the EOG list, and the block overhead of each allocation. */
    return pool + per_token + hashes + merge_table + sizeof(struct bpe_state) + MAX_EOG * 4 + 16 * 64;
}

int tokenizer_bpe_load(struct tokenizer *t, const struct gguf_file *f, struct gguf_reader *r, struct gguf_error *err)
{
    t->bpe = kcalloc(1, sizeof(struct bpe_state));
    if (!t->bpe)
        return fail(err, -ENOMEM, 0, "no memory for the tokenizer");
    t->bpe->eot = -1;
    int rc = load_tables(t, f, r, err);
    if (rc < 0)
        tokenizer_bpe_free(t);
    return rc;
}

void tokenizer_bpe_free(struct tokenizer *t)
{
    if (t->bpe) {
        kfree(t->bpe->merges);
        kfree(t->bpe->merge_slots);
        kfree(t->bpe->tok_slots);
        kfree(t->bpe->eog);
        kfree(t->bpe);
    }
    token_partition_free(t);
    kfree(t->pool);
    kfree(t->text_offset);
    kfree(t->text_len);
    kfree(t->type);
    kfree(t->slots);
    memset(t, 0, sizeof(*t));
}
