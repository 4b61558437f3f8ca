# The Brain: common tasks. `make test` is the one test command (CI runs it).
SHELL := /bin/bash
GO    ?= go
SQLC_VERSION := v1.31.1
SQLC  := $(shell $(GO) env GOPATH)/bin/sqlc

.PHONY: run test test-short soak bench generate check-generated fmt vet check build migrate-up tools deploy-check synth

run: ## start the API server with embedded defaults
	$(GO) run ./cmd/thebrain serve

test: ## the whole suite, with the race detector
	$(GO) test -race -shuffle=on -count=1 -timeout 20m ./...

test-short: ## the whole suite without the race detector, for a quick loop
	$(GO) test -count=1 ./...

soak: ## fault-injection and flood runs at full size (minutes, not seconds; numbers go to docs/reliability.md)
	$(GO) test -tags soak -run 'Soak' -count=1 -v -timeout 60m ./cmd/thebrain/

bench: ## platform and module benchmarks (numbers go to docs/perf.md)
	$(GO) test -run '^$$' -bench . -benchmem ./platform/... ./modules/...

tools: ## sqlc, pinned (a cgo build: the first install takes a few minutes)
	@if ! "$(SQLC)" version 2>/dev/null | grep -q "$(SQLC_VERSION)"; then \
		echo "installing sqlc $(SQLC_VERSION)"; \
		$(GO) install github.com/sqlc-dev/sqlc/cmd/sqlc@$(SQLC_VERSION); \
	fi

generate: tools ## regenerate sqlc code from db/migrations and modules/*/queries
	"$(SQLC)" generate

check-generated: generate ## fail when committed generated code is stale
	@git diff --exit-code -- '*/internal/store/*' || { echo "generated code is stale: run 'make generate' and commit"; exit 1; }
	@test -z "$$(git status --porcelain -- '*/internal/store/*')" || { git status --porcelain -- '*/internal/store/*'; echo "generated files are not committed"; exit 1; }

fmt: ## fail when a file is not gofmt-clean
	@out=$$(gofmt -l $$(git ls-files '*.go')); test -z "$$out" || { echo "gofmt needed:"; echo "$$out"; exit 1; }

vet:
	$(GO) vet ./...

check: fmt vet check-generated ## everything CI checks besides the tests

build: ## a static binary in ./bin
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags "-s -w -X main.version=$$(git describe --always --dirty 2>/dev/null || echo dev)" -o bin/thebrain ./cmd/thebrain

deploy-check: ## compose.yaml and Dockerfile (compose-go), the CDK tests and a synth of both targets (CI runs it beside make test)
	deploy/check

synth: ## synthesise the AWS architecture into deploy/cdk/cdk.out without the CDK CLI (TARGET=local for the LocalStack slice)
	cd deploy/cdk && CDK_OUTDIR=cdk.out CDK_CONTEXT_JSON='{"target":"$(or $(TARGET),aws)"}' JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION=20 $(GO) run .

migrate-up: ## apply migrations to THEBRAIN_DATABASE_URL (or the embedded cluster)
	$(GO) run ./cmd/thebrain migrate up
