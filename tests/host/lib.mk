HOST_TESTS += test_lib
test_lib_SRCS := tests/host/test_lib.c kernel/lib/format.c kernel/lib/string.c kernel/lib/errno.c
