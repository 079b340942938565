/* Batched prompt evaluation (llama_prefill, math/matmul) against the
 * one-position path: bit-identical logits at every position, and matmul
 * bit-identical to matvec for every weight type and token count.
 * Included by test_llama.c. */
#include "math/matmul.h"
#include "math/mathbench.h"
#include "model/llama_ops.h"

struct prefill_ref { const float *all; uint32_t vocab; int bad, calls; struct llama_state *st; };

static void prefill_cb(void *ctx, uint32_t pos)
{
    struct prefill_ref *r = ctx;
    r->calls++;
    if (memcmp(r->st->logits, r->all + (size_t)pos * r->vocab, r->vocab * sizeof(float)) != 0) {
        if (!r->bad)
            fprintf(stderr, "  prefill: logits differ from llama_forward at pos %u\n", pos);
        r->bad++;
    }
}

/* ref: n_pos x vocab logits from llama_forward. Runs the positions in two
 * calls (a first one of `split`, so a later call starts at pos0 > 0 and
 * crosses a chunk boundary when long enough), then checks "last only". */
static void check_prefill(const struct llama_weights *w, const int32_t *ids, int n_pos, const float *ref, int split)
{
    struct llama_state st;
    CHECK_EQ_INT(llama_state_init(&st, &w->shape, (uint32_t)n_pos), 0);
    struct prefill_ref r = { ref, w->shape.vocab, 0, 0, &st };
    if (split > n_pos - 1)
        split = n_pos - 1;
    if (split > 0)
        CHECK_EQ_INT(llama_prefill(w, &st, ids, (uint32_t)split, 0, 1, prefill_cb, &r), 0);
    CHECK_EQ_INT(llama_prefill(w, &st, ids + split, (uint32_t)(n_pos - split), (uint32_t)split, 1, prefill_cb, &r), 0);
    CHECK_EQ_INT(r.calls, n_pos);
    CHECK_EQ_INT(r.bad, 0);
    /* again with small chunks: several chunks per call, a short last one */
    llama_prefill_chunk = 6;
    r.calls = 0;
    CHECK_EQ_INT(llama_prefill(w, &st, ids, (uint32_t)n_pos, 0, 1, prefill_cb, &r), 0);
    llama_prefill_chunk = LLAMA_PREFILL_CHUNK;
    CHECK_EQ_INT(r.calls, n_pos);
    CHECK_EQ_INT(r.bad, 0);
    llama_state_free(&st);
    CHECK_EQ_INT(llama_state_init(&st, &w->shape, (uint32_t)n_pos), 0);
    CHECK_EQ_INT(llama_prefill(w, &st, ids, (uint32_t)n_pos, 0, 1, NULL, NULL), 0);
    CHECK(memcmp(st.logits, ref + (size_t)(n_pos - 1) * w->shape.vocab, w->shape.vocab * sizeof(float)) == 0);
    CHECK_EQ_INT(llama_prefill(w, &st, ids, 0, 0, 1, NULL, NULL), -EINVAL);
    /* llama_forward with llama.c's scalar attention: the same bits as the
     * SSE-lane attention (llama_attn.c) that ref came from, when it is used */
    int fast = llama_attn_fast_ok(), same = 1;
    llama_attn_fast_off = 1;
    for (int pos = 0; pos < n_pos; pos++) {
        CHECK_EQ_INT(llama_forward(w, &st, ids[pos], (uint32_t)pos), 0);
        same &= memcmp(st.logits, ref + (size_t)pos * w->shape.vocab, w->shape.vocab * sizeof(float)) == 0;
    }
    llama_attn_fast_off = 0;
    if (!same)
        fprintf(stderr, "  scalar attention differs from the SSE one (fast path %s)\n", fast ? "on" : "off");
    CHECK(same);
    CHECK_EQ_INT(llama_prefill(w, &st, ids, 2, (uint32_t)n_pos - 1, 1, NULL, NULL), -EINVAL);
    llama_state_free(&st);
}

/* Extreme K-quant superblocks for the decode path's int16 sums: the largest
 * weight magnitudes (Q4_K/Q5_K bytes 0xFF: values 15/31, scales and mins
 * 63; Q6_K bytes 0: value -32, scales -128), fp16 scales kept. */
static void k_extremes(uint32_t type, uint8_t *w, size_t blocks)
{
    const struct quant_type *t = quant_type_get(type);
    for (size_t i = 0; i < blocks; i++, w += t->block_bytes) {
        if (type == QT_Q6_K) {
            memset(w, 0, 192);                   /* ql, qh */
            memset(w + 192, 0x80, 16);           /* scales */
        } else {
            memset(w + 4, 0xFF, t->block_bytes - 4);   /* after d, dmin */
        }
    }
}

/* matmul with one token (matvec_k.c's split-activation path for the
 * generic-order K-quants) vs vec_dot per row, bitwise: 1 to 3 superblocks
 * per row (and 5), row counts 1, 3, 7; random rows and extreme ones with
 * activations of one sign (all Q8_K values -127 or 127). */
static void check_matvec_k(void)
{
    static const uint32_t types[] = { QT_Q4_K, QT_Q5_K, QT_Q6_K };
    static const size_t cols_list[] = { 256, 512, 768, 1280 };
    static const size_t rows_list[] = { 1, 3, 7 };
    static uint8_t w[7 * 1280 * 2];
    static float x[1280], out[7], one[7];
    static uint8_t scratch[1 << 16], vscratch[1 << 16];
    int bad = 0, runs = 0;
    for (size_t ti = 0; ti < 3; ti++)
        for (size_t ci = 0; ci < 4; ci++)
            for (size_t ri = 0; ri < 3; ri++)
                for (int extreme = 0; extreme < 3; extreme++) {
                    uint32_t type = types[ti];
                    size_t cols = cols_list[ci], rows = rows_list[ri];
                    CHECK(matmul_scratch_bytes(type, cols, 1) <= sizeof(scratch));
                    CHECK(quant_row_bytes(type, cols) * rows <= sizeof(w));
                    mathbench_fill(type, w, rows, cols, x, 1000 * ti + 10 * ci + ri + 1);
                    if (extreme) {
                        k_extremes(type, w, rows * cols / QK_K);
                        for (size_t i = 0; i < cols; i++)
                            x[i] = extreme == 1 ? 1.0f : -0.5f - (float)(i % 7) / 16;
                    }
                    CHECK_EQ_INT(matmul(type, w, rows, cols, x, cols, 1, out, rows, scratch), 0);
                    CHECK_EQ_INT(matvec(type, w, rows, cols, x, one, vscratch), 0);
                    runs++;
                    if (memcmp(out, one, rows * sizeof(float)) != 0) {
                        if (!bad)
                            fprintf(stderr, "  matmul (one token) %s %zux%zu differs from vec_dot (extreme %d)\n",
                                    quant_type_get(type)->name, rows, cols, extreme);
                        bad++;
                    }
                }
    CHECK_EQ_INT(runs, 3 * 4 * 3 * 3);
    CHECK_EQ_INT(bad, 0);
}

/* matmul vs matvec, bitwise, for every type at the current SIMD level. */
static void check_matmul_types(void)
{
    static const uint32_t types[] = { QT_F32, QT_F16, QT_BF16, QT_Q4_0, QT_Q4_1, QT_Q5_0, QT_Q5_1, QT_Q8_0,
                                      QT_Q2_K, QT_Q3_K, QT_Q4_K, QT_Q5_K, QT_Q6_K };
    enum { ROWS = 7, COLS = 512, MAXT = 9 };
    static uint8_t wbuf[ROWS * COLS * 4];
    static float x[MAXT * COLS], out[MAXT * ROWS], one[ROWS];
    static uint8_t scratch[1 << 20], vscratch[1 << 16];
    int bad = 0;
    for (size_t ti = 0; ti < sizeof(types) / sizeof(types[0]); ti++) {
        mathbench_fill(types[ti], wbuf, ROWS, COLS, x, 99 + ti);
        for (int k = 1; k < MAXT; k++)
            mathbench_fill(QT_F32, NULL, 0, COLS, x + k * COLS, 7 * k + ti);
        for (uint32_t n = 1; n <= MAXT; n++) {
            if (matmul_scratch_bytes(types[ti], COLS, n) > sizeof(scratch)) {
                bad++;
                continue;
            }
            CHECK_EQ_INT(matmul(types[ti], wbuf, ROWS, COLS, x, COLS, n, out, ROWS, scratch), 0);
            for (uint32_t k = 0; k < n; k++) {
                CHECK_EQ_INT(matvec(types[ti], wbuf, ROWS, COLS, x + k * COLS, one, vscratch), 0);
                if (memcmp(one, out + k * ROWS, sizeof(one)) != 0) {
                    if (!bad)
                        fprintf(stderr, "  matmul %s differs from matvec (n_tok %u, token %u)\n",
                                quant_type_get(types[ti])->name, n, k);
                    bad++;
                }
            }
        }
    }
    CHECK_EQ_INT(bad, 0);
    /* matmul_q8's packed fields at their bound: every Q8_0 weight -128 and
     * every activation +-127 (block sums of 32 * 16256, fields of 21 bits) */
    for (size_t b = 0; b < ROWS * COLS / QK8_0; b++) {
        struct block_q8_0 *blk = (struct block_q8_0 *)wbuf + b;
        blk->d = 0x3c00;   /* 1.0 */
        memset(blk->qs, 0x80, sizeof blk->qs);
    }
    for (int k = 0; k < MAXT * COLS; k++)
        x[k] = (k / COLS) % 2 ? -1.0f : 1.0f;
    CHECK_EQ_INT(matmul(QT_Q8_0, wbuf, ROWS, COLS, x, COLS, MAXT, out, ROWS, scratch), 0);
    for (uint32_t k = 0; k < MAXT; k++) {
        float single[ROWS];   /* one token: matvec_q8's int16 pair sums at their bound too */
        CHECK_EQ_INT(matvec(QT_Q8_0, wbuf, ROWS, COLS, x + k * COLS, one, vscratch), 0);
        CHECK(memcmp(one, out + k * ROWS, sizeof(one)) == 0);
        CHECK_EQ_INT(matmul(QT_Q8_0, wbuf, ROWS, COLS, x + k * COLS, COLS, 1, single, ROWS, scratch), 0);
        CHECK(memcmp(one, single, sizeof(one)) == 0);
        const float want = (k % 2 ? 128.0f : -128.0f) * COLS;   /* w -128, x +-127 * d_x, d_x ~ 1/127 */
        CHECK(one[0] > want - 0.01f * COLS * 128 && one[0] < want + 0.01f * COLS * 128);
    }
    /* Q5_0 (four tokens per word, 16-bit fields, half blocks): every weight
     * -16 (nibble 0, fifth bit 0), activations +-127: sums of 16 * 2032 */
    for (size_t b = 0; b < ROWS * COLS / QK5_0; b++) {
        struct block_q5_0 *blk = (struct block_q5_0 *)wbuf + b;
        blk->d = 0x3c00;
        memset(blk->qh, 0, sizeof blk->qh);
        memset(blk->qs, 0, sizeof blk->qs);
    }
    CHECK_EQ_INT(matmul(QT_Q5_0, wbuf, ROWS, COLS, x, COLS, MAXT, out, ROWS, scratch), 0);
    for (uint32_t k = 0; k < MAXT; k++) {
        float single[ROWS];
        CHECK_EQ_INT(matvec(QT_Q5_0, wbuf, ROWS, COLS, x + k * COLS, one, vscratch), 0);
        CHECK(memcmp(one, out + k * ROWS, sizeof(one)) == 0);
        CHECK_EQ_INT(matmul(QT_Q5_0, wbuf, ROWS, COLS, x + k * COLS, COLS, 1, single, ROWS, scratch), 0);
        CHECK(memcmp(one, single, sizeof(one)) == 0);
        const float want = (k % 2 ? 16.0f : -16.0f) * COLS;
        CHECK(one[0] > want - 0.01f * COLS * 16 && one[0] < want + 0.01f * COLS * 16);
    }
    check_matvec_k();
    CHECK_EQ_INT(matmul(QT_Q8_0, wbuf, ROWS, 33, x, COLS, 1, out, ROWS, scratch), -EINVAL);
    CHECK_EQ_INT(matmul(QT_Q8_0, wbuf, ROWS, COLS, x, COLS, 0, out, ROWS, scratch), -EINVAL);
}
