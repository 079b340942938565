# kernel/math against ggml itself: needs the prebuilt llama.cpp libraries
# (`make models` installs them) and ggml's headers, extracted at build time
# from node-llama-cpp's git bundle of the same release.
GGML_BIN_DIR := $(CURDIR)/tools/node_modules/@node-llama-cpp/linux-x64/bins/linux-x64
GGML_BUNDLE  := tools/node_modules/node-llama-cpp/llama/gitRelease.bundle
GGML_INC     := build/ggml-include

$(GGML_INC)/ggml/include/ggml.h: $(GGML_BUNDLE)
	@rm -rf $(GGML_INC) && mkdir -p $(GGML_INC)
	@git init -q $(GGML_INC)/repo
	@git -C $(GGML_INC)/repo fetch -q $(CURDIR)/$(GGML_BUNDLE) HEAD
	@git -C $(GGML_INC)/repo archive FETCH_HEAD ggml/include | tar -x -C $(GGML_INC)
	@rm -rf $(GGML_INC)/repo

HOST_TESTS += test_quant
test_quant_SRCS := tests/host/test_quant.c kernel/math/quant.c kernel/math/quant_float.c \
                   kernel/math/quant_legacy.c kernel/math/quant_k.c kernel/math/quant_avx2.c kernel/math/quant_sse2.c kernel/math/matvec.c kernel/math/matmul.c kernel/math/matmul_k.c kernel/math/matvec_k.c kernel/math/matmul_q8.c kernel/math/matvec_q8.c kernel/math/f32_fixed.c kernel/math/mathbench.c \
                   kernel/math/kmath.c kernel/math/cpu_features.c kernel/lib/string.c kernel/lib/errno.c \
                   tools/quantize/quantizer.c
test_quant_CFLAGS := -Itools/quantize -I$(GGML_INC)/ggml/include -DGGML_BIN_DIR='"$(GGML_BIN_DIR)"' -Wno-error=deprecated-declarations
test_quant_LIBS := -L$(GGML_BIN_DIR) -l:libggml-base.so -Wl,-rpath,$(GGML_BIN_DIR) -ldl -lm
build/host/test_quant: $(GGML_INC)/ggml/include/ggml.h
# A fresh clone has no node_modules yet: the npm install brings the bundle.
$(GGML_BUNDLE):
	@bash tools/install.sh
