/* Shape validation: a valid tiny model runs; every kind of bad shape is
 * refused with its own code and a message naming the problem. Included by
 * test_llama.c. */
#include "llama_builder.h"

static int shape_load(const struct lb_spec *s, char *why, size_t why_size, int run)
{
    struct gbuf b = { 0 };
    lb_build(&b, s);
    struct mem_source src = { b.data, b.len };
    struct gguf_reader r;
    struct model m;
    struct gguf_error err;
    memset(&m, 0, sizeof(m));
    gguf_reader_init(&r, mem_read, &src, b.len, GGUF_READAHEAD_DEFAULT);
    int rc = gguf_parse(&r, &m.file, &err);
    if (rc == 0)
        rc = model_load_data(&m, &r, NULL, NULL);
    struct llama_weights w;
    if (rc == 0)
        rc = llama_load(&w, &m.file, m.data, why, why_size);
    if (rc == 0 && run) {
        struct llama_state st;
        rc = llama_state_init(&st, &w.shape, 4);
        for (uint32_t p = 0; rc == 0 && p < 4; p++)
            rc = llama_forward(&w, &st, (int32_t)p, p);
        if (rc == 0)
            rc = isfinite(st.logits[0]) ? 0 : -ERANGE;
        llama_state_free(&st);
    }
    if (rc == 0 || rc == -EMODEL_ARCH || rc == -EMODEL_SHAPE || rc == -EMODEL_WTYPE)
        llama_free(&w);
    model_free(&m);
    gguf_reader_free(&r);
    free(b.data);
    return rc;
}

static void expect_refusal(struct lb_spec s, int code, const char *words)
{
    char why[256] = "";
    int rc = shape_load(&s, why, sizeof(why), 0);
    CHECK_EQ_INT(rc, -code);
    if (!strstr(why, words)) {
        check_failed++;
        fprintf(stderr, "FAIL refusal message \"%s\" lacks \"%s\"\n", why, words);
    } else {
        check_passed++;
    }
}

static void test_shapes(void)
{
    const struct lb_spec ok = { "llama", 32, 4, 2, 64, 2, 40, 16, GGML_TYPE_F32, NULL, NULL, 0, 0 };
    char why[256];
    struct lb_spec s = ok;
    CHECK_EQ_INT(shape_load(&s, why, sizeof(why), 1), 0);
    s.tied = 1;
    CHECK_EQ_INT(shape_load(&s, why, sizeof(why), 1), 0);
    s = ok; s.wtype = GGML_TYPE_F16;
    CHECK_EQ_INT(shape_load(&s, why, sizeof(why), 1), 0);
    s = ok; s.arch = "qwen2";
    CHECK_EQ_INT(shape_load(&s, why, sizeof(why), 1), 0);

    s = ok; s.arch = "gpt2";
    expect_refusal(s, EMODEL_ARCH, "'gpt2' is not supported (supported: llama, qwen2)");
    s = ok; s.omit = "blk.1.ffn_up.weight";
    expect_refusal(s, EMODEL_SHAPE, "tensor blk.1.ffn_up.weight is missing");
    s = ok; s.omit = "output_norm.weight";
    expect_refusal(s, EMODEL_SHAPE, "tensor output_norm.weight is missing");
    s = ok; s.misshape = "blk.0.attn_k.weight";
    expect_refusal(s, EMODEL_SHAPE, "tensor blk.0.attn_k.weight has shape [64, 16");
    s = ok; s.heads = 5;
    expect_refusal(s, EMODEL_SHAPE, "not a multiple of head_count 5");
    s = ok; s.kv_heads = 3;
    expect_refusal(s, EMODEL_SHAPE, "head_count 4 is not a multiple of head_count_kv 3");
    s = ok; s.omit_eps = 1;
    expect_refusal(s, EMODEL_SHAPE, "llama.attention.layer_norm_rms_epsilon is missing");
    s = ok; s.wtype = 16;                       /* IQ2_XXS */
    s.dim = 256; s.ffn = 256;
    expect_refusal(s, EMODEL_WTYPE, "has type IQ2_XXS, which is not supported");
    s = ok; s.layers = 0;
    expect_refusal(s, EMODEL_SHAPE, "block_count = 0 is out of range");
}
