HOST_TESTS += test_utf8_stream
test_utf8_stream_SRCS := tests/host/test_utf8_stream.c kernel/shell/utf8_stream.c kernel/lib/format.c kernel/lib/string.c
