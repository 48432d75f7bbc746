# leakscope: the two set-up commands are `make test` and `make demo` (see README.md).
BUILD ?= build
JOBS  ?= $(shell nproc)

.PHONY: all build configure deps install package test test-asan fuzz demo scenarios bench format format-check clean

all: build

deps:
	scripts/deps.sh

$(BUILD)/CMakeCache.txt:
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo

configure: $(BUILD)/CMakeCache.txt

build: configure
	cmake --build $(BUILD) -j $(JOBS)

# The tools, the preload library and the profiler's CMake/pkg-config package under PREFIX (bin/, lib/,
# include/, share/leakscope/); `make package`: a Debian package of the same tree (build/leakscope_*.deb).
PREFIX ?= /usr/local
install: build
	cmake --install $(BUILD) --prefix $(PREFIX)

package: deps
	$(MAKE) build
	cd $(BUILD) && cpack -G DEB

# Every test: the ctest suites, the sanitizer build's suites, and each fuzzer for TEST_FUZZ_SECONDS
# (its corpus and the kept regressions replayed first; `make fuzz` runs each for FUZZ_SECONDS).
FUZZ_SECONDS ?= 60
TEST_FUZZ_SECONDS ?= 20
test: deps
	$(MAKE) format-check
	$(MAKE) build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS) --timeout 600
	scripts/test_asan.sh
	scripts/fuzz.sh $(BUILD) $(TEST_FUZZ_SECONDS)

test-asan: deps
	scripts/test_asan.sh

fuzz: deps
	$(MAKE) build
	scripts/fuzz.sh $(BUILD) $(FUZZ_SECONDS)

demo: deps
	$(MAKE) build
	scripts/demo.sh $(BUILD)

scenarios: deps
	$(MAKE) build
	scripts/scenarios.sh $(BUILD)

bench: deps
	$(MAKE) build
	scripts/bench.sh $(BUILD)

# C++ style (.clang-format): apply to every tracked source, or only check (non-zero exit on a difference).
FORMAT_FILES = $(shell git ls-files '*.cpp' '*.h')
format:
	clang-format -i $(FORMAT_FILES)

format-check:
	@clang-format --dry-run --Werror $(FORMAT_FILES) && echo "format-check: $(words $(FORMAT_FILES)) files follow .clang-format"

clean:
	rm -rf $(BUILD) build-asan build-fuzz
