# hourglass: the two commands of the README, and their parts.
GO      ?= go
BIN     := bin/hourglass
CONFIG  ?= configs/quickstart.yaml

.PHONY: quickstart setup build test bench clean

## quickstart: install what is missing (the dataset included) and run the default experiment
quickstart: setup build
	$(BIN) run $(CONFIG)

## setup: install the dataset and Go modules
setup:
	scripts/setup.sh

build:
	$(GO) build -o $(BIN) ./cmd/hourglass

## test: the whole test suite, then again with the plain-Go micro-kernel
## (-tags purego), as machines without AVX2/FMA run it (needs the dataset:
## run `make setup` once)
test:
	@unformatted=$$(gofmt -l .); if [ -n "$$unformatted" ]; then echo "gofmt needed: $$unformatted"; exit 1; fi
	$(GO) vet ./...
	$(GO) test -count=1 -timeout 30m ./...
	$(GO) test -count=1 -timeout 30m -tags purego ./...

bench:
	$(GO) test -run '^$$' -bench . -benchtime 3x ./...

clean:
	rm -rf bin
