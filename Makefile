# Thin wrapper over CMake. `make` builds build/profilemanager; `make test` runs every suite;
# `make demo` runs the tool on the bundled example. Both install what they need.
BUILD ?= build
TEST_BUILD ?= build-test
JOBS ?= $(shell nproc 2>/dev/null || echo 2)

.PHONY: all deps test-deps build test demo windows clean fuzz msi bench install

all: build

deps:
	@bash scripts/deps.sh build

test-deps:
	@bash scripts/deps.sh test

build: deps
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPM_TESTS=OFF >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)

test: test-deps
	@cmake -S . -B $(TEST_BUILD) -DCMAKE_BUILD_TYPE=Debug -DPM_WERROR=ON -DPM_SANITIZE=ON -DPM_TEST_HOOKS=ON >/dev/null
	@cmake --build $(TEST_BUILD) -j $(JOBS)
	@cd $(TEST_BUILD) && ctest --output-on-failure -j $(JOBS)

# Installs what `make` built: bin/profilemanager, the man page, the bash completion and the docs
# under PREFIX (default /usr/local); DESTDIR stages it elsewhere (make install DESTDIR=/tmp/pkg).
PREFIX ?= /usr/local
install: build
	@cmake -S . -B $(BUILD) -DCMAKE_INSTALL_PREFIX=$(PREFIX) >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)
	@DESTDIR=$(DESTDIR) cmake --install $(BUILD)

# The Windows tool, cross-built with mingw-w64 and linked statically (it runs from a share).
WIN_BUILD ?= build-win
windows:
	@cmake -S . -B $(WIN_BUILD) -DCMAKE_TOOLCHAIN_FILE=cmake/mingw-w64.cmake \
		-DCMAKE_BUILD_TYPE=Release >/dev/null
	@cmake --build $(WIN_BUILD) -j $(JOBS) --target profilemanager

# The Windows Installer package (wixl from msitools): ProfileManager.exe and examples/prof.config
# (installed as prof.config.example) into Program Files; packaging/ProfileManager.wxs says why.
# wixl resolves sources relative to where it runs, so they are staged in $(WIN_BUILD)/msi first.
PM_VERSION_STR = $(shell sed -n 's/^\#define PM_VERSION "\(.*\)"/\1/p' include/pm/pm.h)
# The same version in the four parts of the exe's VERSIONINFO and the MSI's File table.
PM_VERSION_QUAD = $(shell echo $(PM_VERSION_STR).0.0.0 | cut -d. -f1-4)
msi: windows
	@command -v wixl >/dev/null || { echo "msi: wixl (msitools) is needed"; exit 1; }
	@rm -rf $(WIN_BUILD)/msi && mkdir -p $(WIN_BUILD)/msi
	@cp $(WIN_BUILD)/ProfileManager.exe $(WIN_BUILD)/msi/
	@cp examples/prof.config $(WIN_BUILD)/msi/prof.config.example
	@cd $(WIN_BUILD)/msi && wixl -a x64 -D Version=$(PM_VERSION_STR) -D ExeFile=ProfileManager.exe \
		-D ConfigFile=prof.config.example -o ../ProfileManager.msi $(CURDIR)/packaging/ProfileManager.wxs
	@# wixl does not read the exe's VERSIONINFO: put its version in the File table (what Windows
	@# Installer compares on upgrades and what the file's row shows) with msibuild.
	@cd $(WIN_BUILD)/msi && msiinfo export ../ProfileManager.msi File | \
		awk -F'\t' 'BEGIN { OFS = "\t" } NR > 3 && $$1 == "ProfileManagerExeFile" { $$5 = "$(PM_VERSION_QUAD)" } { print }' \
		>File.idt && msibuild ../ProfileManager.msi -i File.idt
	@echo "msi: $(WIN_BUILD)/ProfileManager.msi"

demo: build
	@bash scripts/demo.sh $(BUILD)/profilemanager

# Benchmarks (not tests; nothing asserts a timing): every bench/*.sh in turn, on a Release build
# in $(BENCH_BUILD), each printing its figures beside the goal they answer. About 10 minutes on
# 2 cores; QUICK=1 runs the smaller sizes only (under a minute after the build). Results, charts
# and how to read them: docs/performance.md.
BENCH_BUILD ?= build-bench
bench:
	@bash scripts/deps.sh bench
	@cmake -S . -B $(BENCH_BUILD) -DCMAKE_BUILD_TYPE=Release >/dev/null
	@cmake --build $(BENCH_BUILD) -j $(JOBS) >/dev/null
	@set -e; for b in bench/*.sh; do \
		echo "==== $$b"; \
		BENCH_BUILD=$(CURDIR)/$(BENCH_BUILD) BENCH_QUICK=$(QUICK) bash $$b; \
		echo; \
	done

clean:
	rm -rf $(BUILD) $(TEST_BUILD) build-win build-fuzz build-bench demo-out

# libFuzzer: every fuzz/fuzz-<name>.c against libpm built with clang and ASan/UBSan, in
# $(FUZZ_BUILD)/fuzz-<name>; each then runs FUZZ_SECONDS on a working corpus seeded from
# fuzz/corpus/<name>/ (new inputs stay in $(FUZZ_BUILD), the repo corpus is not touched), with
# fuzz/<name>.dict as dictionary when there is one.
# One fuzzer at a time, in one process: FUZZ_SECONDS=600 make fuzz; FUZZ_TARGETS="profile entryid" to pick.
FUZZ_BUILD ?= build-fuzz
FUZZ_SECONDS ?= 60
# The targets that need files (puf, puf-index, hive) write them under TMPDIR: memory is twice as
# fast as a disk there (docs/fuzzing.md). Each run gets a folder of its own there, removed after.
FUZZ_TMPDIR ?= $(shell [ -d /dev/shm ] && [ -w /dev/shm ] && echo /dev/shm || echo $${TMPDIR:-/tmp})
FUZZ_TARGETS ?= $(patsubst fuzz/fuzz-%.c,%,$(wildcard fuzz/fuzz-*.c))
fuzz: test-deps
	@cmake -S . -B $(FUZZ_BUILD) -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=Debug -DPM_FUZZ=ON \
		-DPM_SANITIZE=ON -DCMAKE_C_FLAGS="-O1" >/dev/null
	@cmake --build $(FUZZ_BUILD) -j $(JOBS) --target $(addprefix fuzz-,$(FUZZ_TARGETS))
	@set -e; for t in $(FUZZ_TARGETS); do \
		mkdir -p $(FUZZ_BUILD)/corpus-$$t $(FUZZ_BUILD)/artifacts-$$t; \
		echo "fuzz-$$t: $(FUZZ_SECONDS) s"; \
		tmp=$$(mktemp -d $(FUZZ_TMPDIR)/pm-fuzz-run.XXXXXX); ok=1; \
		( cd $(FUZZ_BUILD)/artifacts-$$t && TMPDIR=$$tmp ../fuzz-$$t -max_total_time=$(FUZZ_SECONDS) \
			-print_final_stats=1 -max_len=65536 $$( [ -f $(CURDIR)/fuzz/$$t.dict ] && echo -dict=$(CURDIR)/fuzz/$$t.dict ) \
			../corpus-$$t $(CURDIR)/fuzz/corpus/$$t \
			>../fuzz-$$t.log 2>&1 ) || ok=0; \
		rm -rf "$$tmp"; \
		if [ $$ok = 1 ]; then \
			grep -E 'stat::number_of_executed_units' $(FUZZ_BUILD)/fuzz-$$t.log; \
		else \
			grep -E 'ERROR|SUMMARY' $(FUZZ_BUILD)/fuzz-$$t.log | head -5; \
			echo "fuzz-$$t: finding, see $(FUZZ_BUILD)/fuzz-$$t.log and $(FUZZ_BUILD)/artifacts-$$t"; \
			exit 1; \
		fi; \
	done
