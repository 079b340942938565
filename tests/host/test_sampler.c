/* The sampler against llama.cpp's semantics, on small hand-made logit
 * vectors: greedy, top-k, top-p, min-p, temperature, repeat penalty,
 * determinism per seed; and the float parsing/printing the shell uses. */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "check.h"
#include "lib/errno.h"
#include "model/sampler.h"

static struct sampler_params greedy_params(void)
{
    struct sampler_params p;
    sampler_defaults(&p);
    p.temp = 0.0f;
    return p;
}

/* How often each id is drawn in n samples. */
static void histogram(const struct sampler_params *p, const float *logits, uint32_t vocab, int n, int *count)
{
    struct sampler s;
    memset(count, 0, sizeof(int) * vocab);
    CHECK_EQ_INT(sampler_init(&s, p, vocab), 0);
    for (int i = 0; i < n; i++) {
        int32_t id = sampler_sample(&s, logits);
        if (id >= 0 && (uint32_t)id < vocab)
            count[id]++;
    }
    sampler_free(&s);
}

static void test_greedy_and_penalty(void)
{
    const float logits[5] = { 1.0f, 3.0f, 3.0f, -2.0f, 2.5f };
    struct sampler_params p = greedy_params();
    struct sampler s;
    CHECK_EQ_INT(sampler_init(&s, &p, 5), 0);
    CHECK_EQ_INT(sampler_sample(&s, logits), 1);          /* ties: lowest id */
    sampler_free(&s);
    /* Repeat penalty 2: 3.0 -> 1.5 for a recent token; 2.5 stays. */
    p.repeat_penalty = 2.0f;
    CHECK_EQ_INT(sampler_init(&s, &p, 5), 0);
    sampler_accept(&s, 1);
    sampler_accept(&s, 1);                                /* counted once, as llama.cpp */
    sampler_accept(&s, 2);
    CHECK_EQ_INT(sampler_sample(&s, logits), 4);
    sampler_free(&s);
    /* A negative logit is multiplied: -2 * 2 = -4 (never becomes the best). */
    const float neg[3] = { -2.0f, -3.0f, -3.5f };
    CHECK_EQ_INT(sampler_init(&s, &p, 3), 0);
    sampler_accept(&s, 0);
    CHECK_EQ_INT(sampler_sample(&s, neg), 1);
    sampler_free(&s);
}

/* Greedy's scan (integer keys, penalized ids merged afterwards) against
 * the definition: the highest logit after the penalty, the lowest id on
 * ties, -0 equal to +0; random vectors with many ties, signed zeros, and
 * recent tokens that were the raw best. A NaN logit takes the general path. */
static void test_greedy_random(void)
{
    enum { V = 300 };
    static float logits[V];
    uint64_t r = 99;
    int bad = 0;
    for (int rep = 0; rep < 400; rep++) {
        for (int i = 0; i < V; i++) {
            r ^= r << 13, r ^= r >> 7, r ^= r << 17;
            int v = (int)(r % 21) - 10;                      /* few values: ties */
            logits[i] = v == 0 ? ((r >> 20) & 1 ? -0.0f : 0.0f) : (float)v * (rep % 3 ? 0.5f : -0.25f);
        }
        struct sampler_params p = greedy_params();
        p.repeat_penalty = rep % 4 == 0 ? 1.0f : rep % 4 == 1 ? 1.1f : rep % 4 == 2 ? 0.8f : 3.0f;
        struct sampler s;
        CHECK_EQ_INT(sampler_init(&s, &p, V), 0);
        int32_t raw_best = 0;
        for (int i = 1; i < V; i++)
            raw_best = logits[i] > logits[raw_best] ? i : raw_best;
        sampler_accept(&s, raw_best);
        for (int k = 0; k < rep % 7; k++)
            sampler_accept(&s, (int32_t)((r >> (8 * k)) % V));
        float pen[V];
        memcpy(pen, logits, sizeof pen);
        int seen[V] = { 0 };
        for (uint32_t i = 0; i < s.n_recent; i++) {
            int32_t id = s.recent[i];
            if (!seen[id] && p.repeat_penalty != 1.0f)
                pen[id] = pen[id] <= 0 ? pen[id] * p.repeat_penalty : pen[id] / p.repeat_penalty;
            seen[id] = 1;
        }
        int32_t want = 0;
        for (int i = 1; i < V; i++)
            want = pen[i] > pen[want] ? i : want;
        bad += sampler_sample(&s, logits) != want;
        sampler_free(&s);
    }
    CHECK_EQ_INT(bad, 0);
    const float zeros[3] = { -0.0f, 0.0f, -1.0f };   /* -0 == +0: the lower id */
    struct sampler_params pz = greedy_params();
    struct sampler sz;
    CHECK_EQ_INT(sampler_init(&sz, &pz, 3), 0);
    CHECK_EQ_INT(sampler_sample(&sz, zeros), 0);
    sampler_free(&sz);
    float with_nan[4] = { 1.0f, NAN, 2.0f, 0.5f };   /* keep_top: NaN is never "before" */
    struct sampler_params p = greedy_params();
    struct sampler s;
    CHECK_EQ_INT(sampler_init(&s, &p, 4), 0);
    CHECK_EQ_INT(sampler_sample(&s, with_nan), 2);
    sampler_free(&s);
}

static void test_filters(void)
{
    /* probabilities with temp 1: softmax of log(0.5, 0.3, 0.15, 0.05) */
    const float logits[4] = { logf(0.5f), logf(0.3f), logf(0.15f), logf(0.05f) };
    int count[4];
    struct sampler_params p;
    sampler_defaults(&p);
    p.temp = 1.0f;
    p.top_k = 0;
    p.top_p = 1.0f;
    p.min_p = 0.0f;
    histogram(&p, logits, 4, 20000, count);
    CHECK(count[0] > 9400 && count[0] < 10600);           /* ~0.5 */
    CHECK(count[3] > 800 && count[3] < 1200);             /* ~0.05 */
    p.top_k = 2;                                          /* only ids 0 and 1: 0.625 / 0.375 */
    histogram(&p, logits, 4, 20000, count);
    CHECK(count[2] == 0 && count[3] == 0);
    CHECK(count[0] > 12000 && count[0] < 13000);
    p.top_k = 0;
    p.top_p = 0.8f;                                       /* 0.5 + 0.3 reaches 0.8: ids 0, 1 */
    histogram(&p, logits, 4, 20000, count);
    CHECK(count[2] == 0 && count[3] == 0 && count[1] > 0);
    p.top_p = 1.0f;
    p.min_p = 0.25f;                                      /* p >= 0.125: ids 0, 1, 2 */
    histogram(&p, logits, 4, 20000, count);
    CHECK(count[3] == 0 && count[2] > 0);
    p.min_p = 0.0f;
    p.temp = 0.01f;                                       /* nearly greedy */
    histogram(&p, logits, 4, 2000, count);
    CHECK_EQ_INT(count[0], 2000);
}

static void test_seed(void)
{
    float logits[50];
    for (int i = 0; i < 50; i++)
        logits[i] = (float)((i * 37) % 11) / 3.0f;
    struct sampler_params p;
    sampler_defaults(&p);
    p.temp = 1.5f;
    p.seed = 42;
    int32_t a[64], b[64], c[64];
    struct sampler s;
    for (int run = 0; run < 3; run++) {
        if (run == 2)
            p.seed = 43;
        CHECK_EQ_INT(sampler_init(&s, &p, 50), 0);
        for (int i = 0; i < 64; i++)
            (run == 0 ? a : run == 1 ? b : c)[i] = sampler_sample(&s, logits);
        sampler_free(&s);
    }
    CHECK(memcmp(a, b, sizeof(a)) == 0);
    CHECK(memcmp(a, c, sizeof(a)) != 0);
}

static void test_params_and_formats(void)
{
    struct sampler_params p;
    char why[96], buf[64];
    sampler_defaults(&p);
    CHECK_EQ_INT(sampler_check_params(&p, why, sizeof(why)), 0);
    p.top_p = 1.5f;
    CHECK_EQ_INT(sampler_check_params(&p, why, sizeof(why)), -EINVAL);
    CHECK(strstr(why, "--top-p") != NULL);
    float f;
    CHECK_EQ_INT(parse_float("0.8", &f), 0);
    CHECK(f == 0.8f);
    CHECK_EQ_INT(parse_float("-1.5e-3", &f), 0);
    CHECK(f == -1.5e-3f);
    CHECK_EQ_INT(parse_float("40", &f), 0);
    CHECK(f == 40.0f);
    CHECK_EQ_INT(parse_float("1.2.3", &f), -EINVAL);
    CHECK_EQ_INT(parse_float("", &f), -EINVAL);
    CHECK_EQ_INT(parse_float("abc", &f), -EINVAL);
    format_fixed(buf, sizeof(buf), 3.8348668f, 6);
    CHECK_EQ_STR(buf, "3.834867");
    format_fixed(buf, sizeof(buf), -0.0000004f, 6);
    CHECK_EQ_STR(buf, "0.000000");
    format_fixed(buf, sizeof(buf), -12.5f, 6);
    CHECK_EQ_STR(buf, "-12.500000");
    const float logits[5] = { 0.5f, 2.25f, -1.0f, 2.25f, 1.0f };
    char line[128];
    format_top_logits(line, sizeof(line), logits, 5, 3);
    CHECK_EQ_STR(line, "1:2.250000 3:2.250000 4:1.000000");
    /* Every printed value is printf("%.6f")'s. */
    int bad = 0;
    for (int i = 0; i < 100000; i++) {
        float v = (float)((i * 7919) % 200001 - 100000) / 9973.0f;
        char ref[64];
        format_fixed(buf, sizeof(buf), v, 6);
        snprintf(ref, sizeof(ref), "%.6f", v);
        if (strcmp(buf, ref) != 0 && !(strcmp(ref, "-0.000000") == 0 && strcmp(buf, "0.000000") == 0))
            bad++;
    }
    CHECK_EQ_INT(bad, 0);
}

int main(void)
{
    test_greedy_and_penalty();
    test_greedy_random();
    test_filters();
    test_seed();
    test_params_and_formats();
    return check_summary("test_sampler");
}
