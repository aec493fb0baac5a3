# hourglass: the two commands of the README, and their parts.
GO      ?= go
BIN     := bin/hourglass
CONFIG  ?= configs/quickstart.yaml

STATICCHECK := honnef.co/go/tools/cmd/staticcheck@v0.8.2
ERRCHECK    := github.com/kisielk/errcheck@v1.30.0

.PHONY: quickstart setup build test lint lint-tools bench clean

## quickstart: install what is missing (the dataset included) and run the default experiment
quickstart: setup build
	$(BIN) run $(CONFIG)

## setup: install the dataset and Go modules
setup:
	scripts/setup.sh

build:
	$(GO) build -o $(BIN) ./cmd/hourglass

## test: the whole test suite, then the packages with kernels again with
## the plain-Go micro-kernel (-tags purego), as machines without AVX2/FMA
## run them (needs the dataset: run `make setup` once). The stages above
## the kernels run the same code either way, so they run once.
PUREGO_PKGS := ./backend/... ./internal/numeric/... ./knn/... ./model/... ./internal/runtime/... ./encoder/...

test: lint
	$(GO) test -count=1 -timeout 30m ./...
	$(GO) test -count=1 -timeout 30m -tags purego $(PUREGO_PKGS)

## lint: gofmt, go vet, staticcheck (staticcheck.conf) and errcheck
## (.errcheck-excludes says which calls it skips and why), at the versions
## pinned above; the layer check is a test (layers_test.go)
lint:
	@unformatted=$$(gofmt -l .); if [ -n "$$unformatted" ]; then echo "gofmt needed: $$unformatted"; exit 1; fi
	$(GO) vet ./...
	$(GO) run $(STATICCHECK) ./...
	$(GO) run $(STATICCHECK) -tags purego ./...
	$(GO) run $(ERRCHECK) -blank -exclude .errcheck-excludes ./...

## lint-tools: fetch and build the pinned linters (scripts/setup.sh runs it)
lint-tools:
	$(GO) run $(STATICCHECK) -version
	$(GO) run $(ERRCHECK) -version

bench:
	$(GO) test -run '^$$' -bench . -benchtime 3x ./...

clean:
	rm -rf bin
