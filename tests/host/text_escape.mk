HOST_TESTS += test_text_escape
test_text_escape_SRCS := tests/host/test_text_escape.c kernel/shell/text_escape.c kernel/shell/args.c kernel/lib/format.c \
                         kernel/lib/string.c kernel/lib/errno.c tests/host/host_printk_shim.c
