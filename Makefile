# Everything CI runs is here; .ci/run calls `make test`.
GO      ?= go
BIN     ?= bin
PKGS    := ./...
FUZZTIME ?= 15s
# VERSION names the build in --version and webexpipe_build_info; empty
# (no git), the binaries report the module version Go stamped.
VERSION ?= $(shell git describe --always --dirty 2>/dev/null)
VERSION_LDFLAGS := $(if $(VERSION),-X github.com/webexpipe/webexpipe/cmd/process.version=$(VERSION))

.PHONY: all run build image test-image test vet fmt-check unit bench bench-scale fuzz test-faults test-deploy validate-deploy generate check-ops web-vendor screenshots clean

all: build test

## run: the whole pipeline in one process (embedded JetStream, ingest, echo worker, Webex emulator)
run:
	$(GO) run ./cmd/webexpipe dev

## build: static binaries into ./bin
build:
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags="$(VERSION_LDFLAGS)" -o $(BIN)/ ./cmd/...

## image: the container image of deploy/Dockerfile (static binaries, the CA bundle, no base image) with podman or docker, tagged webexpipe:local as compose expects
IMAGE        ?= webexpipe:local
IMAGE_ENGINE ?= $(shell command -v podman >/dev/null 2>&1 && echo podman || echo docker)
IMAGE_CTX    ?= $(BIN)/image
image:
	rm -rf $(IMAGE_CTX) && mkdir -p $(IMAGE_CTX)/bin $(IMAGE_CTX)/spool
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags="-s -w $(VERSION_LDFLAGS)" -o $(IMAGE_CTX)/bin/ ./cmd/...
	cp /etc/ssl/certs/ca-certificates.crt $(IMAGE_CTX)/
	$(IMAGE_ENGINE) build -f deploy/Dockerfile -t $(IMAGE) $(IMAGE_CTX)

## test: vet, gofmt check and every test with the race detector
test: vet fmt-check unit

vet:
	$(GO) vet $(PKGS)

fmt-check:
	@out="$$(gofmt -l $$(find . -name '*.go' -not -path './data/*'))"; \
	if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi

unit:
	$(GO) test -race -count=1 -timeout 9m $(PKGS)

## bench: the Go benchmarks, then a short load run (ingest and nats-server as processes, and dev mode end to end) printed as tables
LOADRUN_FLAGS ?=
bench:
	$(GO) test -run '^$$' -bench . -benchmem -benchtime 3s ./events/ ./ingest/ ./workers/ ./workers/echo/
	$(GO) build -o $(BIN)/bench/ ./cmd/ingest ./cmd/webexpipe github.com/nats-io/nats-server/v2
	$(GO) run ./cmd/internal/loadrun -bin $(BIN)/bench $(LOADRUN_FLAGS)

## bench-scale: how the workers scale (nats-server R1 and R3, echo-worker replicas against the emulator at 150 ms per Webex call, ingest CPU per event), base commit (BASE, default ecefb1f) against the working tree; about five minutes; not run by CI
BASE ?= ecefb1f
SCALEBENCH_FLAGS ?=
bench-scale:
	$(GO) run ./cmd/internal/scalebench -base '$(BASE)' -json $(BIN)/scalebench.json $(SCALEBENCH_FLAGS)

## test-faults: the fault tests with long loads (1,200 messages each; a few minutes)
test-faults:
	FAULTS_LONG=1 $(GO) test -count=1 -timeout 20m -v ./cmd/internal/faults/

## test-deploy: deploy/compose/compose.yaml run as processes (3 nats-servers with TLS routes, every binary as its own NATS user, two ingests behind nginx) with traffic, a Webex 503, a disabled webhook and a stream leader killed; about two minutes
test-deploy:
	WEBEXPIPE_DEPLOY_TEST=1 $(GO) test -count=1 -timeout 10m -v -run '^TestComposeDeployment$$' ./deploy/e2e/

## test-image: make image with podman, then one container of it running `webexpipe dev`, and a message through it (CI runs it; skips without podman)
test-image:
	WEBEXPIPE_IMAGE_TEST=1 $(GO) test -count=1 -timeout 10m -v -run '^TestImage$$' ./deploy/

## generate: the NATS users (deploy/nats/accounts.conf, deploy/k8s/nats-values.yaml) from events.Roles
generate:
	$(GO) generate ./deploy/natsconf

## fuzz: a short run of each fuzz target at the trust boundary (CI runs it too)
fuzz:
	$(GO) test -run '^$$' -fuzz '^FuzzWebhook$$' -fuzztime $(FUZZTIME) ./ingest/
	$(GO) test -run '^$$' -fuzz '^FuzzDecode$$' -fuzztime $(FUZZTIME) ./events/
	$(GO) test -run '^$$' -fuzz '^FuzzDecodeReaders$$' -fuzztime $(FUZZTIME) ./events/
	$(GO) test -run '^$$' -fuzz '^FuzzParseRetryAfter$$' -fuzztime $(FUZZTIME) ./workers/webex/

## validate-deploy: kustomize build of deploy/k8s, every object decoded strictly into its Kubernetes type, and the deployment rules (a module of its own: the product's go.mod carries no Kubernetes dependency)
validate-deploy:
	cd deploy/k8s/validate && $(GO) vet ./... && $(GO) test -count=1 ./... && $(GO) run . ..

## web-vendor: the Adaptive Cards renderer of the emulator's page, from npm (needs npm and a network; the result is committed, CI does not run it)
web-vendor:
	workers/webex/emulator/web/build/vendor.sh

## screenshots: the README's pictures of the emulator's page and the operations view (docs/*.png), taken by the browser test (needs Chromium)
screenshots:
	WEBEXPIPE_SCREENSHOTS=$(CURDIR)/docs $(GO) test -count=1 -run '^TestBrowser$$' ./cmd/webexpipe/

## check-ops: the alerting rules of deploy/observability checked and unit-tested with promtool (Debian's prometheus package; CI installs it), and the dashboard's and rules' metric names against a scrape of the binaries
PROMTOOL ?= promtool
check-ops:
	$(PROMTOOL) check rules deploy/observability/alerts.yaml
	cd deploy/observability && $(PROMTOOL) test rules alerts_test.yaml
	$(GO) test -count=1 -run '^TestOperationsPackUsesExportedMetrics$$' ./cmd/webexpipe/

clean:
	rm -rf $(BIN)
