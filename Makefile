# Entry points only: the real build is meson (meson.build). Each target bootstraps first.
BUILD       ?= build
CHECK_BUILD ?= build-check
FUZZ_BUILD  ?= build-fuzz
FUZZ_SECONDS ?= 20
DEMO_DIR    ?= mamori-data

.PHONY: all demo check check-long soak bench fuzz clean bootstrap

all: bootstrap
	@test -f $(BUILD)/build.ninja || meson setup $(BUILD) --buildtype=release -Db_lto=false
	ninja -C $(BUILD)

bootstrap:
	@scripts/bootstrap

demo: all
	@scripts/demo $(BUILD)/mamori $(DEMO_DIR)

check: bootstrap
	@scripts/check $(CHECK_BUILD)

# The long runs (meson suite 'long'): 1,000 SIGKILL rounds under load.
check-long: bootstrap
	@scripts/check-long $(CHECK_BUILD)

# Ten minutes of mixed load on the release build (SOAK_SECONDS to change), bounded, loopback.
soak: all
	@scripts/soak $(BUILD)

bench: all
	@scripts/bench $(BUILD)

fuzz: bootstrap
	@scripts/fuzz $(FUZZ_BUILD) $(FUZZ_SECONDS)

clean:
	rm -rf $(BUILD) $(CHECK_BUILD) $(FUZZ_BUILD) build-tsan
