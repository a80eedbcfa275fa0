# Two commands, on a fresh Debian 12 machine as root:
#   make demo    install what is missing, build, trace the bundled example (utrace -f -c,
#                then a ustap latency histogram of one of its functions)
#   make check   the same set-up, then the whole test suite
# A thin layer over Meson; `meson test -C build` works as well once configured.

BUILD ?= build
MESON_ARGS ?=
# Every Debian package a job needs, in this one place (.ci/fresh-debian proves the lists on a
# fresh Debian 12 root).  A test that needs a package names it here and says so when it fails.
#   DEBS        build the tools and the tests (cmocka too: the build detects it once, at setup)
#   CHECK_DEBS  strace: e2e compares utrace's lines with the real strace's;
#               libc6-dbg: backtrace tests name libc's local frames (__libc_start_call_main)
#   BENCH_DEBS  the peers bench/ measures against
#   CI_DEBS     .ci/run: the clang sanitizer build, the format check, the fresh root
DEBS = gcc libc6-dev binutils make meson ninja-build pkg-config python3 libseccomp-dev libelf-dev libdw-dev \
	libzydis-dev libcmocka-dev
CHECK_DEBS = $(DEBS) strace libc6-dbg
BENCH_DEBS = $(CHECK_DEBS) ltrace gdb bpftrace hyperfine
CI_DEBS = $(CHECK_DEBS) clang libclang-rt-14-dev clang-format debootstrap

UTRACE = $(BUILD)/tools/utrace/utrace
USTAP = $(BUILD)/tools/ustap/ustap
DEMO = $(BUILD)/examples/demo_forkexec

.PHONY: all deps check-deps bench-deps ci-deps build demo check bench clean

all: build

define install_debs
	@missing=""; \
	for p in $(1); do \
		dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed' || \
			missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
		if [ "$$(id -u)" = 0 ]; then \
			echo "installing:$$missing"; \
			apt-get update -qq && \
			DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing \
				>/dev/null || exit 1; \
		else \
			echo "missing Debian packages; as root run:"; \
			echo "  apt-get install -y$$missing"; \
			exit 1; \
		fi; \
	fi
endef

deps:
	$(call install_debs,$(DEBS))

check-deps:
	$(call install_debs,$(CHECK_DEBS))

bench-deps:
	$(call install_debs,$(BENCH_DEBS))

ci-deps:
	$(call install_debs,$(CI_DEBS))

$(BUILD)/build.ninja:
	meson setup $(BUILD) $(MESON_ARGS)

build: deps $(BUILD)/build.ninja
	ninja -C $(BUILD)

demo: build
	@echo '$$ utrace -f -c $(DEMO)'
	$(UTRACE) -f -c $(DEMO)
	@echo '$$ ustap examples/stap/ulatency.stp $(DEMO) checksum -c $(DEMO)'
	$(USTAP) examples/stap/ulatency.stp $(DEMO) checksum -c $(DEMO)

check: check-deps $(BUILD)/build.ninja
	ninja -C $(BUILD)
	meson test -C $(BUILD) --print-errorlogs

bench: bench-deps build
	bash bench/syscall_overhead.sh $(UTRACE)

clean:
	rm -rf $(BUILD)
