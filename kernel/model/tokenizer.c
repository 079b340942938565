#include "model/tokenizer.h"
#include "core/heap.h"
#include "lib/errno.h"
#include "lib/format.h"
#include "lib/hash_probe.h"
#include "lib/string.h"
#include "model/name_set.h"
#include "model/token_partition.h"
#include "model/tokenizer_bpe.h"
#include "model/tokenizer_load.h"

static int tok_fail(struct gguf_error *err, int code, uint64_t offset, const char *what)
{
    err->code = code;
    err->offset = offset;
    snprintf(err->message, sizeof(err->message), "tokenizer: %s at byte offset %lu", what, (unsigned long)offset);
    return code;
}

/* Floats compare like their bit patterns once negatives are flipped. */
static uint32_t score_key_of(uint32_t bits)
{
    return (bits & 0x80000000u) ? ~bits : bits | 0x80000000u;
}

struct piece_key {
    const struct tokenizer *t;
    const char *text;
    size_t len;
};

/* Stops at an empty slot or one whose piece has the key's text. */
static int piece_stop(const void *ctx, uint64_t slot)
{
    const struct piece_key *k = ctx;
    int32_t id = k->t->slots[slot];
    return id < 0 || (k->t->text_len[id] == k->len && memcmp(k->t->pool + k->t->text_offset[id], k->text, k->len) == 0);
}

static uint64_t piece_slot(const struct tokenizer *t, const char *text, size_t len)
{
    struct piece_key k = { t, text, len };
    return hash_probe(name_hash(text, len), t->slot_mask, piece_stop, &k);
}

int32_t tokenizer_lookup(const struct tokenizer *t, const char *text, size_t len)
{
    if (t->bpe)
        return tokenizer_bpe_lookup(t, text, len);
    int32_t id = t->slots[piece_slot(t, text, len)];
    return id < 0 ? -1 : id;
}

/* Later duplicates win, as in llama.cpp's token_to_id map. */
static void hash_insert(struct tokenizer *t, int32_t id)
{
    t->slots[piece_slot(t, t->pool + t->text_offset[id], t->text_len[id])] = id;
}

/* Finds an array key of the given element type and count. */
static const struct gguf_kv *find_array(const struct gguf_file *f, const char *key, uint32_t elem, uint64_t count)
{
    const struct gguf_kv *kv = gguf_find(f, key);
    if (!kv || kv->type != GGUF_TYPE_ARRAY || kv->arr_type != elem || (count && kv->arr_count != count))
        return NULL;
    return kv;
}

/* Scores and token types are optional, but when present they must be one
 * per token, of the right type: a vocabulary with 100 scores for 512
 * tokens is broken, and building it anyway would give wrong ids. */
static int check_per_token(const struct gguf_file *f, const char *key, uint32_t elem, uint32_t n,
                           struct gguf_error *err)
{
    const struct gguf_kv *kv = gguf_find(f, key);
    char what[160];
    if (!kv)
        return 0;
    if (kv->type != GGUF_TYPE_ARRAY || kv->arr_type != elem) {
        snprintf(what, sizeof(what), "%s has type %s%s, expected an array of %s", key,
                 kv->type == GGUF_TYPE_ARRAY ? "array of " : "",
                 gguf_type_name(kv->type == GGUF_TYPE_ARRAY ? kv->arr_type : kv->type), gguf_type_name(elem));
        return tok_fail(err, -ETOK_COUNT, kv->offset, what);
    }
    if (kv->arr_count != n) {
        snprintf(what, sizeof(what), "%s has %lu entries but tokenizer.ggml.tokens has %u", key,
                 (unsigned long)kv->arr_count, n);
        return tok_fail(err, -ETOK_COUNT, kv->offset, what);
    }
    return 0;
}

/* The pool is sized once from the array's bytes (each piece is a u64
 * length and its text), so it never grows: tokenizer_memory_estimate can
 * say beforehand what loading takes. */
static int read_pieces(struct tokenizer *t, const struct gguf_kv *tokens, struct gguf_reader *r,
                       struct gguf_error *err)
{
    if (tokens->arr_bytes < (uint64_t)t->n_tokens * 8)
        return tok_fail(err, -ETOK_VOCAB, tokens->arr_offset, "tokenizer.ggml.tokens has no room for its pieces");
    uint64_t cap = tokens->arr_bytes - (uint64_t)t->n_tokens * 8, used = 0;
    t->pool = kmalloc(cap + 1);
    if (!t->pool)
        return tok_fail(err, -ENOMEM, tokens->arr_offset, "no memory for the vocabulary");
    if (gguf_reader_seek(r, tokens->arr_offset) < 0)
        return tok_fail(err, -ETOK_VOCAB, tokens->arr_offset, "tokenizer.ggml.tokens unreadable");
    for (uint32_t i = 0; i < t->n_tokens; i++) {
        uint64_t len, at = r->pos;
        if (gguf_read_u64(r, &len) < 0 || len > TOKENIZER_MAX_PIECE || len > cap - used)
            return tok_fail(err, -ETOK_VOCAB, at, "token text length invalid");
        if (gguf_read_bytes(r, t->pool + used, len) < 0)
            return tok_fail(err, -ETOK_VOCAB, at, "token text truncated");
        t->text_offset[i] = (uint32_t)used;
        t->text_len[i] = (uint32_t)len;
        used += len;
    }
    return 0;
}

uint64_t tokenizer_memory_estimate(const struct gguf_file *f)
{
    const char *model = gguf_get_str(f, "tokenizer.ggml.model");
    if (model && strcmp(model, "gpt2") == 0)
        return tokenizer_bpe_memory_estimate(f);
    const struct gguf_kv *tokens = find_array(f, "tokenizer.ggml.tokens", GGUF_TYPE_STRING, 0);
    if (!tokens || tokens->arr_count > TOKENIZER_MAX_TOKENS)
        return 0;
    uint64_t n = tokens->arr_count, slots = 16;
    while (slots < 2 * n)
        slots <<= 1;
    /* Pool; offsets, lengths, two score arrays, types and the temporary
     * 32-bit types; the hash table; the special-token partition's ids; and
     * the block overhead of each of those ten allocations. */
    return (tokens->arr_bytes - 8 * n + 1) + n * (4 * 4 + 1 + 4) + slots * 4 + n * 4 + 10 * 64;
}

/* Reads an array of 4-byte elements (scores or types) into out. */
static int read_u32_array(const struct gguf_kv *kv, struct gguf_reader *r, uint32_t *out, uint32_t n)
{
    if (gguf_reader_seek(r, kv->arr_offset) < 0)
        return -ETOK_VOCAB;
    return gguf_read_bytes(r, out, (size_t)n * 4) < 0 ? -ETOK_VOCAB : 0;
}

int32_t tokenizer_special_id(const struct gguf_file *f, const char *key, int32_t fallback, uint32_t n)
{
    uint64_t v;
    if (gguf_get_uint(f, key, &v) == 0 && v < n)
        return (int32_t)v;
    return fallback >= 0 && (uint32_t)fallback < n ? fallback : -1;
}

int tokenizer_flag(const struct gguf_file *f, const char *key, int fallback)
{
    const struct gguf_kv *kv = gguf_find(f, key);
    return kv && kv->type == GGUF_TYPE_BOOL ? (int)kv->value : fallback;
}

static int build_tables(struct tokenizer *t)
{
    uint32_t slots = 16;
    while (slots < 2 * t->n_tokens)
        slots <<= 1;
    t->slots = kmalloc((size_t)slots * sizeof(int32_t));
    if (!t->slots)
        return -ENOMEM;
    memset(t->slots, 0xFF, (size_t)slots * sizeof(int32_t));
    t->slot_mask = slots - 1;
    for (uint32_t i = 0; i < t->n_tokens; i++)
        hash_insert(t, (int32_t)i);
    for (int b = 0; b < 256; b++) {
        char name[8];
        snprintf(name, sizeof(name), "<0x%02X>", b);
        t->byte_token[b] = tokenizer_lookup(t, name, 6);
        /* As llama.cpp's byte_to_token: without a <0xXX> piece, the byte
         * itself as a one-byte piece. */
        if (t->byte_token[b] < 0) {
            char one = (char)b;
            t->byte_token[b] = tokenizer_lookup(t, &one, 1);
        }
    }
    return 0;
}

int tokenizer_load(struct tokenizer *t, const struct gguf_file *f, struct gguf_reader *r, struct gguf_error *err)
{
    memset(t, 0, sizeof(*t));
    memset(err, 0, sizeof(*err));
    const char *model = gguf_get_str(f, "tokenizer.ggml.model");
    if (!model)
        return tok_fail(err, -ETOK_UNSUPPORTED, 0, "the model has no tokenizer.ggml.model");
    if (strcmp(model, "gpt2") == 0)
        return tokenizer_bpe_load(t, f, r, err);
    if (strcmp(model, "llama") != 0) {
        char what[112];
        snprintf(what, sizeof(what), "tokenizer model '%.40s' is not supported (only 'llama', 'gpt2')", model);
        return tok_fail(err, -ETOK_UNSUPPORTED, 0, what);
    }
    const struct gguf_kv *tokens = find_array(f, "tokenizer.ggml.tokens", GGUF_TYPE_STRING, 0);
    if (!tokens || tokens->arr_count == 0 || tokens->arr_count > TOKENIZER_MAX_TOKENS)
        return tok_fail(err, -ETOK_VOCAB, 0, "tokenizer.ggml.tokens missing, empty or too large");
    t->n_tokens = (uint32_t)tokens->arr_count;
    t->text_offset = kcalloc(t->n_tokens, sizeof(uint32_t));
    t->text_len = kcalloc(t->n_tokens, sizeof(uint32_t));
    t->score_key = kcalloc(t->n_tokens, sizeof(uint32_t));
    t->score_bits = kcalloc(t->n_tokens, sizeof(uint32_t));
    t->type = kcalloc(t->n_tokens, 1);
    uint32_t *types32 = kcalloc(t->n_tokens, sizeof(uint32_t));
    int rc = 0;
    if (!t->text_offset || !t->text_len || !t->score_key || !t->score_bits || !t->type || !types32)
        rc = tok_fail(err, -ENOMEM, 0, "no memory for the vocabulary");
    if (rc == 0)
        rc = read_pieces(t, tokens, r, err);
    /* Scores and types are optional (0.0 and NORMAL), but must match in count. */
    if (rc == 0)
        rc = check_per_token(f, "tokenizer.ggml.scores", GGUF_TYPE_FLOAT32, t->n_tokens, err);
    if (rc == 0)
        rc = check_per_token(f, "tokenizer.ggml.token_type", GGUF_TYPE_INT32, t->n_tokens, err);
    const struct gguf_kv *scores = find_array(f, "tokenizer.ggml.scores", GGUF_TYPE_FLOAT32, t->n_tokens);
    const struct gguf_kv *types = find_array(f, "tokenizer.ggml.token_type", GGUF_TYPE_INT32, t->n_tokens);
    if (rc == 0 && scores && read_u32_array(scores, r, t->score_bits, t->n_tokens) < 0)
        rc = tok_fail(err, -ETOK_VOCAB, scores->offset, "tokenizer.ggml.scores unreadable");
    if (rc == 0 && types && read_u32_array(types, r, types32, t->n_tokens) < 0)
        rc = tok_fail(err, -ETOK_VOCAB, types->offset, "tokenizer.ggml.token_type unreadable");
    for (uint32_t i = 0; rc == 0 && i < t->n_tokens; i++) {
        t->score_key[i] = score_key_of(t->score_bits[i]);
        t->type[i] = types ? (uint8_t)(types32[i] <= TOKEN_BYTE ? types32[i] : TOKEN_NORMAL) : TOKEN_NORMAL;
    }
    kfree(types32);
    if (rc == 0 && (build_tables(t) < 0 || token_partition_build(t) < 0))
        rc = tok_fail(err, -ENOMEM, 0, "no memory for the token table");
    if (rc < 0) {
        tokenizer_free(t);
        return rc;
    }
    t->bos = tokenizer_special_id(f, "tokenizer.ggml.bos_token_id", 1, t->n_tokens);
    t->eos = tokenizer_special_id(f, "tokenizer.ggml.eos_token_id", 2, t->n_tokens);
    t->unk = tokenizer_special_id(f, "tokenizer.ggml.unknown_token_id", 0, t->n_tokens);
    t->pad = tokenizer_special_id(f, "tokenizer.ggml.padding_token_id", -1, t->n_tokens);
    t->add_bos = tokenizer_flag(f, "tokenizer.ggml.add_bos_token", 1);
    t->add_eos = tokenizer_flag(f, "tokenizer.ggml.add_eos_token", 0);
    t->add_space_prefix = tokenizer_flag(f, "tokenizer.ggml.add_space_prefix", 1);
    return 0;
}

void tokenizer_free(struct tokenizer *t)
{
    if (t->bpe) {
        tokenizer_bpe_free(t);
        return;
    }
    kfree(t->pool);
    kfree(t->text_offset);
    kfree(t->text_len);
    kfree(t->score_key);
    kfree(t->score_bits);
    kfree(t->type);
    kfree(t->slots);
    token_partition_free(t);
    memset(t, 0, sizeof(*t));
}

const char *tokenizer_text(const struct tokenizer *t, int32_t id, uint32_t *len)
{
    if (id < 0 || (uint32_t)id >= t->n_tokens)
        return NULL;
    *len = t->text_len[id];
    return t->pool + t->text_offset[id];
}
