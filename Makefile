# Lambda packages and deployment (see docs/aws.md). The tests run with ./test.sh.
#
#   make lambda                 build dist/lambda/{arm64,x86_64}/<function>.zip and copy ARCH's to dist/lambda/
#   make lambda-arm64           one architecture only (also lambda-x86_64)
#   make deploy ENV=dev         sam deploy deploy/sam/template.yaml (needs the AWS SAM CLI and credentials)

GO        ?= go
ARCH      ?= arm64
ENV       ?= dev
APP       ?= doc-tales
EXTRACTOR ?= builtin
FUNCTIONS := api extraction notification
DIST      := dist/lambda

goarch = $(if $(filter x86_64,$(1)),amd64,arm64)

.PHONY: lambda lambda-arm64 lambda-x86_64 deploy validate clean

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
# compares it with the code (see deploy/sam/template_test.go).
validate:
	$(GO) test -count=1 ./deploy/sam/ ./mapping/
	@command -v sam >/dev/null && sam validate --lint -t deploy/sam/template.yaml || echo "sam CLI not installed: skipped sam validate"

deploy: lambda
	sam deploy --template-file deploy/sam/template.yaml --stack-name $(APP)-$(ENV) \
	  --capabilities CAPABILITY_IAM --resolve-s3 \
	  --parameter-overrides Environment=$(ENV) AppName=$(APP) Architecture=$(ARCH) Extractor=$(EXTRACTOR)

clean:
	rm -rf $(DIST)
