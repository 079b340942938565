# The byte-level BPE tokenizer sources (also linked by every test that links tokenizer.c).
TOKENIZER_BPE_SRCS = kernel/model/tokenizer_bpe.c kernel/model/tokenizer_bpe_encode.c kernel/model/tokenizer_api.c \
                     kernel/model/token_partition.c kernel/model/bpe_pretok.c kernel/model/unicode_class.c \
                     kernel/model/unicode_tables.c
HOST_TESTS += test_tokenizer_bpe
test_tokenizer_bpe_SRCS = tests/host/test_tokenizer_bpe.c kernel/model/tokenizer.c kernel/model/tokenizer_encode.c \
                          $(TOKENIZER_BPE_SRCS) $(MODEL_SRCS)
