HOST_TESTS += test_heap
test_heap_SRCS := tests/host/test_heap.c kernel/core/heap_core.c
