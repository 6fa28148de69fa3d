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
RACE_PKGS  ?= ./codec/... ./internal/... ./storage/... ./engine/... ./bosh/...

.PHONY: all build run test unit race fuzz-short fuzz bench lint fmt vet clean interop-deps interop

all: build

build:
	$(GO) build -o $(BIN)/ ./tools/...

## run: the server on its embedded defaults (domain localhost, c2s 5222, data in ./data)
run: build
	@if [ -x $(BIN)/xmppd ]; then exec ./$(BIN)/xmppd; else echo "xmppd server binary not built yet (see issues)"; fi

## test: everything CI runs: lint, unit tests, race tests, short fuzzing, interop
test: lint unit race fuzz-short interop
	$(MAKE) bosh-interop-deps && XMPPD_INTEROP=required $(GO) test -count=1 -run '^TestStropheInterop$$' ./bosh/

# internal/interop drives real clients against the built server and runs
# under `interop`, apart from unit and race tests (STYLE.md habit 7).
unit:
	$(GO) test -count=1 $$($(GO) list ./... | grep -v /internal/interop)
	@# The codec's portable fast path (no assembly), on a GOARCH this
	@# machine runs without emulation.
	GOARCH=386 $(GO) test -count=1 ./codec/

# Debian's slixmpp, for Debian's python3 (/usr/bin/python3), which is what
# the interop tests run. sudo only when not root (CI on a fresh machine).
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

interop-deps:
	@/usr/bin/python3 -c 'import slixmpp' 2>/dev/null || \
	  ($(SUDO) apt-get update && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y python3-slixmpp)

## bosh-interop-deps: strophe.js under node for bosh's interop test (bosh/testdata/node)
.PHONY: bosh-interop-deps
bosh-interop-deps:
	@[ -f bosh/testdata/node/node_modules/strophe.js/package.json ] || (cd bosh/testdata/node && npm ci --no-audit --no-fund)

## interop: the real server binary against real client libraries
interop: interop-deps
	XMPPD_INTEROP=required $(GO) test -count=1 ./internal/interop/

race:
	CGO_ENABLED=1 $(GO) test -race -count=1 -tags pebblegozstd $$($(GO) list $(RACE_PKGS) | grep -v /internal/interop)

FUZZ_PKGS  ?= ./codec/ ./internal/jid/ ./engine/sasl/ ./bosh/

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

## bench-peers: xmppd, ejabberd and Prosody side by side with xmppbench (as
## root; installs Debian's ejabberd and Prosody; writes bench/peers/RESULTS.md)
.PHONY: bench-peers
bench-peers:
	bash bench/peers/run.sh

lint: vet
	@out=$$(gofmt -l $$(git ls-files '*.go') 2>/dev/null); \
	if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet ./...

fmt:
	gofmt -w $$(git ls-files '*.go')

clean:
	rm -rf $(BIN)
