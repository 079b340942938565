MODEL_SRCS := kernel/model/gguf.c kernel/model/gguf_reader.c kernel/model/ggml_types.c \
              kernel/model/name_set.c kernel/lib/format.c kernel/lib/string.c kernel/lib/errno.c \
              tests/host/host_heap_shim.c tests/host/host_printk_shim.c
HOST_TESTS += test_gguf
test_gguf_SRCS := tests/host/test_gguf.c kernel/model/model.c kernel/model/tokenizer.c \
                  kernel/model/tokenizer_encode.c $(TOKENIZER_BPE_SRCS) $(MODEL_SRCS)
