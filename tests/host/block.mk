HOST_TESTS += test_block
test_block_SRCS := tests/host/test_block.c kernel/block/block.c kernel/lib/format.c \
                   kernel/lib/string.c kernel/lib/errno.c
