HOST_TESTS += test_virtqueue
test_virtqueue_SRCS := tests/host/test_virtqueue.c kernel/drivers/virtio/virtqueue.c \
                       tests/host/host_heap_shim.c tests/host/host_printk_shim.c kernel/lib/errno.c
