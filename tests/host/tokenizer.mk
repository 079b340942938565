HOST_TESTS += test_tokenizer
test_tokenizer_SRCS := tests/host/test_tokenizer.c kernel/model/tokenizer.c kernel/model/tokenizer_encode.c \
                       $(TOKENIZER_BPE_SRCS) $(MODEL_SRCS)
