# movies: the two commands are `make run` and `make test`.
SHELL := /bin/bash
GO ?= go
ROOT := $(CURDIR)
CACHE := $(ROOT)/.cache
export GOBIN := $(CACHE)/bin
export DYNAMODB_LOCAL_DIR ?= $(CACHE)/dynamodb-local
RIE_VERSION := v0.0.0-20261030222936-bef5c4ba774d
RIE := $(GOBIN)/aws-lambda-rie
export MOVIES_RIE := $(RIE)
ADDR ?= 127.0.0.1:8080
# STORE=file:PATH or STORE=dynamodb:TABLE makes `make run` serve that store (default: file:movies.db).
STORE ?=
# The CDK's jsii runtime prints a long banner on Node 20 without this.
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 20

.PHONY: all run dev build bootstrap lint fuzz synth infra-test test vet deps ddblocal ddb-local rie bench image image-oci image-push clean

all: build

build:
	$(GO) build -o bin/movies ./cmd/movies

bootstrap: ## bin/bootstrap: the Lambda binary for this machine, built with the image's flags
	CGO_ENABLED=0 GOOS=linux $(GO) build -trimpath -tags lambda.norpc -ldflags "-s -w -buildid=" -o bin/bootstrap ./cmd/bootstrap

# Serve on the embedded store (or $(STORE)); the server prints curl examples for its address.
run: build
	./bin/movies serve --addr $(ADDR) $(if $(STORE),--store '$(STORE)')

# make run that follows the code: after every save of a Go file it rebuilds and swaps in the new code without
# refusing a request (movies serve --watch; see devloop/). ADDR= and STORE= as for make run.
dev: build
	./bin/movies serve --watch --addr $(ADDR) $(if $(STORE),--store '$(STORE)')

deps: ddblocal rie
	$(GO) mod download

ddblocal:
	@./scripts/install-dynamodb-local.sh

ddb-local:
	@./scripts/dynamodb-local.sh

rie: $(RIE)
$(RIE):
	$(GO) install github.com/aws/aws-lambda-runtime-interface-emulator/cmd/aws-lambda-rie@$(RIE_VERSION)

vet:
	$(GO) vet ./...
	@files=$$(gofmt -l . | grep -v '^infra/cdk.out/'); \
	if [ -n "$$files" ]; then echo "gofmt: these files need formatting:" >&2; echo "$$files" >&2; exit 1; fi

test: deps vet
	$(GO) test -race -count=1 ./...
	GO=$(GO) ./scripts/fuzz.sh 10000x
	$(MAKE) infra-test

# golangci-lint, pinned; the versioned file name makes a version bump reinstall it.
GOLANGCI_LINT_VERSION := v2.15.0
GOLANGCI_LINT := $(GOBIN)/golangci-lint-$(GOLANGCI_LINT_VERSION)

lint: $(GOLANGCI_LINT) ## golangci-lint on the root module and infra/ (config: .golangci.yml)
	GOLANGCI_LINT=$(GOLANGCI_LINT) ./scripts/lint.sh

$(GOLANGCI_LINT):
	$(GO) install github.com/golangci/golangci-lint/v2/cmd/golangci-lint@$(GOLANGCI_LINT_VERSION)
	mv $(GOBIN)/golangci-lint $@

# Every fuzz target, longer: make fuzz FUZZTIME=10m
FUZZTIME ?= 1m
fuzz:
	GO=$(GO) ./scripts/fuzz.sh $(FUZZTIME)

# The CDK app is its own Go module (infra/): the root ./... does not include it.
infra-test:
	cd infra && $(GO) vet ./... && $(GO) test -race -count=1 ./...

# Synthesize the CDK app into infra/cdk.out without the CDK CLI, AWS credentials or Docker.
# Settings as context, e.g. make synth CDK_CONTEXT="-c imageUri=ACCOUNT.dkr.ecr.REGION.amazonaws.com/movies:v1"
synth:
	cd infra && $(GO) run . $(CDK_CONTEXT)

# One run of every comparison, printed as a markdown table and written to bench/results.json.
bench: deps
	$(GO) run ./bench -go $(GO)

# Lambda container images, built without Docker; reproducible for a given commit.
SOURCE_DATE_EPOCH ?= $(shell git log -1 --format=%ct 2>/dev/null || echo 0)
export SOURCE_DATE_EPOCH

image: ## dist/movies-arm64.tar and dist/movies-amd64.tar (docker-archive tarballs)
	$(GO) run ./cmd/movies image build --arch arm64,amd64 -o dist

image-oci: ## dist/oci: both images in one OCI layout
	$(GO) run ./cmd/movies image build --arch arm64,amd64 --format oci -o dist

image-push: ## make image-push REF=123456789012.dkr.ecr.us-east-1.amazonaws.com/movies:v1
	@test -n "$(REF)" || { echo "usage: make image-push REF=registry/repository:tag" >&2; exit 2; }
	$(GO) run ./cmd/movies image build --arch arm64 -o dist --push $(REF)

clean:
	rm -rf bin dist .cache/bin .cache/rietest infra/cdk.out
