HOST_TESTS += test_f32_fixed
test_f32_fixed_SRCS := tests/host/test_f32_fixed.c kernel/math/f32_fixed.c kernel/lib/errno.c
test_f32_fixed_LIBS := -lm
