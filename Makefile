# leakscope: the two set-up commands are `make test` and `make demo` (see README.md).
BUILD ?= build
JOBS  ?= $(shell nproc)

.PHONY: all build configure deps test demo scenarios bench clean

all: build

deps:
	scripts/deps.sh

$(BUILD)/CMakeCache.txt:
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo

configure: $(BUILD)/CMakeCache.txt

build: configure
	cmake --build $(BUILD) -j $(JOBS)

test: deps
	$(MAKE) build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS) --timeout 600

demo: deps
	$(MAKE) build
	scripts/demo.sh $(BUILD)

scenarios: deps
	$(MAKE) build
	scripts/scenarios.sh $(BUILD)

bench: deps
	$(MAKE) build
	scripts/bench.sh $(BUILD)

clean:
	rm -rf $(BUILD)
