HOST_TESTS += test_virtio_blk
test_virtio_blk_SRCS := tests/host/test_virtio_blk.c tests/host/sim_virtio_blk.c kernel/drivers/virtio/virtio_blk.c \
                        kernel/drivers/virtio/virtqueue.c kernel/block/block.c kernel/lib/format.c \
                        kernel/lib/string.c kernel/lib/errno.c tests/host/host_printk_shim.c
