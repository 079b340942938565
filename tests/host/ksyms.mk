HOST_TESTS += test_ksyms
test_ksyms_SRCS := tests/host/test_ksyms.c kernel/core/ksyms.c
