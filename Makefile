# Release archives, Lambda packages and deployment (see docs/aws.md). The
# tests run with ./test.sh.
#
#   make release                dist/release/doctales-<version>-<os>-<arch>.{tar.gz,zip} for linux, darwin
#                               and windows on amd64 and arm64, and dist/release/SHA256SUMS
#   make lambda                 build dist/lambda/{arm64,x86_64}/<function>.zip and copy ARCH's to dist/lambda/
#   make lambda-arm64           one architecture only (also lambda-x86_64)
#   make validate               the template checks; fails when a validator fails (sam validate when installed)
#   make deploy ENV=dev         sam deploy deploy/sam/template.yaml (needs the AWS SAM CLI and credentials)
#   make assets                 the dashboard's browser libraries: npm ci in dashboard/web, then copy them into
#                               dashboard/static/vendor (embedded; CI checks the copies are up to date)

GO        ?= go
ARCH      ?= arm64
ENV       ?= dev
APP       ?= doc-tales
EXTRACTOR ?= builtin
FUNCTIONS := api extraction notification websocket timers
DIST      := dist/lambda
# VERSION names the release archives and is what `doctales version` prints
# (the commit and its time come from the build information).
VERSION   ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
PLATFORMS := linux/amd64 linux/arm64 darwin/amd64 darwin/arm64 windows/amd64 windows/arm64
RELEASE   := dist/release

goarch = $(if $(filter x86_64,$(1)),amd64,arm64)

.PHONY: release lambda lambda-arm64 lambda-x86_64 deploy validate clean assets

# One static binary per platform (CGO_ENABLED=0, -trimpath, no symbol
# table), with README.md, in a tar.gz (a zip for Windows), and the SHA-256
# of every archive in SHA256SUMS (check with: sha256sum -c SHA256SUMS).
release:
	@command -v zip >/dev/null || command -v python3 >/dev/null || { echo "make release: needs zip or python3 for the Windows archives"; exit 1; }
	rm -rf $(RELEASE) && mkdir -p $(RELEASE)
	@set -e; for p in $(PLATFORMS); do \
	  os=$${p%/*}; arch=$${p#*/}; name=doctales-$(VERSION)-$$os-$$arch; dir=$(RELEASE)/$$name; \
	  exe=doctales; if [ $$os = windows ]; then exe=doctales.exe; fi; \
	  echo "build $$os/$$arch"; mkdir -p $$dir; \
	  CGO_ENABLED=0 GOOS=$$os GOARCH=$$arch GOFLAGS=-buildvcs=true $(GO) build -trimpath \
	    -ldflags "-s -w -X main.Version=$(VERSION)" -o $$dir/$$exe ./cmd/doctales; \
	  cp README.md $$dir/; \
	  if [ $$os = windows ]; then \
	    if command -v zip >/dev/null; then (cd $(RELEASE) && zip -qr $$name.zip $$name); \
	    else (cd $(RELEASE) && python3 -m zipfile -c $$name.zip $$name); fi; \
	  else tar -C $(RELEASE) -czf $(RELEASE)/$$name.tar.gz $$name; fi; \
	  rm -rf $$dir; \
	done
	cd $(RELEASE) && sha256sum $$(ls *.tar.gz *.zip 2>/dev/null) > SHA256SUMS
	@cat $(RELEASE)/SHA256SUMS

lambda: lambda-arm64 lambda-x86_64
	cp $(DIST)/$(ARCH)/*.zip $(DIST)/
	@ls -l $(DIST)/*.zip

lambda-arm64 lambda-x86_64: lambda-%:
	@for fn in $(FUNCTIONS); do \
	  echo "build $* $$fn"; \
	  mkdir -p $(DIST)/$*/$$fn && \
	  CGO_ENABLED=0 GOOS=linux GOARCH=$(call goarch,$*) $(GO) build -tags lambda.norpc -trimpath \
	    -ldflags "-s -w" -o $(DIST)/$*/$$fn/bootstrap ./cmd/lambda/$$fn && \
	  $(GO) run ./cmd/lambda/internal/mkzip $(DIST)/$*/$$fn.zip $(DIST)/$*/$$fn/bootstrap || exit 1; \
	done

# The checks that run here without AWS: goformation parses the template and
# compares it with the code (see deploy/sam/template_test.go); then sam
# validate --lint when the SAM CLI is installed. A failing validator fails
# the target; only a missing sam CLI is skipped, and said so.
validate:
	$(GO) test -count=1 ./deploy/sam/ ./mapping/
	@if command -v sam >/dev/null; then \
	  sam validate --lint -t deploy/sam/template.yaml || { echo "make validate: sam validate failed"; exit 1; }; \
	else echo "sam CLI not installed: skipped sam validate (pip install aws-sam-cli to run it)"; fi

deploy: lambda
	sam deploy --template-file deploy/sam/template.yaml --stack-name $(APP)-$(ENV) \
	  --capabilities CAPABILITY_IAM --resolve-s3 \
	  --parameter-overrides Environment=$(ENV) AppName=$(APP) Architecture=$(ARCH) Extractor=$(EXTRACTOR)

clean:
	rm -rf $(DIST) $(RELEASE)

# The dashboard's browser libraries (uPlot), installed from
# dashboard/web/package-lock.json and copied byte for byte into
# dashboard/static/vendor, which the binary embeds. .ci/run runs this and
# fails when the copies in git differ.
assets:
	cd dashboard/web && npm ci --no-audit --no-fund --loglevel=error
	sh dashboard/web/vendor.sh
