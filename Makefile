# The Brain: common tasks. `make test` is the one test command (CI runs it).
SHELL := /bin/bash
GO    ?= go
SQLC_VERSION := v1.31.1
SQLC  := $(shell $(GO) env GOPATH)/bin/sqlc
# The AWS Lambda runtime interface emulator the Lambda tests run the binary
# under (pinned; cmd/thebrain/rie_helper_test.go names the same version).
RIE_VERSION := v0.0.0-20261030222936-bef5c4ba774d
RIE_DIR := $(shell $(GO) env GOCACHE)/../thebrain/aws-lambda-rie@$(RIE_VERSION)
RIE   := $(RIE_DIR)/aws-lambda-rie

.PHONY: run test test-short soak bench generate check-generated fmt vet check build lambda migrate-up tools rie deploy-check synth

run: ## start the API server with embedded defaults
	$(GO) run ./cmd/thebrain serve

test: ## the whole suite, with the race detector
	@$(MAKE) --no-print-directory rie || echo "aws-lambda-rie could not be built: the Lambda emulator tests will skip"
	THEBRAIN_RIE="$(RIE)" $(GO) test -race -shuffle=on -count=1 -timeout 20m ./...

test-short: ## the whole suite without the race detector, for a quick loop
	@$(MAKE) --no-print-directory rie || echo "aws-lambda-rie could not be built: the Lambda emulator tests will skip"
	THEBRAIN_RIE="$(RIE)" $(GO) test -count=1 ./...

soak: ## fault-injection and flood runs at full size (minutes, not seconds; numbers go to docs/reliability.md)
	$(GO) test -tags soak -run 'Soak' -count=1 -v -timeout 60m ./cmd/thebrain/

bench: ## platform and module benchmarks (numbers go to docs/perf.md)
	$(GO) test -run '^$$' -bench . -benchmem ./platform/... ./modules/...

tools: ## sqlc, pinned (a cgo build: the first install takes a few minutes)
	@if ! "$(SQLC)" version 2>/dev/null | grep -q "$(SQLC_VERSION)"; then \
		echo "installing sqlc $(SQLC_VERSION)"; \
		$(GO) install github.com/sqlc-dev/sqlc/cmd/sqlc@$(SQLC_VERSION); \
	fi

rie: ## the Lambda runtime interface emulator, pinned, built from the Go module proxy (or the module cache)
	@test -x "$(RIE)" || { echo "building aws-lambda-rie $(RIE_VERSION)"; mkdir -p "$(RIE_DIR)"; \
		GOBIN="$(RIE_DIR)" CGO_ENABLED=0 GOWORK=off GOFLAGS= $(GO) install github.com/aws/aws-lambda-runtime-interface-emulator/cmd/aws-lambda-rie@$(RIE_VERSION); }

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

lambda: ## the Lambda asset: build/lambda/bootstrap (linux/arm64, static, lambda.norpc); build/lambda.zip too where zip is installed
	rm -rf build/lambda build/lambda.zip && mkdir -p build/lambda
	CGO_ENABLED=0 GOOS=linux GOARCH=arm64 $(GO) build -tags lambda.norpc -trimpath \
		-ldflags "-s -w -X main.version=$$(git describe --always --dirty 2>/dev/null || echo dev)" -o build/lambda/bootstrap ./cmd/thebrain
	@if command -v zip >/dev/null; then cd build/lambda && zip -q -X ../lambda.zip bootstrap && echo "build/lambda.zip"; fi
	@file build/lambda/bootstrap 2>/dev/null || ls -l build/lambda/bootstrap

migrate-up: ## apply migrations to THEBRAIN_DATABASE_URL (or the embedded cluster)
	$(GO) run ./cmd/thebrain migrate up
