# EMBODIOS — build, run and test.
#   make          build kernel/embodios.elf
#   make run      install what is missing, build, make a default disk, boot QEMU
#   make test     every test; ends with "N passed, N failed"
#   make debug    QEMU waiting for gdb on :1234 (see README)
#   make clean

CROSS   ?=
CC      := $(CROSS)gcc
LD      := $(CROSS)ld
OBJCOPY := $(CROSS)objcopy

KERNEL  := kernel/embodios.elf
BUILD   := build
VERSION := 0.1.0

# Freestanding, no red zone (interrupts would clobber it), no SSE/x87 (the
# kernel does not save that state), frame pointers for backtraces.
KERNEL_CFLAGS := -std=gnu11 -O2 -g -Wall -Wextra -Werror \
    -ffreestanding -nostdlib -fno-builtin -fno-pic -fno-pie -fno-stack-protector \
    -fno-omit-frame-pointer -fno-asynchronous-unwind-tables \
    -mno-red-zone -mgeneral-regs-only -mcmodel=small --param=min-pagesize=0 \
    -Ikernel -DEMBODIOS_VERSION='"$(VERSION)"'
# Float code (kernel/math/, the model's float files) may use SSE/AVX: it is
# built without -mgeneral-regs-only. fpu_init enables the state at boot; every
# other file, in particular the interrupt/exception handlers, stays
# general-registers-only, so an interrupt never touches XMM/YMM registers and
# nothing needs saving (see kernel/arch/x86_64/fpu.h). AVX2/FMA variants are
# per-function target attributes chosen at run time from cpu_features.
# -ffp-contract=off: no silent FMA contraction (results must match ggml's
# order of operations); -fno-math-errno: __builtin_sqrtf is one sqrtss;
# _MM_MALLOC_H_INCLUDED: keep <immintrin.h> from pulling in <stdlib.h>.
KERNEL_FPU_CFLAGS := $(filter-out -mgeneral-regs-only,$(KERNEL_CFLAGS)) -msse2 -mfpmath=sse \
    -ffp-contract=off -fno-math-errno -D_MM_MALLOC_H_INCLUDED
KERNEL_FPU_SRCS := $(wildcard kernel/math/*.c kernel/model/llama*.c kernel/model/sampler.c)
KERNEL_ASFLAGS := -Ikernel -D__ASSEMBLY__
KERNEL_LDFLAGS := -nostdlib -static -T linker.ld -z max-page-size=0x1000 -z noseparate-code \
    --no-warn-rwx-segments -z noexecstack

KERNEL_C_SRCS := $(shell find kernel -name '*.c' | sort)
KERNEL_S_SRCS := $(shell find kernel -name '*.S' | sort)
KERNEL_OBJS   := $(patsubst %.c,$(BUILD)/obj/%.o,$(KERNEL_C_SRCS)) \
                 $(patsubst %.S,$(BUILD)/obj/%.o,$(KERNEL_S_SRCS))

.DELETE_ON_ERROR:
.PHONY: all kernel deps run debug test host-test qemu-test clean disk models
all: kernel
kernel: $(KERNEL)

deps:
	@bash scripts/deps.sh build

# V=1 shows the full commands.
Q := $(if $(V),,@)

$(BUILD)/obj/%.o: %.c Makefile
	@mkdir -p $(@D)
	@$(if $(Q),echo "  CC    $<")
	$(Q)$(CC) $(if $(filter $<,$(KERNEL_FPU_SRCS)),$(KERNEL_FPU_CFLAGS),$(KERNEL_CFLAGS)) -MMD -MP -c $< -o $@

$(BUILD)/obj/%.o: %.S Makefile
	@mkdir -p $(@D)
	@$(if $(Q),echo "  AS    $<")
	$(Q)$(CC) $(KERNEL_ASFLAGS) -MMD -MP -c $< -o $@

# Two-pass link for the kernel's own symbol table (scripts/gen-ksyms.sh):
# link with an empty table, turn that ELF's text symbols into a table,
# link again with it, and check that no text symbol moved.
KSYMS := NM=$(CROSS)nm bash scripts/gen-ksyms.sh
$(KERNEL): $(KERNEL_OBJS) linker.ld scripts/gen-ksyms.sh
	@$(if $(Q),echo "  LD    $@ (two passes, symbol table)")
	$(Q)$(KSYMS) --empty > $(BUILD)/ksyms0.S
	$(Q)$(CC) $(KERNEL_ASFLAGS) -c $(BUILD)/ksyms0.S -o $(BUILD)/ksyms0.o
	$(Q)$(LD) $(KERNEL_LDFLAGS) -o $(BUILD)/embodios.pass1.elf $(KERNEL_OBJS) $(BUILD)/ksyms0.o
	$(Q)$(KSYMS) $(BUILD)/embodios.pass1.elf > $(BUILD)/ksyms.S
	$(Q)$(CC) $(KERNEL_ASFLAGS) -c $(BUILD)/ksyms.S -o $(BUILD)/ksyms.o
	$(Q)$(LD) $(KERNEL_LDFLAGS) -o $@ $(KERNEL_OBJS) $(BUILD)/ksyms.o
	$(Q)$(KSYMS) --check $(BUILD)/embodios.pass1.elf $@
	$(Q)bash scripts/check-multiboot.sh $@
	$(Q)OBJDUMP=$(CROSS)objdump bash scripts/check-fpu-use.sh \
	    $(filter-out $(patsubst %.c,$(BUILD)/obj/%.o,$(KERNEL_FPU_SRCS)),$(KERNEL_OBJS))

-include $(KERNEL_OBJS:.o=.d)

# ---- running -------------------------------------------------------------
DISK ?= $(BUILD)/disk.img
QEMU_MEM ?= 2G
disk: $(DISK)
# The default disk holds the committed Austen model at offset 0 (checked
# against its sha256), so `loadmodel` with no arguments finds it.
AUSTEN_MODEL := $(wildcard models/austen-*.gguf)
$(BUILD)/disk.img: $(AUSTEN_MODEL) $(wildcard models/austen-*.sha256) scripts/train/austen-disk.sh scripts/mkmodel-disk.sh
	@rm -f $@
	@bash scripts/train/austen-disk.sh $@ 64

# Only the default disk is made; a DISK= of the user's must exist (else make
# would say "No rule to make target").
MAKE_DISK = $(filter $(BUILD)/disk.img,$(DISK))
CHECK_DISK = @[ -n "$(MAKE_DISK)" ] || [ -e "$(DISK)" ] || \
    { echo "make $@: disk image '$(DISK)' does not exist (DISK= names an existing file; 'make models' makes build/model.img)" >&2; exit 1; }

run:
	$(CHECK_DISK)
	@bash scripts/deps.sh run
	@$(MAKE) --no-print-directory kernel $(MAKE_DISK)
	@bash scripts/run-qemu.sh $(DISK) $(QEMU_MEM)

debug:
	$(CHECK_DISK)
	@bash scripts/deps.sh run
	@$(MAKE) --no-print-directory kernel $(MAKE_DISK)
	@bash scripts/run-qemu.sh --debug $(DISK) $(QEMU_MEM)

# ---- tests ---------------------------------------------------------------
include tests/host/Makefile

# The weight quantizer for test models (host tool; see docs/MATH.md).
QUANTIZE_SRCS := tools/quantize/quantize.c tools/quantize/quantizer.c kernel/math/quant.c \
    kernel/math/quant_float.c kernel/math/quant_legacy.c kernel/math/quant_k.c \
    kernel/math/quant_avx2.c kernel/math/quant_sse2.c kernel/math/kmath.c kernel/math/cpu_features.c \
    kernel/math/f32_fixed.c
$(BUILD)/quantize: $(QUANTIZE_SRCS) $(wildcard kernel/math/*.h tools/quantize/*.h)
	@mkdir -p $(@D)
	$(Q)cc -std=gnu11 -O2 -Wall -Wextra -Werror -ffp-contract=off -Ikernel -Itools/quantize \
	    -o $@ $(QUANTIZE_SRCS) -lm
models: $(BUILD)/quantize

# Test models from LLaMA's real vocabulary (npm) and the spec's model.img.
models:
	@bash scripts/make-models.sh
host-test: models

test:
	@bash scripts/deps.sh test
	@bash tests/run-all.sh

# Only build outputs: a test.img or model.img of the user's in the root stays.
clean:
	rm -rf $(BUILD) $(KERNEL)
