# oppstages: `make run` starts the mock on embedded defaults, `make test` runs every test.
GO          ?= go
STATICCHECK ?= honnef.co/go/tools/cmd/staticcheck@v0.8.2
REDOCLY     ?= @redocly/cli@2.77.0
ARGS        ?=
TARGET      ?= http://127.0.0.1:8080
TOKEN       ?= any-token
MODE        ?= readonly
FUZZTIME    ?= 1m
SOAKTIME    ?= 10m
KILLS       ?= 500

# make image: the first of podman and docker whose `info` answers (a docker client without
# a daemon does not); CONTAINER_FLAGS go before its build command, e.g.
# CONTAINER_FLAGS='--runtime runc' for a podman whose default runtime cannot run here, and
# BUILD_FLAGS after it.
IMAGE           ?= oppstages/mockserver:dev
CONTAINER       ?= $(shell for c in podman docker; do command -v $$c >/dev/null 2>&1 && $$c info >/dev/null 2>&1 && { echo $$c; break; }; done)
CONTAINER_FLAGS ?=
BUILD_FLAGS     ?=
CA_CERTS        ?= /etc/ssl/certs/ca-certificates.crt
IMAGE_CONTEXT   ?= bin/image
IMAGE_ARCH      ?= $(shell $(GO) env GOARCH)

.PHONY: run test lint lint-spec contract interop bench load fuzz soak crash fmt image

run:
	$(GO) run ./cmd/mockserver $(ARGS)

# The race detector needs cgo and a C compiler; without them make test still runs every
# test, without -race, and says so.
RACE = $(shell [ "$$($(GO) env CGO_ENABLED)" = 1 ] && command -v "$$($(GO) env CC | cut -d' ' -f1)" >/dev/null && echo -race)

# The dashboard's browser tests skip without Chromium, and go test shows a skip only with
# -v; so make test says so itself. The names are those the browser tests look for.
BROWSER = $(shell for b in chromium chromium-browser google-chrome headless-shell; do command -v $$b >/dev/null 2>&1 && { echo $$b; break; }; done)

test:
	$(GO) vet ./...
	@[ -n "$(RACE)" ] || echo "make test: cgo or a C compiler is missing, so the tests run without the race detector (-race)"
	@[ -n "$(BROWSER)" ] || echo "make test: Chromium is not on PATH, so the dashboard's browser tests skip (apt-get install -y chromium; go test -v ./internal/dashboard shows each skip)"
	$(GO) test $(RACE) -count=1 ./...

lint:
	@out=$$(gofmt -l .); if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	@$(GO) mod tidy -diff || { echo "go.mod or go.sum is not tidy: run go mod tidy"; exit 1; }
	$(GO) run $(STATICCHECK) ./...

lint-spec:
	npx --yes $(REDOCLY) lint --format=stylish openapi.yaml oauth.yaml admin.yaml

contract:
	$(GO) run ./cmd/contract -target $(TARGET) -token $(TOKEN) -mode $(MODE)

# Third-party contract tools (Dredd, Specmatic, Prism proxy, Spectral, Redocly, oapi-codegen),
# pinned, each run as its docs say on the committed documents, against a fresh mockserver
# process on a free loopback port. Needs Node (npx) and Java 17; not part of make test.
interop:
	$(GO) run ./cmd/interop $(ARGS)

# Go benchmarks through the full handler chain, then a load run over loopback beside a
# bare net/http handler: first with wrk when it is installed (compare.sh's measure), then
# with loadbench's Go client. Reports numbers; never fails on them.
bench:
	$(GO) test -run '^$$' -bench . -benchmem ./...
	$(GO) run ./cmd/loadbench

load:
	$(GO) run ./cmd/loadbench $(ARGS)

# Every fuzz target for FUZZTIME each. Inputs that fail land in testdata/fuzz and then
# run in make test.
fuzz:
	@for pkg in $$($(GO) list ./...); do \
	  for target in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz'); do \
	    echo "== $$pkg $$target"; \
	    $(GO) test -run '^$$' -fuzz "^$$target$$" -fuzztime $(FUZZTIME) $$pkg || exit 1; \
	  done; \
	done

# The soak test for SOAKTIME under the race detector.
soak:
	$(GO) test -race -run '^TestSoak$$' -count=1 -timeout 0 ./mock -soak $(SOAKTIME)

# The crash test with KILLS SIGKILLs instead of make test's few.
crash:
	$(GO) test -race -run '^TestCrashLosesNoAcknowledgedWrite$$' -count=1 -timeout 0 -v ./cmd/mockserver -crash-kills $(KILLS)

fmt:
	gofmt -w .

# The container image IMAGE, offline: a static linux binary built here and the build
# host's CA certificates, copied into an image FROM scratch (see Containerfile).
image:
	@[ -n "$(CONTAINER)" ] || { echo "make image: neither podman nor docker answers 'info': install one, or start the docker daemon"; exit 1; }
	@[ -r "$(CA_CERTS)" ] || { echo "make image: no CA certificates at $(CA_CERTS); set CA_CERTS to a PEM bundle"; exit 1; }
	rm -rf $(IMAGE_CONTEXT)
	mkdir -p $(IMAGE_CONTEXT)/data
	CGO_ENABLED=0 GOOS=linux GOARCH=$(IMAGE_ARCH) $(GO) build -trimpath -ldflags '-s -w' -o $(IMAGE_CONTEXT)/mockserver ./cmd/mockserver
	cp $(CA_CERTS) $(IMAGE_CONTEXT)/ca-certificates.crt
	$(CONTAINER) $(CONTAINER_FLAGS) build $(BUILD_FLAGS) -f Containerfile -t $(IMAGE) $(IMAGE_CONTEXT)
