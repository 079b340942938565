HOST_TESTS += test_llama
LLAMA_SRCS = kernel/model/llama.c kernel/model/llama_prefill.c kernel/model/llama_attn.c kernel/model/llama_load.c kernel/model/model.c kernel/model/tokenizer.c \
              kernel/model/tokenizer_encode.c $(TOKENIZER_BPE_SRCS) $(wildcard kernel/math/*.c)
test_llama_SRCS := tests/host/test_llama.c $(LLAMA_SRCS) $(MODEL_SRCS)
test_llama_CFLAGS := -O2
test_llama_LIBS := -lm
