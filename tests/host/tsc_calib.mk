HOST_TESTS += test_tsc_calib
test_tsc_calib_SRCS := tests/host/test_tsc_calib.c kernel/core/tsc_calib.c
