/* Samplers with llama.cpp's semantics (src/llama-sampler.cpp, read not
 * copied): each step narrows or reshapes a candidate list, in the order of
 * llama.cpp's default chain. */
#include "model/sampler.h"
#include "core/heap.h"
#include "lib/errno.h"
#include "lib/format.h"
#include "lib/string.h"
#include "math/kmath.h"

void sampler_defaults(struct sampler_params *p)
{
    p->temp = SAMPLER_DEFAULT_TEMP;
    p->top_k = SAMPLER_DEFAULT_TOP_K;
    p->top_p = SAMPLER_DEFAULT_TOP_P;
    p->min_p = SAMPLER_DEFAULT_MIN_P;
    p->repeat_penalty = SAMPLER_DEFAULT_REPEAT_PENALTY;
    p->seed = SAMPLER_DEFAULT_SEED;
}

int sampler_init(struct sampler *s, const struct sampler_params *p, uint32_t vocab)
{
    memset(s, 0, sizeof(*s));
    s->params = *p;
    s->rng = p->seed;
    s->vocab = vocab;
    s->cand = kmalloc(sizeof(*s->cand) * (vocab ? vocab : 1));
    return s->cand ? 0 : -ENOMEM;
}

void sampler_free(struct sampler *s)
{
    kfree(s->cand);
    s->cand = NULL;
}

void sampler_accept(struct sampler *s, int32_t token)
{
    s->recent[s->recent_head] = token;
    s->recent_head = (s->recent_head + 1) % SAMPLER_PENALTY_LAST_N;
    if (s->n_recent < SAMPLER_PENALTY_LAST_N)
        s->n_recent++;
}

static uint64_t splitmix64(uint64_t *state)
{
    uint64_t z = (*state += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

/* Higher logit first, lower id first on ties. */
static int before(const struct sampler_candidate *a, const struct sampler_candidate *b)
{
    return a->logit > b->logit || (a->logit == b->logit && a->id < b->id);
}

/* Heap sort, descending by `before` (no recursion, O(n log n) worst case). */
static void sift(struct sampler_candidate *c, size_t n, size_t i)
{
    for (;;) {
        size_t m = i, l = 2 * i + 1, r = l + 1;
        if (l < n && before(&c[m], &c[l]))        /* a min-heap on `before`: the last-ranked on top */
            m = l;
        if (r < n && before(&c[m], &c[r]))
            m = r;
        if (m == i)
            return;
        struct sampler_candidate t = c[i];
        c[i] = c[m];
        c[m] = t;
        i = m;
    }
}

static void sort_desc(struct sampler_candidate *c, size_t n)
{
    for (size_t i = n / 2; i-- > 0;)
        sift(c, n, i);
    for (size_t end = n; end > 1; end--) {
        struct sampler_candidate t = c[0];
        c[0] = c[end - 1];
        c[end - 1] = t;
        sift(c, end - 1, 0);
    }
}

/* Keeps the k best of c[0..n) in c[0..k), sorted: a bounded insertion for
 * small k, a full sort otherwise. */
static size_t keep_top(struct sampler_candidate *c, size_t n, size_t k)
{
    if (k >= n || k > 256) {
        sort_desc(c, n);
        return k < n ? k : n;
    }
    size_t have = 0;
    for (size_t i = 0; i < n; i++) {
        struct sampler_candidate x = c[i];
        if (have == k && !before(&x, &c[k - 1]))
            continue;
        size_t j = have < k ? have++ : k - 1;
        while (j > 0 && before(&x, &c[j - 1])) {
            c[j] = c[j - 1];
            j--;
        }
        c[j] = x;
    }
    return have;
}

/* Probabilities of sorted candidates (llama_sampler_softmax_impl). */
static void softmax(struct sampler_candidate *c, size_t n)
{
    float max = c[0].logit, sum = 0.0f;
    for (size_t i = 0; i < n; i++) {
        c[i].p = k_expf(c[i].logit - max);
        sum += c[i].p;
    }
    for (size_t i = 0; i < n; i++)
        c[i].p /= sum;
}

void logits_top_k(const float *logits, uint32_t n, uint32_t k, int32_t *ids, float *values)
{
    struct sampler_candidate best[64];
    size_t have = 0;
    if (k > 64)
        k = 64;
    for (uint32_t i = 0; i < n && k; i++) {
        struct sampler_candidate x = { (int32_t)i, logits[i], 0 };
        if (have == k && !before(&x, &best[k - 1]))
            continue;
        size_t j = have < k ? have++ : k - 1;
        while (j > 0 && before(&x, &best[j - 1])) {
            best[j] = best[j - 1];
            j--;
        }
        best[j] = x;
    }
    for (size_t i = 0; i < have; i++) {
        ids[i] = best[i].id;
        values[i] = best[i].logit;
    }
}

/* A float's bits as an unsigned key in the floats' order (-0 as +0, so
 * that they tie as they compare equal). */
static inline uint32_t order_key(uint32_t u)
{
    u = u == 0x80000000u ? 0 : u;
    return u & 0x80000000u ? ~u : u | 0x80000000u;
}

/* Greedy (--temp 0): what keep_top(c, n, 1) picks after the repeat penalty
 * (the highest logit, the lowest id on ties), without building the
 * candidate list and with no float comparison per logit: under TCG each is
 * a helper call, and the list is 32000 stores. The penalized ids (at most
 * SAMPLER_PENALTY_LAST_N) take their new values; the scan skips their raw
 * ones (checked only when a logit would become the best). -1 if a logit is
 * NaN (no total order: the general path then). */
static int32_t greedy(const struct sampler *s, const float *logits, const int32_t *pid, const float *pv,
                      uint32_t np)
{
    const uint32_t *bits = (const uint32_t *)logits;
    uint32_t best_key = 0, nan = 0;
    int32_t best = -1;
    for (uint32_t i = 0; i < s->vocab; i++) {
        const uint32_t u = bits[i], key = order_key(u);
        nan |= (uint32_t)((u & 0x7fffffffu) > 0x7f800000u);
        if (best >= 0 && key <= best_key)
            continue;
        int penalized = 0;
        for (uint32_t j = 0; j < np; j++)
            penalized |= pid[j] == (int32_t)i;
        if (!penalized) {
            best = (int32_t)i;
            best_key = key;
        }
    }
    if (nan)
        return -1;
    for (uint32_t j = 0; j < np; j++) {
        uint32_t u;
        __builtin_memcpy(&u, &pv[j], sizeof u);
        const uint32_t key = order_key(u);
        if (best < 0 || key > best_key || (key == best_key && pid[j] < best)) {
            best = pid[j];
            best_key = key;
        }
    }
    return best;
}

int32_t sampler_sample(struct sampler *s, const float *logits)
{
    const struct sampler_params *p = &s->params;
    struct sampler_candidate *c = s->cand;
    size_t n = s->vocab;
    /* Repeat penalty: each distinct recent token once, as llama.cpp counts them. */
    int32_t pid[SAMPLER_PENALTY_LAST_N];
    float pv[SAMPLER_PENALTY_LAST_N];
    uint32_t np = 0;
    for (uint32_t i = 0; p->repeat_penalty != 1.0f && i < s->n_recent; i++) {
        int32_t id = s->recent[i];
        int seen = 0;
        for (uint32_t j = 0; j < i; j++)
            seen |= s->recent[j] == id;
        if (seen || id < 0 || (uint32_t)id >= n)
            continue;
        const float l = logits[id];
        pid[np] = id;
        pv[np++] = l <= 0 ? l * p->repeat_penalty : l / p->repeat_penalty;
    }
    if (p->temp <= 0.0f && n > 0) {
        int32_t id = greedy(s, logits, pid, pv, np);
        if (id >= 0)
            return id;
    }
    for (size_t i = 0; i < n; i++)
        c[i] = (struct sampler_candidate){ (int32_t)i, logits[i], 0 };
    for (uint32_t j = 0; j < np; j++)
        c[pid[j]].logit = pv[j];
    if (p->temp <= 0.0f) {
        keep_top(c, n, 1);
        return c[0].id;
    }
    n = keep_top(c, n, p->top_k > 0 ? (size_t)p->top_k : n);
    if (p->top_p < 1.0f) {
        softmax(c, n);
        float cum = 0.0f;
        for (size_t i = 0; i < n; i++) {
            cum += c[i].p;
            if (cum >= p->top_p) {
                n = i + 1;
                break;
            }
        }
    }
    if (p->min_p > 0.0f) {
        const float min_logit = c[0].logit + k_logf(p->min_p);
        size_t i = 1;
        while (i < n && c[i].logit >= min_logit)
            i++;
        n = i;
    }
    for (size_t i = 0; i < n; i++)
        c[i].logit /= p->temp;
    softmax(c, n);
    float u = (float)(splitmix64(&s->rng) >> 40) * (1.0f / 16777216.0f);   /* [0, 1) */
    float cum = 0.0f;
    for (size_t i = 0; i < n; i++) {
        cum += c[i].p;
        if (u < cum)
            return c[i].id;
    }
    return c[n - 1].id;
}

int parse_float(const char *s, float *out)
{
    double v = 0.0, scale = 1.0;
    int neg = 0, digits = 0, exp = 0, eneg = 0;
    if (*s == '-' || *s == '+')
        neg = *s++ == '-';
    for (; *s >= '0' && *s <= '9'; s++, digits++)
        v = v * 10.0 + (*s - '0');
    if (*s == '.')
        for (s++; *s >= '0' && *s <= '9'; s++, digits++) {
            scale /= 10.0;
            v += (*s - '0') * scale;
        }
    if (!digits)
        return -EINVAL;
    if (*s == 'e' || *s == 'E') {
        s++;
        if (*s == '-' || *s == '+')
            eneg = *s++ == '-';
        if (*s < '0' || *s > '9')
            return -EINVAL;
        for (; *s >= '0' && *s <= '9'; s++)
            if (exp < 100)
                exp = exp * 10 + (*s - '0');
    }
    if (*s || exp > 38)
        return -EINVAL;
    for (int i = 0; i < exp; i++)
        v = eneg ? v / 10.0 : v * 10.0;
    *out = (float)(neg ? -v : v);
    return 0;
}

void format_fixed(char *buf, size_t size, float v, int decimals)
{
    if (v != v) {
        snprintf(buf, size, "nan");
        return;
    }
    double a = v < 0 ? -(double)v : (double)v;
    if (a > 1e12) {
        snprintf(buf, size, "%sinf", v < 0 ? "-" : "");
        return;
    }
    if (decimals < 0)
        decimals = 0;
    if (decimals > 9)
        decimals = 9;
    uint64_t pow10 = 1;
    for (int i = 0; i < decimals; i++)
        pow10 *= 10;
    uint64_t scaled = (uint64_t)(a * (double)pow10 + 0.5);
    uint64_t whole = scaled / pow10, frac = scaled % pow10;
    char digits[12];
    for (int i = decimals - 1; i >= 0; i--, frac /= 10)
        digits[i] = (char)('0' + frac % 10);
    digits[decimals] = 0;
    snprintf(buf, size, "%s%lu%s%s", v < 0 && scaled ? "-" : "", (unsigned long)whole, decimals ? "." : "", digits);
}

int sampler_check_params(const struct sampler_params *p, char *why, size_t size)
{
    if (!(p->temp >= 0.0f && p->temp < 1e6f))
        return snprintf(why, size, "--temp must be 0 (greedy) or positive"), -EINVAL;
    if (!(p->top_p >= 0.0f && p->top_p <= 1.0f))
        return snprintf(why, size, "--top-p must be between 0 and 1"), -EINVAL;
    if (!(p->min_p >= 0.0f && p->min_p <= 1.0f))
        return snprintf(why, size, "--min-p must be between 0 and 1"), -EINVAL;
    if (!(p->repeat_penalty > 0.0f && p->repeat_penalty < 1e6f))
        return snprintf(why, size, "--repeat-penalty must be positive (1 = off)"), -EINVAL;
    return 0;
}

void format_top_logits(char *buf, size_t size, const float *logits, uint32_t n, uint32_t k)
{
    int32_t ids[64];
    float values[64];
    if (k > 64)
        k = 64;
    if (k > n)
        k = n;
    logits_top_k(logits, n, k, ids, values);
    size_t o = 0;
    buf[0] = 0;
    for (uint32_t i = 0; i < k && o + 1 < size; i++) {
        char num[40];
        format_fixed(num, sizeof(num), values[i], 6);
        int w = snprintf(buf + o, size - o, "%s%d:%s", i ? " " : "", ids[i], num);
        if (w < 0)
            break;
        o += (size_t)w;
    }
}
