HOST_TESTS += test_shell
test_shell_SRCS := tests/host/test_shell.c kernel/shell/line_editor.c kernel/shell/args.c \
                   kernel/lib/format.c kernel/lib/string.c \
                   tests/host/host_printk_shim.c
