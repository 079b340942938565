HOST_TESTS += test_austen
# Deferred (=): MODEL_SRCS and TOKENIZER_BPE_SRCS come from gguf.mk and bpe.mk, included after this file.
test_austen_SRCS = tests/host/test_austen.c kernel/model/model.c kernel/model/tokenizer.c \
                   kernel/model/tokenizer_encode.c $(TOKENIZER_BPE_SRCS) $(MODEL_SRCS)
