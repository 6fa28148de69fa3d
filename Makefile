# xmppd — build, run, test. Everything a fresh machine needs beyond Go is
# installed by the target that needs it.
SHELL      := bash
GO         ?= go
# Pebble links cgo zstd otherwise; the whole project builds without cgo.
export CGO_ENABLED ?= 0
BIN        := bin
FUZZTIME   ?= 4s
LONGFUZZ   ?= 5m
# Packages cheap enough to run under the race detector in CI's budget.
RACE_PKGS  ?= ./internal/... ./storage/... ./engine/...

.PHONY: all build run test unit race fuzz-short fuzz bench lint fmt vet clean interop-deps

all: build

build:
	$(GO) build -o $(BIN)/ ./tools/...

## run: the server on its embedded defaults (domain localhost, c2s 5222, data in ./data)
run: build
	@if [ -x $(BIN)/xmppd ]; then exec ./$(BIN)/xmppd; else echo "xmppd server binary not built yet (see issues)"; fi

## test: everything CI runs: lint, unit tests, race tests, short fuzzing, interop
test: lint unit race fuzz-short

unit:
	$(GO) test -count=1 ./...

race:
	CGO_ENABLED=1 $(GO) test -race -count=1 -tags pebblegozstd $(RACE_PKGS)

FUZZ_PKGS  ?= ./codec/ ./internal/jid/ ./engine/sasl/

# Each fuzz target for FUZZTIME (seed corpora already ran in `unit`).
fuzz-short:
	@set -e; for p in $(FUZZ_PKGS); do \
	  for t in $$($(GO) test -list '^Fuzz' $$p | grep '^Fuzz'); do \
	    echo "fuzz $$p $$t for $(FUZZTIME)"; \
	    $(GO) test -run '^$$' -fuzz "^$$t$$" -fuzztime $(FUZZTIME) $$p; \
	  done; \
	done

fuzz:
	@set -e; for p in $(FUZZ_PKGS); do \
	  for t in $$($(GO) test -list '^Fuzz' $$p | grep '^Fuzz'); do \
	    $(GO) test -run '^$$' -fuzz "^$$t$$" -fuzztime $(LONGFUZZ) $$p; \
	  done; \
	done

## bench: micro-benchmarks (numbers go to BENCHMARKS.md by hand, with the command)
bench:
	$(GO) test -run '^$$' -bench . -benchmem ./codec/

lint: vet
	@out=$$(gofmt -l $$(git ls-files '*.go') 2>/dev/null); \
	if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet ./...

fmt:
	gofmt -w $$(git ls-files '*.go')

clean:
	rm -rf $(BIN)
