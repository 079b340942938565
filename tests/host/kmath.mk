HOST_TESTS += test_kmath
test_kmath_SRCS := tests/host/test_kmath.c kernel/math/kmath.c kernel/math/cpu_features.c
test_kmath_LIBS := -lm
