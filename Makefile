# Thin wrapper over CMake. `make` builds build/profilemanager; `make test` runs every suite;
# `make demo` runs the tool on the bundled example. Both install what they need.
BUILD ?= build
TEST_BUILD ?= build-test
JOBS ?= $(shell nproc 2>/dev/null || echo 2)

.PHONY: all deps test-deps build test demo windows clean fuzz msi bench

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

# The Windows tool, cross-built with mingw-w64 and linked statically (it runs from a share).
WIN_BUILD ?= build-win
windows:
	@cmake -S . -B $(WIN_BUILD) -DCMAKE_TOOLCHAIN_FILE=cmake/mingw-w64.cmake \
		-DCMAKE_BUILD_TYPE=Release >/dev/null
	@cmake --build $(WIN_BUILD) -j $(JOBS) --target profilemanager

demo: build
	@bash scripts/demo.sh $(BUILD)/profilemanager

clean:
	rm -rf $(BUILD) $(TEST_BUILD) build-win build-fuzz demo-out
