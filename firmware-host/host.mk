# Make rules both firmwares' host builds share, included by firmware-bridge/Makefile and
# firmware-enrollee/Makefile after they set CSTD, WARN, BUILD, CFLAGS_ALL, LDFLAGS_ALL,
# OBJ_DEPS (what every object depends on besides its source) and CORE_SRC. Each of them
# has a size-ram target (its RAM report) for `make size`.

# The host programs' common C (the simulated radio's node, options and signals).
FIRMWARE_HOST := $(patsubst %/,%,$(dir $(lastword $(MAKEFILE_LIST))))
HOST_COMMON_SRC := $(FIRMWARE_HOST)/sim_radio.c $(FIRMWARE_HOST)/host_cli.c

# An object per source under $(BUILD)/obj (../x.c lands in $(BUILD)/x.o).
obj = $(patsubst %.c,$(BUILD)/obj/%.o,$(1))

$(BUILD)/obj/%.o: %.c $(OBJ_DEPS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -c $< -o $@

ASAN_FLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
test-asan:
	@if echo 'int main(void){return 0;}' | $(CC) $(ASAN_FLAGS) -x c - -o /dev/null 2>/dev/null; then \
	  $(MAKE) --no-print-directory BUILD=$(BUILD)/asan OPT="-O1 -g" \
	    EXTRA_CFLAGS="$(ASAN_FLAGS)" EXTRA_LDFLAGS="$(ASAN_FLAGS)" test; \
	else \
	  echo "test-asan: $(CC) does not support -fsanitize=address,undefined; skipped"; \
	fi

# The core alone as an ESP32-C3 would build it (RV32IMC, -Os): its code, the firmware's RAM
# report (size-ram) and the largest stack frames, if riscv64-unknown-elf-gcc is installed.
RV_CC    ?= riscv64-unknown-elf-gcc
RV_SIZE  ?= riscv64-unknown-elf-size
RV_FLAGS := -march=rv32imc -mabi=ilp32 -Os -ffunction-sections -fdata-sections $(CSTD) $(WARN)
RV_SPECS  = $(if $(wildcard $(shell $(RV_CC) -print-file-name=picolibc.specs 2>/dev/null)),--specs=picolibc.specs)
size:
	@if command -v $(RV_CC) >/dev/null 2>&1; then \
	  mkdir -p $(BUILD)/rv32; \
	  for f in $(CORE_SRC); do \
	    $(RV_CC) $(RV_FLAGS) $(RV_SPECS) -Icore -fstack-usage -c $$f -o $(BUILD)/rv32/$$(basename $$f .c).o || exit 1; \
	  done; \
	  echo "core code size, $(RV_CC) $(RV_FLAGS):"; \
	  $(RV_SIZE) -t $(BUILD)/rv32/*.o; \
	  $(MAKE) --no-print-directory size-ram || exit 1; \
	  echo "largest stack frames (bytes):"; \
	  cat $(BUILD)/rv32/*.su | sort -t"$$(printf '\t')" -k2 -n -r | head -5; \
	else \
	  echo "size: $(RV_CC) is not installed (Debian: apt-get install gcc-riscv64-unknown-elf picolibc-riscv64-unknown-elf)"; \
	fi

clean:
	rm -rf $(BUILD)

.PHONY: test-asan size size-ram clean

-include $(shell find $(BUILD)/obj $(BUILD)/firmware-host $(BUILD)/test -name '*.d' 2>/dev/null)
