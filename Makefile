# courier-sync: `make demo` runs the server plus a simulated fleet; `make test`
# runs every check CI runs. Everything else is a helper for those two.

GO          ?= go
BIN         := $(CURDIR)/bin
STATICCHECK := $(BIN)/staticcheck
STATICCHECK_VERSION := v0.8.2
ERRCHECK    := $(BIN)/errcheck
ERRCHECK_VERSION := v1.30.0

.PHONY: all build check-deps errcheck test demo demo-console screenshots run bench bench-growth bench-fleet bench-big lint fmt-check tools clean mobile test-mobile fuzz soak test-tus

all: build

build:
	$(GO) build -o $(BIN)/ ./cmd/...

$(STATICCHECK):
	GOBIN=$(BIN) $(GO) install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION)

$(ERRCHECK):
	GOBIN=$(BIN) $(GO) install github.com/kisielk/errcheck@$(ERRCHECK_VERSION)

tools: $(STATICCHECK) $(ERRCHECK)

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

lint: fmt-check tools errcheck
	$(GO) vet ./...
	$(STATICCHECK) ./...

# Unchecked errors outside tests; .errcheck-excludes lists, with reasons,
# the calls whose error is deliberately not checked.
errcheck: $(ERRCHECK)
	$(ERRCHECK) -ignoretests -exclude .errcheck-excludes ./...

# The layering (STYLE.md): syncproto and internal/ stdlib only, mobile-api
# never imports server, server imports no adapter, handlers no bbolt, and
# only cmd/ and server/stack import adapters (scripts/checkdeps).
check-deps:
	$(GO) run ./scripts/checkdeps

# The whole suite, with the race detector, as CI runs it.
test: lint check-deps
	$(GO) test -race -count=1 -timeout 15m ./...

# The stock tus-js-client under Node against /v1/uploads (installs it into
# build/tusclient when missing); make test runs the same test once installed.
test-tus:
	./scripts/tus-test.sh

# Java and Objective-C bindings of the handheld library (mobile-api/bind)
# into build/mobile; fails if gobind skips any exported name.
mobile:
	./scripts/mobile.sh gen

# The Java binding proven on this machine's JVM: the Go side built as a JNI
# library, a small Java app syncing with a real courierd (~3 min cold).
test-mobile:
	./scripts/mobile.sh test

# The main job: courierd on a fresh temporary data dir, then 50 simulated
# couriers x 200 records over a link that fails 10 % of requests.
demo: build
	./scripts/demo.sh

# The demo, then the server stays up with its data for the web console:
# prints the console's address and logins (Ctrl-C stops it).
demo-console: build
	DEMO_KEEP=1 ./scripts/demo.sh

# Screenshots of every console screen, by the browser tests, into docs/screenshots.
screenshots:
	CONSOLE_SCREENSHOTS=$(CURDIR)/docs/screenshots $(GO) test -count=1 -run TestConsoleJourneys ./server/stack/consoletest/

# Just the server, on ./data.
run: build
	COURIERD_DATA_DIR=./data $(BIN)/courierd

# Intake (1, 16, 64, 256 devices; UUIDv7 and v4 op ids) and pull over HTTP,
# each on a fresh store, 3 runs, into BENCHMARKS.md (~5-10 min). OLD=path to
# an older courierd measures it side by side in the same run; RUNS, LEVELS,
# IDS and PULL narrow it (see scripts/bench-intake.sh).
bench: build
	OLD=$(OLD) ./scripts/bench-intake.sh

# The same intake on a store grown to GROWTH_OPS ops (default 10 million;
# the loading takes a while) into BENCHMARKS-growth.md.
bench-growth: build
	MODE=growth REPORT=BENCHMARKS-growth.md OUT=build/bench-growth ./scripts/bench-intake.sh

# The earlier benchmarks: store intake and pull, uploads, wake-ups, the photo
# pipeline, then the fleet at 1..256 devices and 1,000 devices for memory (~5 min).
bench-fleet: build
	$(GO) test -run '^$$' -bench 'PushGroupCommit|Pull' -benchtime 3000x ./server/bolt
	$(GO) test -run '^$$' -bench 'Upload50|CallbackWakeUps' -benchtime 1x ./server/stack
	$(GO) test -run '^$$' -bench '12MP' -benchtime 5x ./server/photo
	./scripts/bench.sh

# Ledger and report queries over 1 M receipts (building the data takes minutes).
bench-big:
	$(GO) test -run '^$$' -bench DispatchQueries1M -benchtime 20x -timeout 40m ./server/bolt

# Every fuzz target for FUZZTIME each (default 30s); a crasher lands in the
# package's testdata/fuzz/<Target>/ and becomes a regression test there.
FUZZTIME ?= 30s
FUZZ_TARGETS := \
	./syncproto:FuzzDecodePayload ./syncproto:FuzzValidateOp ./syncproto:FuzzPushRequestDecode \
	./syncproto:FuzzParseUUID ./syncproto:FuzzParseOpTime ./server/photo:FuzzSniff \
	./server/crypt:FuzzOpenSealed ./server/crypt:FuzzKeyFile \
	./server/httpapi:FuzzUploadHeaders ./server/httpapi:FuzzPullCursor ./server/httpapi:FuzzPushBody \
	./server/httpapi:FuzzUploadRange ./server/photo:FuzzCheckStructure
fuzz:
	@set -e; for t in $(FUZZ_TARGETS); do \
		pkg=$${t%%:*}; name=$${t##*:}; \
		echo "== $$name ($$pkg, $(FUZZTIME))"; \
		$(GO) test -run '^$$' -fuzz "^$$name\$$" -fuzztime $(FUZZTIME) $$pkg; \
	done

# The fault matrix's long form: the kill -9, cut-response and locked-store
# tests repeated SOAKCOUNT times (default 10) with the race detector.
SOAKCOUNT ?= 10
soak:
	COURIER_SOAK=1 $(GO) test -race -count=$(SOAKCOUNT) -timeout 120m \
		-run 'TestCrash|TestFault|TestASecondServer|TestPhotoUploadThroughACuttingLink|TestPushAnswersCut' ./cmd/courierd ./server/stack

clean:
	rm -rf $(BIN)
