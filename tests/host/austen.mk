HOST_TESTS += test_austen
# Deferred (=): MODEL_SRCS comes from gguf.mk, included after this file.
test_austen_SRCS = tests/host/test_austen.c kernel/model/model.c $(wildcard kernel/model/token*.c) $(MODEL_SRCS)
