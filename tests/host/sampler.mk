HOST_TESTS += test_sampler
test_sampler_SRCS := tests/host/test_sampler.c kernel/model/sampler.c kernel/math/kmath.c kernel/math/cpu_features.c \
                     kernel/lib/format.c kernel/lib/string.c kernel/lib/errno.c tests/host/host_heap_shim.c
test_sampler_LIBS := -lm
